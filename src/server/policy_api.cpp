// Admin routes for LAPS policies (settings-catalog configurationPolicies),
// their assignments, groups with members, and users.
#include "server/policy_api.h"

#include <set>

#include "core/policy_json.h"
#include "core/policy_validation.h"
#include "server/graph_response.h"
#include "server/odata.h"
#include "server/permissions.h"
#include "server/resources.h"

namespace openlaps::server {

namespace {

const ODataOptions& PolicyODataOptions() {
  static const ODataOptions kOptions{
      {"id", "name", "description", "platforms", "createdDateTime", "lastModifiedDateTime"}};
  return kOptions;
}

const ODataOptions& NamedODataOptions() {
  static const ODataOptions kOptions{{"id", "displayName", "userPrincipalName", "description"}};
  return kOptions;
}

// Reads name, description, platforms, scope tags and settings from a body;
// `base` supplies what a PATCH leaves out.
Result<store::PolicyRecord> PolicyFromBody(const nlohmann::json& body, store::PolicyRecord base,
                                           bool require_all) {
  if (auto it = body.find("name"); it != body.end()) {
    if (!it->is_string() || it->get_ref<const std::string&>().empty()) {
      return InvalidArgumentError("name must be a non-empty string");
    }
    base.name = it->get<std::string>();
  } else if (require_all) {
    return InvalidArgumentError("name is required");
  }
  if (auto it = body.find("description"); it != body.end()) {
    if (!it->is_string()) return InvalidArgumentError("description must be a string");
    base.description = it->get<std::string>();
  }
  if (auto it = body.find("platforms"); it != body.end()) {
    if (!it->is_string()) return InvalidArgumentError("platforms must be a string");
    OPENLAPS_ASSIGN_OR_RETURN(base.platforms, PlatformsFromGraph(it->get<std::string>()));
  }
  if (auto it = body.find("roleScopeTagIds"); it != body.end()) {
    OPENLAPS_ASSIGN_OR_RETURN(base.scope_tag_ids, ScopeTagIdsFromJson(*it));
  }
  if (auto it = body.find("templateReference"); it != body.end() && it->is_object()) {
    OPENLAPS_ASSIGN_OR_RETURN(std::string id,
                              BodyString(*it, "templateId", "", "templateReference.templateId"));
    if (!id.empty() && id != core::kLapsTemplateId) {
      return InvalidArgumentError(
          "templateReference.templateId must be the Windows LAPS template " +
          std::string(core::kLapsTemplateId));
    }
  }
  bool has_intune = body.contains("settings");
  bool has_own = body.contains("lapsSettings");
  if (has_intune && has_own) {
    return InvalidArgumentError("give either settings (Intune) or lapsSettings, not both");
  }
  if (has_intune) {
    OPENLAPS_ASSIGN_OR_RETURN(base.settings, core::PolicySettingsFromIntune(body["settings"]));
  } else if (has_own) {
    OPENLAPS_ASSIGN_OR_RETURN(base.settings, core::PolicySettingsFromJson(body["lapsSettings"]));
  } else if (require_all) {
    return InvalidArgumentError("settings (Intune settings catalog) or lapsSettings is required");
  }
  OPENLAPS_RETURN_IF_ERROR(core::ValidatePolicySettings(base.settings).ToStatus());
  return base;
}

nlohmann::json IgnoredSettingsJson(const core::PolicySettings& settings) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& f : core::ValidatePolicySettings(settings).Ignored()) out.push_back(f.message);
  return out;
}

}  // namespace

