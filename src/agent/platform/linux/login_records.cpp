// Linux login records (utmp(5)): wtmp, appended by login, sshd and logind's
// PAM stack, where a USER_PROCESS record for the account is a login; and
// utmp, where the USER_PROCESS records are the sessions open now.
#include <utmp.h>

#include <cstring>
#include <functional>

#include "agent/authentication_records.h"
#include "agent/interactive_user.h"
#include "os/durable_file.h"

namespace openlaps::agent {
namespace {

std::string_view Field(const char* text, std::size_t size) { return {text, strnlen(text, size)}; }

// Each whole USER_PROCESS record of `file`; none when it is missing. A torn last record (a crash
// mid-append) is ignored.
Status ForEachUserProcess(const std::filesystem::path& file,
                          const std::function<void(const utmp&)>& visit) {
  auto data = os::ReadWholeFile(file);
  if (!data.ok()) return data.status().IsNotFound() ? Status::Ok() : data.status();
  for (std::size_t at = 0; at + sizeof(utmp) <= data->size(); at += sizeof(utmp)) {
    utmp record;
    std::memcpy(&record, data->data() + at, sizeof record);
    if (record.ut_type == USER_PROCESS) visit(record);
  }
  return Status::Ok();
}

// A session at the machine itself: a virtual console (tty1) or a local
// display (:0, seat0), with no remote host.
bool IsLocalSession(const utmp& record) {
  std::string_view line = Field(record.ut_line, sizeof record.ut_line);
  std::string_view host = Field(record.ut_host, sizeof record.ut_host);
  const bool console = line.starts_with("tty") || line.starts_with(":") || line.starts_with("seat");
  return console && (host.empty() || host.starts_with(":"));
}

}  // namespace

Result<std::optional<core::Timestamp>> LastRecordedLogin(const std::filesystem::path& root,
                                                         std::string_view account) {
  std::optional<core::Timestamp> last;
  OPENLAPS_RETURN_IF_ERROR(ForEachUserProcess(root / "var/log/wtmp", [&](const utmp& record) {
    if (Field(record.ut_user, sizeof record.ut_user) != account) return;
    core::Timestamp when{std::chrono::seconds(record.ut_tv.tv_sec)};
    if (!last || when > *last) last = when;
  }));
  return last;
}

Result<std::string> CurrentInteractiveUser(const std::filesystem::path& root,
                                           std::string_view managed_account) {
  std::string best;
  bool best_local = false;
  std::int64_t best_time = 0;
  OPENLAPS_RETURN_IF_ERROR(ForEachUserProcess(root / "run/utmp", [&](const utmp& record) {
    std::string_view user = Field(record.ut_user, sizeof record.ut_user);
    if (user.empty() || user == managed_account) return;
    const bool local = IsLocalSession(record);
    const std::int64_t time = record.ut_tv.tv_sec;
    if (best.empty() || (local && !best_local) || (local == best_local && time > best_time)) {
      best = std::string(user);
      best_local = local;
      best_time = time;
    }
  }));
  return best;
}

}  // namespace openlaps::agent
