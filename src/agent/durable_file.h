// Crash-safe file replacement and removal, for the agent's state and the
// account database: write a sibling temporary file, fsync it, rename it over
// the target, fsync the directory. After a crash the target holds either the
// old or the new content, never a torn mix, and a completed call survives a
// power cut.
//
// Thread safety: calls on different targets are independent; callers
// serialise calls on the same target.
#ifndef OPENLAPS_AGENT_DURABLE_FILE_H_
#define OPENLAPS_AGENT_DURABLE_FILE_H_

#include <sys/types.h>

#include <filesystem>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

#include "core/status.h"

namespace openlaps::agent {

struct FileOwner {
  uid_t uid = 0;
  gid_t gid = 0;
};

struct DurableWriteOptions {
  unsigned mode = 0600;             // permission bits of the new file
  std::optional<FileOwner> owner;   // chown when set and different
  std::filesystem::path temp_path;  // default: "<target>.tmp"
};

// Replaces `target` with `contents`. On failure the target is unchanged and
// the temporary file removed.
Status WriteFileDurably(const std::filesystem::path& target, std::string_view contents,
                        const DurableWriteOptions& options = {});

// Removes `target` and fsyncs its directory; OK when it does not exist.
Status RemoveFileDurably(const std::filesystem::path& target);

// The whole file; NotFound when it does not exist, FailedPrecondition when
// it is longer than `max_bytes` (read no further, so a huge or endless file
// costs at most that much memory).
Result<std::string> ReadWholeFile(const std::filesystem::path& path,
                                  std::size_t max_bytes = std::numeric_limits<std::size_t>::max());

}  // namespace openlaps::agent

#endif  // OPENLAPS_AGENT_DURABLE_FILE_H_
