// Reading the colon-separated account databases (/etc/passwd, /etc/shadow)
// as pure functions over their text, with bounds: whatever bytes the files
// hold, reading them takes time linear in their size and never more memory
// than a line's fields. Lines longer than kMaxAccountLineBytes or with more
// than kMaxAccountFields fields are malformed and never match.
#ifndef OPENLAPS_AGENT_PLATFORM_LINUX_ACCOUNT_DATABASE_H_
#define OPENLAPS_AGENT_PLATFORM_LINUX_ACCOUNT_DATABASE_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace openlaps::agent {

inline constexpr std::size_t kMaxAccountFileBytes = std::size_t{64} << 20;  // 64 MiB
inline constexpr std::size_t kMaxAccountLines = std::size_t{1} << 20;
inline constexpr std::size_t kMaxAccountLineBytes = 64 * 1024;
inline constexpr std::size_t kMaxAccountFields = 16;  // passwd has 7, shadow 9

// The fields of one line; nullopt when the line is over a bound.
std::optional<std::vector<std::string_view>> SplitAccountFields(std::string_view line);

struct PasswdEntry {
  std::string_view name;
  std::int64_t uid = 0;
};

// The passwd entry named `name`, or the first with uid 0 when `name` is
// empty; nullopt when there is none. NIS includes (+/-) and malformed lines
// are skipped. FailedPrecondition when the text is over its size or line
// bound.
Result<std::optional<PasswdEntry>> FindPasswdEntry(std::string_view passwd, std::string_view name);

// Where an account's line is in the shadow text.
struct ShadowEntry {
  std::size_t offset = 0;  // of the line
  std::string_view line;   // without '\n'
  std::vector<std::string_view> fields;
};

// The shadow entry of `name` (at least 3 fields); NotFound when there is
// none, FailedPrecondition as FindPasswdEntry.
Result<ShadowEntry> FindShadowEntry(std::string_view shadow, std::string_view name);

}  // namespace openlaps::agent

#endif  // OPENLAPS_AGENT_PLATFORM_LINUX_ACCOUNT_DATABASE_H_
