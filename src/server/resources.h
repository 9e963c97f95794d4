// Store records as Graph resources (LAPS-REFERENCE.md §5): the JSON the
// admin API returns. No secrets pass through here: passwords are added by
// the reveal route alone.
#ifndef OPENLAPS_SERVER_RESOURCES_H_
#define OPENLAPS_SERVER_RESOURCES_H_

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/effective_policy.h"
#include "core/status.h"
#include "store/model.h"

namespace openlaps::server {

std::string ActionStateName(store::ActionState state);
std::string PlatformsToGraph(core::PlatformSet platforms);
// "windows10", "linux", "macOS", comma-separated; InvalidArgument otherwise.
Result<core::PlatformSet> PlatformsFromGraph(std::string_view text);

nlohmann::json ScopeTagIdsJson(const std::vector<store::Id>& ids);
Result<std::vector<store::Id>> ScopeTagIdsFromJson(const nlohmann::json& value);
nlohmann::json TimeJson(const std::optional<core::Timestamp>& t);

nlohmann::json ActionResultJson(const store::DeviceAction& action);
nlohmann::json ManagedDeviceJson(const store::Device& device,
                                 const std::vector<store::DeviceAction>& actions, bool online);
// Entra ID's view of a device (microsoft.graph.device): `deviceId` is the
// id managedDevice.azureADDeviceId and deviceLocalCredentials use; `id`, the
// directory object's, is DirectoryObjectId of it, as distinct as in Graph.
nlohmann::json DirectoryDeviceJson(const store::Device& device);
std::string DirectoryObjectId(const store::Device& device);
// deviceLocalCredentialInfo without credentials.
nlohmann::json CredentialInfoJson(const store::Device& device,
                                  const std::vector<store::Credential>& credentials);
nlohmann::json GroupJson(const store::Group& group);
nlohmann::json UserJson(const store::User& user);
nlohmann::json PolicyJson(const store::PolicyRecord& policy, bool with_settings);
nlohmann::json PolicyAssignmentsJson(const store::PolicyRecord& policy,
                                     const std::vector<store::Group>& groups);
nlohmann::json RoleDefinitionJson(const store::RoleDefinition& role);
nlohmann::json RoleAssignmentJson(const store::RoleAssignment& assignment,
                                  const std::vector<store::AdminAccount>& admins,
                                  const std::string& role_guid);
nlohmann::json ScopeTagJson(const store::ScopeTag& tag);
nlohmann::json AuditEventJson(const store::AuditEvent& event);

}  // namespace openlaps::server

#endif  // OPENLAPS_SERVER_RESOURCES_H_