void PolicyApi::RegisterRoutes(RouteRegistry& routes) {
  for (std::string version : {"/v1.0", "/beta"}) {
    std::string policies = version + "/deviceManagement/configurationPolicies";
    routes.Add("GET", policies, Auth::kAdmin, permission::kReadPolicies,
               [this](Call& c) { return ListPolicies(c); });
    routes.Add("POST", policies, Auth::kAdmin, permission::kManagePolicies,
               [this](Call& c) { return CreatePolicy(c); });
    routes.Add("GET", policies + "/{id}", Auth::kAdmin, permission::kReadPolicies,
               [this](Call& c) { return GetPolicy(c); });
    routes.Add("PATCH", policies + "/{id}", Auth::kAdmin, permission::kManagePolicies,
               [this](Call& c) { return UpdatePolicy(c); });
    routes.Add("PUT", policies + "/{id}", Auth::kAdmin, permission::kManagePolicies,
               [this](Call& c) { return UpdatePolicy(c); });
    routes.Add("DELETE", policies + "/{id}", Auth::kAdmin, permission::kManagePolicies,
               [this](Call& c) { return DeletePolicy(c); });
    routes.Add("POST", policies + "/{id}/assign", Auth::kAdmin, permission::kManagePolicies,
               [this](Call& c) { return AssignPolicy(c); });
    routes.Add("GET", policies + "/{id}/assignments", Auth::kAdmin, permission::kReadPolicies,
               [this](Call& c) { return ListPolicyAssignments(c); });
    routes.Add("GET", policies + "/{id}/deviceStatuses", Auth::kAdmin, permission::kReadPolicies,
               [this](Call& c) { return PolicyDeviceStatuses(c); });

    routes.Add("GET", version + "/groups", Auth::kAdmin, permission::kReadGroups,
               [this](Call& c) { return ListGroups(c); });
    routes.Add("POST", version + "/groups", Auth::kAdmin, permission::kManageGroups,
               [this](Call& c) { return CreateGroup(c); });
    routes.Add("GET", version + "/groups/{id}", Auth::kAdmin, permission::kReadGroups,
               [this](Call& c) { return GetGroup(c); });
    routes.Add("DELETE", version + "/groups/{id}", Auth::kAdmin, permission::kManageGroups,
               [this](Call& c) { return DeleteGroup(c); });
    routes.Add("GET", version + "/groups/{id}/members", Auth::kAdmin, permission::kReadGroups,
               [this](Call& c) { return ListGroupMembers(c); });
    routes.Add("POST", version + "/groups/{id}/members/$ref", Auth::kAdmin,
               permission::kManageGroups, [this](Call& c) { return AddGroupMember(c); });
    routes.Add("DELETE", version + "/groups/{id}/members/{member}/$ref", Auth::kAdmin,
               permission::kManageGroups, [this](Call& c) { return RemoveGroupMember(c); });
    routes.Add("GET", version + "/users", Auth::kAdmin, permission::kReadGroups,
               [this](Call& c) { return ListUsers(c); });
    routes.Add("POST", version + "/users", Auth::kAdmin, permission::kManageGroups,
               [this](Call& c) { return CreateUser(c); });
  }
}

Result<store::PolicyRecord> PolicyApi::VisiblePolicy(const Call& call, std::string_view permission,
                                                     std::string_view guid) {
  auto policy = context_.store().GetPolicyByGuid(guid);
  if (!policy.ok() || !call.admin->CanSee(permission, policy->scope_tag_ids)) {
    if (!policy.ok() && !policy.status().IsNotFound()) return policy.status();
    return NotFoundError("policy " + std::string(guid) + " was not found");
  }
  return policy;
}

namespace {
// The policy with only the assignments whose groups the caller may see.
store::PolicyRecord AssignmentsInScope(const AdminPrincipal& admin, std::string_view permission,
                                       store::PolicyRecord policy,
                                       const std::vector<store::Group>& groups) {
  std::erase_if(policy.assignments, [&](const core::Assignment& a) {
    for (const store::Group& g : groups) {
      if (g.id == a.group) return !admin.CanSee(permission, g.scope_tag_ids);
    }
    return true;
  });
  return policy;
}
}  // namespace

Result<store::Group> PolicyApi::VisibleGroup(const Call& call, std::string_view permission,
                                             std::string_view guid) {
  auto group = context_.store().GetGroupByGuid(guid);
  // Out of scope looks exactly like absent, as for devices.
  if (!group.ok() || !call.admin->CanSee(permission, group->scope_tag_ids)) {
    if (!group.ok() && !group.status().IsNotFound()) return group.status();
    return NotFoundError("group " + std::string(guid) + " was not found");
  }
  return group;
}

void PolicyApi::WakeGroupMembers(const std::vector<store::Id>& group_ids) {
  for (store::Id id : group_ids) {
    auto group = context_.store().GetGroup(id);
    if (!group.ok()) continue;
    if (group->kind == store::GroupKind::kUser) {
      // Which devices a user is signed in to changes all the time: wake all.
      context_.hub().WakeAll();
      return;
    }
    for (store::Id device : group->member_ids) context_.hub().Wake(device);
  }
}

