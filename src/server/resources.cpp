#include "server/resources.h"

#include <charconv>

#include "core/bounded_json.h"
#include "core/policy_json.h"
#include "store/guid.h"

namespace openlaps::server {

std::string ActionStateName(store::ActionState state) {
  switch (state) {
    case store::ActionState::kPending:
      return "pending";
    case store::ActionState::kActive:
      return "active";
    case store::ActionState::kDone:
      return "done";
    case store::ActionState::kFailed:
      return "failed";
    case store::ActionState::kCanceled:
      return "canceled";
  }
  return "none";
}

std::string PlatformsToGraph(core::PlatformSet platforms) {
  std::string out;
  auto add = [&](core::Platform p, std::string_view name) {
    if (!(platforms & core::PlatformBit(p))) return;
    if (!out.empty()) out += ",";
    out += name;
  };
  add(core::Platform::kWindows, "windows10");
  add(core::Platform::kLinux, "linux");
  add(core::Platform::kMacOS, "macOS");
  return out;
}

Result<core::PlatformSet> PlatformsFromGraph(std::string_view text) {
  core::PlatformSet set = 0;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t comma = text.find(',', start);
    std::string part(text.substr(
        start, comma == std::string_view::npos ? std::string_view::npos : comma - start));
    std::erase(part, ' ');
    if (part == "windows10" || part == "windows") {
      set |= core::PlatformBit(core::Platform::kWindows);
    } else if (auto p = core::PlatformFromName(part)) {
      set |= core::PlatformBit(*p);
    } else {
      return InvalidArgumentError("platforms: '" + part +
                                  "' is not one of windows10, linux, macOS");
    }
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return set;
}

nlohmann::json ScopeTagIdsJson(const std::vector<store::Id>& ids) {
  nlohmann::json out = nlohmann::json::array();
  if (ids.empty()) out.push_back("0");
  for (store::Id id : ids) out.push_back(std::to_string(id));
  return out;
}

Result<std::vector<store::Id>> ScopeTagIdsFromJson(const nlohmann::json& value) {
  if (!value.is_array()) return InvalidArgumentError("roleScopeTagIds must be an array of ids");
  std::vector<store::Id> ids;
  for (const auto& item : value) {
    std::string text =
        item.is_string() ? item.get<std::string>() : (item.is_number_integer() ? item.dump() : "");
    store::Id id = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size() || id < 0) {
      return InvalidArgumentError("roleScopeTagIds: '" + item.dump() + "' is not a scope tag id");
    }
    ids.push_back(id);
  }
  return ids;
}

nlohmann::json TimeJson(const std::optional<core::Timestamp>& t) {
  return t ? nlohmann::json(core::FormatUtc(*t)) : nlohmann::json(nullptr);
}

nlohmann::json ActionResultJson(const store::DeviceAction& action) {
  return {{"id", action.guid},
          {"actionName", action.kind},
          {"actionState", ActionStateName(action.state)},
          {"startDateTime", core::FormatUtc(action.created_at)},
          {"lastUpdatedDateTime", core::FormatUtc(action.updated_at)},
          {"requestedBy", action.requested_by},
          {"errorMessage", action.error},
          {"openlapsQueued", action.queued},
          {"openlapsDeliverByDateTime", TimeJson(action.deliver_by)},
          {"openlapsFinishByDateTime", TimeJson(action.finish_by)},
          {"openlapsLateCompletion", action.late_completion}};
}

