// Who is signed in at the device, for assignments to user groups (Intune
// targets a device's primary user the same way). lapsd matches the name
// against its users' userPrincipalName.
#ifndef OPENLAPS_AGENT_INTERACTIVE_USER_H_
#define OPENLAPS_AGENT_INTERACTIVE_USER_H_

#include <filesystem>
#include <string>
#include <string_view>

#include "core/status.h"

namespace openlaps::agent {

// Platform: the user of the current interactive session under `root`
// (Linux: the USER_PROCESS records in run/utmp; a session at the machine's
// own console or display wins over a remote one, then the newest), never
// `managed_account` (the LAPS account is nobody's); empty when nobody is
// signed in. No records at all is empty too.
Result<std::string> CurrentInteractiveUser(const std::filesystem::path& root,
                                           std::string_view managed_account);

// `user` as a userPrincipalName: kept when it has one ("ada@example.com",
// as SSSD or winbind name domain users), else "user@<suffix>" when a suffix
// is configured, else as it is.
std::string AsPrincipalName(std::string_view user, std::string_view suffix);

}  // namespace openlaps::agent

#endif  // OPENLAPS_AGENT_INTERACTIVE_USER_H_