Result<http::Response> PolicyApi::ListPolicies(Call& call) {
  OPENLAPS_ASSIGN_OR_RETURN(auto policies, context_.store().ListPolicies());
  std::vector<nlohmann::json> items;
  for (const auto& p : policies) {
    if (call.admin->CanSee(permission::kReadPolicies, p.scope_tag_ids)) {
      items.push_back(PolicyJson(p, false));
    }
  }
  OPENLAPS_ASSIGN_OR_RETURN(
      nlohmann::json body,
      ApplyODataQuery(call.request, call.base_url, std::move(items), PolicyODataOptions()));
  return JsonResponse(200, body);
}

Result<http::Response> PolicyApi::GetPolicy(Call& call) {
  OPENLAPS_ASSIGN_OR_RETURN(auto policy,
                            VisiblePolicy(call, permission::kReadPolicies, call.Param("id")));
  nlohmann::json body = PolicyJson(policy, true);
  body["openlapsIgnoredSettings"] = IgnoredSettingsJson(policy.settings);
  OPENLAPS_ASSIGN_OR_RETURN(body, ApplySelect(call.request, std::move(body)));
  return JsonResponse(200, body);
}

Result<http::Response> PolicyApi::CreatePolicy(Call& call) {
  OPENLAPS_ASSIGN_OR_RETURN(nlohmann::json body, ParseJsonObject(call.request.body));
  store::PolicyRecord base;
  base.platforms =
      core::PlatformBit(core::Platform::kWindows) | core::PlatformBit(core::Platform::kLinux);
  OPENLAPS_ASSIGN_OR_RETURN(store::PolicyRecord policy, PolicyFromBody(body, base, true));
  if (!body.contains("roleScopeTagIds")) {
    policy.scope_tag_ids = CreatorScopeTags(call.admin->Scope(permission::kManagePolicies));
  }
  OPENLAPS_RETURN_IF_ERROR(
      CheckTagsWithinScope(call.admin->Scope(permission::kManagePolicies), policy.scope_tag_ids));
  policy.created_at = call.now;
  policy.modified_at = call.now;
  OPENLAPS_ASSIGN_OR_RETURN(store::PolicyRecord created, context_.store().CreatePolicy(policy));
  OPENLAPS_RETURN_IF_ERROR(
      context_.Audit(call, "Create policy", "Policy", "success", "policy", created.guid,
                     created.name, {{"settings", core::PolicySettingsToJson(created.settings)}}));
  context_.InvalidatePolicies();
  nlohmann::json out = PolicyJson(created, true);
  out["openlapsIgnoredSettings"] = IgnoredSettingsJson(created.settings);
  return JsonResponse(201, out);
}

Result<http::Response> PolicyApi::UpdatePolicy(Call& call) {
  OPENLAPS_ASSIGN_OR_RETURN(auto existing,
                            VisiblePolicy(call, permission::kManagePolicies, call.Param("id")));
  OPENLAPS_ASSIGN_OR_RETURN(nlohmann::json body, ParseJsonObject(call.request.body));
  OPENLAPS_ASSIGN_OR_RETURN(store::PolicyRecord policy,
                            PolicyFromBody(body, existing, call.request.method == "PUT"));
  // Retagging moves the policy between scopes: the caller must hold every
  // tag it leaves and every tag it gets. Editing in place needs only one.
  std::set<store::Id> old_tags(existing.scope_tag_ids.begin(), existing.scope_tag_ids.end());
  std::set<store::Id> new_tags(policy.scope_tag_ids.begin(), policy.scope_tag_ids.end());
  if (old_tags != new_tags) {
    const ScopeFilter& scope = call.admin->Scope(permission::kManagePolicies);
    OPENLAPS_RETURN_IF_ERROR(CheckTagsWithinScope(scope, existing.scope_tag_ids));
    OPENLAPS_RETURN_IF_ERROR(CheckTagsWithinScope(scope, policy.scope_tag_ids));
  }
  policy.modified_at = call.now;
  OPENLAPS_ASSIGN_OR_RETURN(store::PolicyRecord updated, context_.store().UpdatePolicy(policy));
  OPENLAPS_RETURN_IF_ERROR(context_.Audit(
      call, "Update policy", "Policy", "success", "policy", updated.guid, updated.name,
      {{"settings", core::PolicySettingsToJson(updated.settings)}, {"version", updated.version}}));
  context_.InvalidatePolicies();
  std::vector<store::Id> groups;
  for (const auto& a : updated.assignments) groups.push_back(a.group);
  WakeGroupMembers(groups);
  return JsonResponse(200, PolicyJson(updated, true));
}