nlohmann::json ManagedDeviceJson(const store::Device& device,
                                 const std::vector<store::DeviceAction>& actions, bool online) {
  nlohmann::json results = nlohmann::json::array();
  for (const auto& a : actions) results.push_back(ActionResultJson(a));
  std::string os(core::PlatformName(device.platform));
  if (device.platform == core::Platform::kWindows) os = "Windows";
  return {{"@odata.type", "#microsoft.graph.managedDevice"},
          {"id", device.guid},
          {"azureADDeviceId", device.guid},
          {"deviceName", device.name},
          {"operatingSystem", os},
          {"osVersion", device.os_version},
          {"serialNumber", device.serial_number},
          {"joinType", device.join_type},
          {"managedDeviceOwnerType", device.ownership},
          {"enrolledDateTime", core::FormatUtc(device.enrolled_at)},
          {"lastSyncDateTime", TimeJson(device.last_checkin)},
          {"isOnline", online},
          {"openlapsLastSeenDateTime",
           TimeJson(device.last_seen ? device.last_seen : device.last_checkin)},
          {"roleScopeTagIds", ScopeTagIdsJson(device.scope_tag_ids)},
          {"localAdminAccountName", device.managed_account_name},
          {"localAdminAccountSid", device.managed_account_sid},
          {"lastPasswordRotationDateTime", TimeJson(device.last_rotation)},
          {"nextPasswordRotationDateTime", TimeJson(device.next_rotation)},
          {"lapsState", device.laps_state},
          {"deviceActionResults", std::move(results)}};
}

std::string DirectoryObjectId(const store::Device& device) {
  return store::GuidFromName("openlaps directory object of device " + device.guid);
}

nlohmann::json DirectoryDeviceJson(const store::Device& device) {
  std::string os = "Linux";
  if (device.platform == core::Platform::kWindows) os = "Windows";
  if (device.platform == core::Platform::kMacOS) os = "macOS";
  // Entra's trust types: ServerAd (domain joined), AzureAd (Entra joined),
  // Workplace (registered), which an enrolled device without either is.
  std::string trust = "Workplace";
  if (device.join_type == "activeDirectory" || device.join_type == "hybrid") trust = "ServerAd";
  if (device.join_type == "azureAd" || device.join_type == "entra") trust = "AzureAd";
  return {{"@odata.type", "#microsoft.graph.device"},
          {"id", DirectoryObjectId(device)},
          {"deviceId", device.guid},
          {"displayName", device.name},
          {"operatingSystem", os},
          {"operatingSystemVersion", device.os_version},
          {"trustType", trust},
          {"accountEnabled", true},
          {"isManaged", true},
          {"registrationDateTime", core::FormatUtc(device.enrolled_at)},
          {"approximateLastSignInDateTime",
           TimeJson(device.last_seen ? device.last_seen : device.last_checkin)}};
}

nlohmann::json CredentialInfoJson(const store::Device& device,
                                  const std::vector<store::Credential>& credentials) {
  std::optional<core::Timestamp> last_backup;
  core::BackupDirectory directory = core::BackupDirectory::kCloud;
  for (const auto& c : credentials) {
    if (c.state == store::CredentialState::kCurrent) {
      last_backup = c.backup_time;
      directory = c.directory;
    }
  }
  // OpenLAPS extension: where the current password is kept (an AD-backed
  // device's password is never in lapsd).
  return {{"id", device.guid},
          {"deviceName", device.name},
          {"lastBackupDateTime", TimeJson(last_backup)},
          {"refreshDateTime", TimeJson(device.next_rotation)},
          {"openlapsBackupDirectory",
           directory == core::BackupDirectory::kActiveDirectory ? "activeDirectory" : "cloud"}};
}

nlohmann::json GroupJson(const store::Group& group) {
  return {{"id", group.guid},
          {"displayName", group.display_name},
          {"description", group.description},
          {"openlapsGroupKind", group.kind == store::GroupKind::kDevice ? "device" : "user"},
          {"roleScopeTagIds", ScopeTagIdsJson(group.scope_tag_ids)},
          {"memberCount", group.member_ids.size()}};
}

nlohmann::json UserJson(const store::User& user) {
  return {{"id", user.guid},
          {"userPrincipalName", user.user_principal_name},
          {"displayName", user.display_name}};
}

