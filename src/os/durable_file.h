// Crash-safe private files, for the agent's state and account database,
// lapsd's escrow key, first-admin file and audit checkpoints, and lapsctl's
// session: write a sibling temporary file, fsync it, move it into place,
// fsync the directory. After a crash the target holds either the old or the
// new content, never a torn mix, and a completed call survives a power cut.
//
// Thread safety: calls on different targets are independent; callers
// serialise calls on the same target.
#ifndef OPENLAPS_OS_DURABLE_FILE_H_
#define OPENLAPS_OS_DURABLE_FILE_H_

#include <cstdint>
#include <filesystem>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

#include "core/status.h"

namespace openlaps::os {

// POSIX only (a Windows file takes its directory's ACL).
struct FileOwner {
  std::uint32_t uid = 0;
  std::uint32_t gid = 0;
};

enum class IfExists {
  kReplace,  // the new content replaces the old atomically
  kKeep,     // AlreadyExists, and the existing file is untouched (keys)
};

struct DurableWriteOptions {
  unsigned mode = 0600;             // POSIX permission bits, whatever the umask
  std::optional<FileOwner> owner;   // chown when set and different
  std::filesystem::path temp_path;  // default "<target>.tmp"; kKeep: "<target>.<pid>.tmp"
  IfExists if_exists = IfExists::kReplace;
};

// Writes `contents` to `target`. On failure the target is unchanged and the
// temporary file removed. The temporary file is created afresh (O_EXCL,
// never through a symlink), so a stale one from a crash is replaced.
Status WriteFileDurably(const std::filesystem::path& target, std::string_view contents,
                        const DurableWriteOptions& options = {});

// Removes `target` and fsyncs its directory; OK when it does not exist.
Status RemoveFileDurably(const std::filesystem::path& target);

// The whole file; NotFound when it does not exist, FailedPrecondition when
// it is longer than `max_bytes` (read no further, so a huge or endless file
// costs at most that much memory).
Result<std::string> ReadWholeFile(const std::filesystem::path& path,
                                  std::size_t max_bytes = std::numeric_limits<std::size_t>::max());

}  // namespace openlaps::os

#endif  // OPENLAPS_OS_DURABLE_FILE_H_