Result<http::Response> PolicyApi::DeletePolicy(Call& call) {
  OPENLAPS_ASSIGN_OR_RETURN(auto policy,
                            VisiblePolicy(call, permission::kManagePolicies, call.Param("id")));
  OPENLAPS_RETURN_IF_ERROR(context_.store().DeletePolicy(policy.id));
  OPENLAPS_RETURN_IF_ERROR(context_.Audit(call, "Delete policy", "Policy", "success", "policy",
                                          policy.guid, policy.name));
  context_.InvalidatePolicies();
  std::vector<store::Id> groups;
  for (const auto& a : policy.assignments) groups.push_back(a.group);
  WakeGroupMembers(groups);
  return NoContent();
}

Result<http::Response> PolicyApi::AssignPolicy(Call& call) {
  OPENLAPS_ASSIGN_OR_RETURN(auto policy,
                            VisiblePolicy(call, permission::kManagePolicies, call.Param("id")));
  OPENLAPS_ASSIGN_OR_RETURN(nlohmann::json body, ParseJsonObject(call.request.body));
  auto list = body.find("assignments");
  if (list == body.end() || !list->is_array()) {
    return InvalidArgumentError("assignments must be an array");
  }
  std::vector<core::Assignment> assignments;
  for (const auto& a : *list) {
    const nlohmann::json* target = a.is_object() && a.contains("target") ? &a["target"] : nullptr;
    if (!target || !target->is_object()) {
      return InvalidArgumentError("each assignment needs a target object");
    }
    OPENLAPS_ASSIGN_OR_RETURN(std::string type,
                              BodyString(*target, "@odata.type", "", "target.@odata.type"));
    core::AssignmentKind kind;
    if (type == "#microsoft.graph.groupAssignmentTarget") {
      kind = core::AssignmentKind::kInclude;
    } else if (type == "#microsoft.graph.exclusionGroupAssignmentTarget") {
      kind = core::AssignmentKind::kExclude;
    } else {
      return InvalidArgumentError(
          "target @odata.type must be #microsoft.graph.groupAssignmentTarget "
          "or #microsoft.graph.exclusionGroupAssignmentTarget");
    }
    OPENLAPS_ASSIGN_OR_RETURN(std::string group_guid,
                              BodyString(*target, "groupId", "", "target.groupId"));
    auto group = VisibleGroup(call, permission::kManagePolicies, group_guid);
    if (!group.ok()) {
      if (!group.status().IsNotFound()) return group.status();
      return InvalidArgumentError("group " + group_guid + " does not exist");
    }
    assignments.push_back({group->id, kind});
  }
  // Assignments to groups outside the caller's scope are not its to see or
  // drop: they stay as they are.
  OPENLAPS_ASSIGN_OR_RETURN(auto all_groups, context_.store().ListGroups());
  for (const core::Assignment& a : policy.assignments) {
    for (const store::Group& g : all_groups) {
      if (g.id == a.group && !call.admin->CanSee(permission::kManagePolicies, g.scope_tag_ids)) {
        assignments.push_back(a);
      }
    }
  }
  OPENLAPS_RETURN_IF_ERROR(context_.store().SetPolicyAssignments(policy.id, assignments));
  OPENLAPS_ASSIGN_OR_RETURN(auto updated, context_.store().GetPolicy(policy.id));
  nlohmann::json out = PolicyAssignmentsJson(
      AssignmentsInScope(*call.admin, permission::kManagePolicies, updated, all_groups),
      all_groups);
  OPENLAPS_RETURN_IF_ERROR(context_.Audit(call, "Assign policy", "Policy", "success", "policy",
                                          policy.guid, policy.name,
                                          {{"assignments", out["value"]}}));
  context_.InvalidatePolicies();
  std::vector<store::Id> touched;
  for (const auto& a : policy.assignments) touched.push_back(a.group);
  for (const auto& a : assignments) touched.push_back(a.group);
  WakeGroupMembers(touched);
  return JsonResponse(200, out);
}

