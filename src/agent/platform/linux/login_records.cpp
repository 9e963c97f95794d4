// Linux login records: wtmp (utmp(5) records appended by login, sshd and
// logind's PAM stack). A USER_PROCESS record for the account is a login.
#include <utmp.h>

#include <cstring>

#include "agent/authentication_records.h"
#include "os/durable_file.h"

namespace openlaps::agent {

Result<std::optional<core::Timestamp>> LastRecordedLogin(const std::filesystem::path& root,
                                                         std::string_view account) {
  auto data = os::ReadWholeFile(root / "var/log/wtmp");
  if (!data.ok()) {
    if (data.status().IsNotFound()) return std::optional<core::Timestamp>();
    return data.status();
  }
  std::optional<core::Timestamp> last;
  // A torn last record (a crash mid-append) is ignored.
  for (std::size_t at = 0; at + sizeof(utmp) <= data->size(); at += sizeof(utmp)) {
    utmp record;
    std::memcpy(&record, data->data() + at, sizeof record);
    if (record.ut_type != USER_PROCESS) continue;
    std::string_view user(record.ut_user, strnlen(record.ut_user, sizeof record.ut_user));
    if (user != account) continue;
    core::Timestamp when{std::chrono::seconds(record.ut_tv.tv_sec)};
    if (!last || when > *last) last = when;
  }
  return last;
}

}  // namespace openlaps::agent