nlohmann::json PolicyJson(const store::PolicyRecord& policy, bool with_settings) {
  nlohmann::json out = {{"@odata.type", "#microsoft.graph.deviceManagementConfigurationPolicy"},
                        {"id", policy.guid},
                        {"name", policy.name},
                        {"description", policy.description},
                        {"platforms", PlatformsToGraph(policy.platforms)},
                        {"technologies", "mdm"},
                        {"templateReference",
                         {{"templateId", core::kLapsTemplateId},
                          {"templateFamily", core::kLapsTemplateFamily},
                          {"templateDisplayName", "Local admin password solution (Windows LAPS)"}}},
                        {"roleScopeTagIds", ScopeTagIdsJson(policy.scope_tag_ids)},
                        {"settingCount", policy.settings.ConfiguredCount()},
                        {"createdDateTime", core::FormatUtc(policy.created_at)},
                        {"lastModifiedDateTime", core::FormatUtc(policy.modified_at)},
                        {"version", policy.version},
                        {"isAssigned", !policy.assignments.empty()}};
  if (with_settings) {
    out["settings"] = core::PolicySettingsToIntune(policy.settings);
    out["lapsSettings"] = core::PolicySettingsToJson(policy.settings);
  }
  return out;
}

nlohmann::json PolicyAssignmentsJson(const store::PolicyRecord& policy,
                                     const std::vector<store::Group>& groups) {
  nlohmann::json value = nlohmann::json::array();
  for (const core::Assignment& a : policy.assignments) {
    std::string group_guid;
    for (const auto& g : groups) {
      if (g.id == a.group) group_guid = g.guid;
    }
    bool include = a.kind == core::AssignmentKind::kInclude;
    value.push_back({{"id", policy.guid + "_" + group_guid},
                     {"target",
                      {{"@odata.type", include ? "#microsoft.graph.groupAssignmentTarget"
                                               : "#microsoft.graph.exclusionGroupAssignmentTarget"},
                       {"groupId", group_guid}}}});
  }
  return {{"value", std::move(value)}};
}

nlohmann::json RoleDefinitionJson(const store::RoleDefinition& role) {
  return {{"id", role.guid},
          {"displayName", role.name},
          {"description", role.description},
          {"isBuiltIn", role.built_in},
          {"rolePermissions", {{{"allowedResourceActions", role.permissions}}}}};
}

nlohmann::json RoleAssignmentJson(const store::RoleAssignment& assignment,
                                  const std::vector<store::AdminAccount>& admins,
                                  const std::string& role_guid) {
  nlohmann::json members = nlohmann::json::array();
  for (store::Id id : assignment.admin_ids) {
    for (const auto& a : admins) {
      if (a.id == id) members.push_back(a.name);
    }
  }
  nlohmann::json tags = nlohmann::json::array();
  for (store::Id id : assignment.scope_tag_ids) tags.push_back(std::to_string(id));
  return {{"id", assignment.guid},
          {"displayName", assignment.name},
          {"roleDefinitionId", role_guid},
          {"members", std::move(members)},
          {"roleScopeTagIds", std::move(tags)}};
}

nlohmann::json ScopeTagJson(const store::ScopeTag& tag) {
  return {{"id", std::to_string(tag.id)},
          {"displayName", tag.name},
          {"description", tag.description},
          {"isBuiltIn", tag.id == 0}};
}

nlohmann::json AuditEventJson(const store::AuditEvent& event) {
  nlohmann::json detail = core::ParseBoundedJsonOrDiscarded(event.detail_json);
  if (detail.is_discarded()) detail = nlohmann::json::object();
  return {{"id", event.guid},
          {"sequence", event.sequence},
          {"activityDateTime", core::FormatUtc(event.time)},
          {"activity", event.activity},
          {"category", event.category},
          {"activityResult", event.result},
          {"actor",
           {{"type", event.actor_type},
            {"id", event.actor_id},
            {"userPrincipalName", event.actor_name}}},
          {"actorName", event.actor_name},
          {"resources",
           {{{"type", event.target_type},
             {"resourceId", event.target_id},
             {"displayName", event.target_name}}}},
          {"targetId", event.target_id},
          {"detail", std::move(detail)},
          {"hash", event.hash}};
}

}  // namespace openlaps::server