Result<http::Response> PolicyApi::ListPolicyAssignments(Call& call) {
  OPENLAPS_ASSIGN_OR_RETURN(auto policy,
                            VisiblePolicy(call, permission::kReadPolicies, call.Param("id")));
  OPENLAPS_ASSIGN_OR_RETURN(auto groups, context_.store().ListGroups());
  nlohmann::json assignments = PolicyAssignmentsJson(
      AssignmentsInScope(*call.admin, permission::kReadPolicies, policy, groups), groups);
  static const ODataOptions kOptions{.filterable = {"id"}};
  OPENLAPS_ASSIGN_OR_RETURN(
      nlohmann::json body,
      ApplyODataQuery(call.request, call.base_url, std::move(assignments["value"]), kOptions));
  return JsonResponse(200, body);
}

Result<http::Response> PolicyApi::PolicyDeviceStatuses(Call& call) {
  OPENLAPS_ASSIGN_OR_RETURN(auto policy,
                            VisiblePolicy(call, permission::kReadPolicies, call.Param("id")));
  OPENLAPS_ASSIGN_OR_RETURN(auto snapshot, context_.PolicySnapshotNow());
  OPENLAPS_ASSIGN_OR_RETURN(auto devices, context_.store().ListDevices());
  std::vector<nlohmann::json> items;
  std::map<std::string, int> counts;
  for (const store::Device& d : devices) {
    if (!call.admin->CanSee(permission::kReadDevices, d.scope_tag_ids)) continue;
    OPENLAPS_ASSIGN_OR_RETURN(core::EffectivePolicy effective, context_.ResolveFor(*snapshot, d));
    for (const core::PolicyState& s : effective.states) {
      if (s.policy != policy.id) continue;
      std::string state(core::PolicyStateName(s.state));
      ++counts[state];
      items.push_back({{"id", d.guid + "_" + policy.guid},
                       {"deviceId", d.guid},
                       {"deviceDisplayName", d.name},
                       {"status", state},
                       {"detail", s.detail},
                       {"lastReportedDateTime", TimeJson(d.last_checkin)}});
    }
  }
  ODataOptions options{{"deviceDisplayName", "status", "deviceId"}};
  OPENLAPS_ASSIGN_OR_RETURN(
      nlohmann::json body, ApplyODataQuery(call.request, call.base_url, std::move(items), options));
  body["openlapsCounts"] = counts;
  return JsonResponse(200, body);
}

namespace {
// The group as the caller may see it: device members out of its device
// scope are left out, so memberCount does not count them either.
Result<store::Group> GroupAsSeenBy(store::Store& store, const AdminPrincipal& admin,
                                   store::Group group) {
  if (group.kind != store::GroupKind::kDevice || admin.Unscoped(permission::kReadDevices)) {
    return group;
  }
  std::vector<store::Id> visible;
  for (store::Id id : group.member_ids) {
    auto device = store.GetDevice(id);
    if (!device.ok()) return device.status();
    if (admin.CanSee(permission::kReadDevices, device->scope_tag_ids)) visible.push_back(id);
  }
  group.member_ids = std::move(visible);
  return group;
}
}  // namespace

Result<http::Response> PolicyApi::ListGroups(Call& call) {
  OPENLAPS_ASSIGN_OR_RETURN(auto groups, context_.store().ListGroups());
  std::vector<nlohmann::json> items;
  for (auto& g : groups) {
    if (!call.admin->CanSee(permission::kReadGroups, g.scope_tag_ids)) continue;
    OPENLAPS_ASSIGN_OR_RETURN(store::Group seen,
                              GroupAsSeenBy(context_.store(), *call.admin, std::move(g)));
    items.push_back(GroupJson(seen));
  }
  OPENLAPS_ASSIGN_OR_RETURN(
      nlohmann::json body,
      ApplyODataQuery(call.request, call.base_url, std::move(items), NamedODataOptions()));
  return JsonResponse(200, body);
}

Result<http::Response> PolicyApi::GetGroup(Call& call) {
  OPENLAPS_ASSIGN_OR_RETURN(store::Group group,
                            VisibleGroup(call, permission::kReadGroups, call.Param("id")));
  OPENLAPS_ASSIGN_OR_RETURN(group, GroupAsSeenBy(context_.store(), *call.admin, std::move(group)));
  return JsonResponse(200, GroupJson(group));
}

