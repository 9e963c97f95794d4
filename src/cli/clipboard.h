// Copies text to the desktop clipboard through the first of wl-copy,
// xclip and xsel found on PATH, writing it to the tool's stdin (never to
// its command line, where other users could read it in /proc).
#ifndef OPENLAPS_CLI_CLIPBOARD_H_
#define OPENLAPS_CLI_CLIPBOARD_H_

#include <filesystem>
#include <optional>
#include <string_view>

#include "core/status.h"

namespace openlaps::cli {

// The clipboard tool that CopyToClipboard would run, if any.
std::optional<std::filesystem::path> FindClipboardTool(std::string_view path_env);

// FailedPrecondition when no tool is on PATH; Internal when it fails.
Status CopyToClipboard(std::string_view text, std::string_view path_env);

}  // namespace openlaps::cli

#endif  // OPENLAPS_CLI_CLIPBOARD_H_
