// The signed-in session lapsctl keeps between runs: {server, token, expiry}
// in <config dir>/lapsctl.json, the directory 0700 and the file 0600,
// written to a temporary file and renamed so a crash never leaves half a
// token. The token is a credential: it is never printed or logged.
#ifndef OPENLAPS_CLI_SESSION_FILE_H_
#define OPENLAPS_CLI_SESSION_FILE_H_

#include <filesystem>
#include <optional>
#include <string>

#include "core/status.h"

namespace openlaps::cli {

struct StoredSession {
  std::string server;   // "https://lapsd.example:8443"
  std::string token;    // bearer token
  std::string expires;  // ISO 8601 UTC, empty when unknown
  std::string user;     // who signed in, for messages
};

inline constexpr std::string_view kSessionFileName = "lapsctl.json";

// $XDG_CONFIG_HOME/openlaps, else $HOME/.config/openlaps; nullopt when
// neither is set.
std::optional<std::filesystem::path> DefaultConfigDir(const std::optional<std::string>& xdg,
                                                      const std::optional<std::string>& home);

// Creates `dir` (0700) as needed and replaces the file (0600).
Status SaveSession(const std::filesystem::path& dir, const StoredSession& session);
// NotFound when there is no file; FailedPrecondition when the file is
// readable by group or others (as ssh refuses such keys) or malformed.
Result<StoredSession> LoadSession(const std::filesystem::path& dir);
// Ok when there was nothing to remove.
Status RemoveSession(const std::filesystem::path& dir);

}  // namespace openlaps::cli

#endif  // OPENLAPS_CLI_SESSION_FILE_H_