Result<http::Response> PolicyApi::CreateGroup(Call& call) {
  OPENLAPS_ASSIGN_OR_RETURN(nlohmann::json body, ParseJsonObject(call.request.body));
  store::Group group;
  OPENLAPS_ASSIGN_OR_RETURN(group.display_name, BodyString(body, "displayName"));
  if (group.display_name.empty()) return InvalidArgumentError("displayName is required");
  OPENLAPS_ASSIGN_OR_RETURN(group.description, BodyString(body, "description"));
  OPENLAPS_ASSIGN_OR_RETURN(std::string kind, BodyString(body, "openlapsGroupKind", "device"));
  if (kind != "device" && kind != "user") {
    return InvalidArgumentError("openlapsGroupKind must be device or user");
  }
  group.kind = kind == "user" ? store::GroupKind::kUser : store::GroupKind::kDevice;
  const ScopeFilter& scope = call.admin->Scope(permission::kManageGroups);
  if (auto it = body.find("roleScopeTagIds"); it != body.end()) {
    OPENLAPS_ASSIGN_OR_RETURN(group.scope_tag_ids, ScopeTagIdsFromJson(*it));
  } else {
    group.scope_tag_ids = CreatorScopeTags(scope);  // as Intune: the creator's tags
  }
  OPENLAPS_RETURN_IF_ERROR(CheckTagsWithinScope(scope, group.scope_tag_ids));
  OPENLAPS_ASSIGN_OR_RETURN(store::Group created, context_.store().CreateGroup(group));
  OPENLAPS_RETURN_IF_ERROR(context_.Audit(call, "Create group", "Group", "success", "group",
                                          created.guid, created.display_name));
  return JsonResponse(201, GroupJson(created));
}

Result<http::Response> PolicyApi::DeleteGroup(Call& call) {
  OPENLAPS_ASSIGN_OR_RETURN(store::Group group_in_scope,
                            VisibleGroup(call, permission::kManageGroups, call.Param("id")));
  const store::Group* group = &group_in_scope;
  WakeGroupMembers({group->id});
  OPENLAPS_RETURN_IF_ERROR(context_.store().DeleteGroup(group->id));
  OPENLAPS_RETURN_IF_ERROR(context_.Audit(call, "Delete group", "Group", "success", "group",
                                          group->guid, group->display_name));
  context_.InvalidatePolicies();
  return NoContent();
}

Result<http::Response> PolicyApi::ListGroupMembers(Call& call) {
  OPENLAPS_ASSIGN_OR_RETURN(store::Group group_in_scope,
                            VisibleGroup(call, permission::kReadGroups, call.Param("id")));
  const store::Group* group = &group_in_scope;
  nlohmann::json value = nlohmann::json::array();
  for (store::Id id : group->member_ids) {
    if (group->kind == store::GroupKind::kDevice) {
      auto d = context_.store().GetDevice(id);
      if (d.ok() && call.admin->CanSee(permission::kReadDevices, d->scope_tag_ids)) {
        value.push_back({{"@odata.type", "#microsoft.graph.device"},
                         {"id", d->guid},
                         {"displayName", d->name}});
      }
    } else if (auto u = context_.store().GetUser(id); u.ok()) {
      nlohmann::json user = UserJson(*u);
      user["@odata.type"] = "#microsoft.graph.user";
      value.push_back(std::move(user));
    }
  }
  static const ODataOptions kOptions{.filterable = {"id", "displayName", "userPrincipalName"}};
  OPENLAPS_ASSIGN_OR_RETURN(nlohmann::json body, ApplyODataQuery(call.request, call.base_url,
                                                                 std::move(value), kOptions));
  return JsonResponse(200, body);
}

Result<PolicyApi::GroupMember> PolicyApi::ResolveGroupMember(const Call& call,
                                                             const store::Group& group,
                                                             const std::string& guid) {
  if (group.kind == store::GroupKind::kDevice) {
    auto d = context_.store().GetDeviceByGuid(guid);
    // Membership decides which policies reach a device: only a device in
    // the caller's group-management scope may be put in or taken out.
    if (!d.ok() || !call.admin->CanSee(permission::kReadDevices, d->scope_tag_ids) ||
        !call.admin->CanSee(permission::kManageGroups, d->scope_tag_ids)) {
      return NotFoundError("device " + guid + " was not found");
    }
    return GroupMember{d->id, d->name};
  }
  auto u = context_.store().GetUserByGuid(guid);
  if (!u.ok()) return NotFoundError("user " + guid + " was not found");
  return GroupMember{u->id, u->user_principal_name};
}

