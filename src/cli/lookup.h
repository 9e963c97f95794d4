// Finding objects the way admins name them: by id, or by the name people
// see (device name, group display name, user principal name, role name).
#ifndef OPENLAPS_CLI_LOOKUP_H_
#define OPENLAPS_CLI_LOOKUP_H_

#include <nlohmann/json.hpp>
#include <string_view>

#include "cli/admin_api.h"
#include "core/status.h"

namespace openlaps::cli {

// "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" in hex.
bool LooksLikeGuid(std::string_view text);

// The managedDevice (with deviceActionResults). NotFound when no device
// has that id or name; FailedPrecondition when the name is ambiguous.
Result<nlohmann::json> FindDevice(AdminApi& api, std::string_view id_or_name);
// A group by id or displayName.
Result<nlohmann::json> FindGroup(AdminApi& api, std::string_view id_or_name);
// A user by id or userPrincipalName.
Result<nlohmann::json> FindUser(AdminApi& api, std::string_view id_or_upn);
// A configuration policy (with its settings) by id or name.
Result<nlohmann::json> FindPolicy(AdminApi& api, std::string_view id_or_name);
// A role definition by id or displayName.
Result<nlohmann::json> FindRole(AdminApi& api, std::string_view id_or_name);

}  // namespace openlaps::cli

#endif  // OPENLAPS_CLI_LOOKUP_H_
