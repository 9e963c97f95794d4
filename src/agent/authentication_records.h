// Where laps-agent learns that the managed account was used, for
// PostAuthenticationActions (LAPS-REFERENCE.md §3):
//  - the mark `laps-agent notify-auth` leaves in the state directory when
//    pam_exec runs it for a session of the managed account
//    (packaging/pam-laps-agent), and
//  - the platform's login records under the root (Linux: var/log/wtmp).
// Either source alone is enough; the agent takes the later of the two.
//
// The mark holds an account name and a time, never anything secret. Not
// thread-safe; concurrent notify-auth runs each replace the whole mark, and
// the last writer wins (both are recent, which is all the deadline needs).
#ifndef OPENLAPS_AGENT_AUTHENTICATION_RECORDS_H_
#define OPENLAPS_AGENT_AUTHENTICATION_RECORDS_H_

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/status.h"

namespace openlaps::agent {

struct AuthenticationMark {
  std::string account;
  core::Timestamp at{};
};

// Replaces the mark in `state_dir` (fsync'd, 0600).
Status WriteAuthenticationMark(const std::filesystem::path& state_dir,
                               const AuthenticationMark& mark);
// No mark: nullopt. A malformed mark is DataLoss.
Result<std::optional<AuthenticationMark>> ReadAuthenticationMark(
    const std::filesystem::path& state_dir);

// What `laps-agent notify-auth` does with pam_exec's PAM_USER and PAM_TYPE:
// marks a session ("open_session") or an account check ("account") of
// `managed_account` at `now`, and returns true; ignores other users and the
// other PAM types ("auth" runs before PAM knows whether it succeeded).
Result<bool> NotifyAuthentication(const std::filesystem::path& state_dir,
                                  std::string_view managed_account, std::string_view pam_user,
                                  std::string_view pam_type, core::Timestamp now);

// Platform: the latest login of `account` in the login records under
// `root`; nullopt when there is none or no records at all.
Result<std::optional<core::Timestamp>> LastRecordedLogin(const std::filesystem::path& root,
                                                         std::string_view account);

// The later of the mark (when it names `account`) and the login records
// (none read when `root` is empty); sources that cannot be read count as
// silent.
std::optional<core::Timestamp> LastAuthentication(const std::filesystem::path& state_dir,
                                                  const std::filesystem::path& root,
                                                  std::string_view account);

}  // namespace openlaps::agent

#endif  // OPENLAPS_AGENT_AUTHENTICATION_RECORDS_H_