void PolicyApi::AfterMembershipChange(const store::Group& group, store::Id member_id) {
  context_.InvalidatePolicies();
  if (group.kind == store::GroupKind::kDevice) {
    context_.hub().Wake(member_id);
  } else {
    // Which devices a user is signed in to changes all the time: wake all.
    context_.hub().WakeAll();
  }
}

Result<http::Response> PolicyApi::AddGroupMember(Call& call) {
  OPENLAPS_ASSIGN_OR_RETURN(store::Group group_in_scope,
                            VisibleGroup(call, permission::kManageGroups, call.Param("id")));
  const store::Group* group = &group_in_scope;
  OPENLAPS_ASSIGN_OR_RETURN(nlohmann::json body, ParseJsonObject(call.request.body));
  // Graph sends {"@odata.id": ".../directoryObjects/{id}"}; the last
  // segment is the member's id.
  OPENLAPS_ASSIGN_OR_RETURN(std::string id, BodyString(body, "id"));
  OPENLAPS_ASSIGN_OR_RETURN(std::string ref, BodyString(body, "@odata.id", id));
  auto member = ResolveGroupMember(call, *group, ref.substr(ref.find_last_of('/') + 1));
  if (!member.ok()) return InvalidArgumentError(member.status().message());
  OPENLAPS_RETURN_IF_ERROR(context_.store().AddGroupMember(group->id, member->id));
  OPENLAPS_RETURN_IF_ERROR(context_.Audit(call, "Add member to group", "Group", "success", "group",
                                          group->guid, group->display_name,
                                          {{"member", member->name}}));
  AfterMembershipChange(*group, member->id);
  return NoContent();
}

Result<http::Response> PolicyApi::RemoveGroupMember(Call& call) {
  OPENLAPS_ASSIGN_OR_RETURN(store::Group group_in_scope,
                            VisibleGroup(call, permission::kManageGroups, call.Param("id")));
  const store::Group* group = &group_in_scope;
  OPENLAPS_ASSIGN_OR_RETURN(GroupMember member,
                            ResolveGroupMember(call, *group, call.Param("member")));
  OPENLAPS_RETURN_IF_ERROR(context_.store().RemoveGroupMember(group->id, member.id));
  OPENLAPS_RETURN_IF_ERROR(context_.Audit(call, "Remove member from group", "Group", "success",
                                          "group", group->guid, group->display_name,
                                          {{"member", member.name}}));
  AfterMembershipChange(*group, member.id);
  return NoContent();
}

Result<http::Response> PolicyApi::ListUsers(Call& call) {
  OPENLAPS_ASSIGN_OR_RETURN(auto users, context_.store().ListUsers());
  std::vector<nlohmann::json> items;
  for (const auto& u : users) items.push_back(UserJson(u));
  OPENLAPS_ASSIGN_OR_RETURN(
      nlohmann::json body,
      ApplyODataQuery(call.request, call.base_url, std::move(items), NamedODataOptions()));
  return JsonResponse(200, body);
}

Result<http::Response> PolicyApi::CreateUser(Call& call) {
  OPENLAPS_ASSIGN_OR_RETURN(nlohmann::json body, ParseJsonObject(call.request.body));
  store::User user;
  OPENLAPS_ASSIGN_OR_RETURN(user.user_principal_name, BodyString(body, "userPrincipalName"));
  if (user.user_principal_name.find('@') == std::string::npos) {
    return InvalidArgumentError("userPrincipalName must look like name@domain");
  }
  OPENLAPS_ASSIGN_OR_RETURN(user.display_name,
                            BodyString(body, "displayName", user.user_principal_name));
  auto created_user = context_.store().CreateUser(user);
  if (!created_user.ok()) {
    return AlreadyExistsAs(created_user.status(),
                           "a user with userPrincipalName '" + user.user_principal_name + "'");
  }
  const store::User& created = *created_user;
  OPENLAPS_RETURN_IF_ERROR(context_.Audit(call, "Create user", "Group", "success", "user",
                                          created.guid, created.user_principal_name));
  return JsonResponse(201, UserJson(created));
}

}  // namespace openlaps::server
