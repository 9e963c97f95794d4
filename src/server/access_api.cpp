// Admin routes for access: sign-in, API tokens, administrators, roles,
// role assignments, scope tags, enrollment tokens, and the audit log.
#include "server/access_api.h"

#include <algorithm>
#include <optional>
#include <set>

#include "crypto/csprng.h"
#include "crypto/encoding.h"
#include "crypto/hashing.h"
#include "server/graph_response.h"
#include "server/odata.h"
#include "server/password_pool.h"
#include "server/permissions.h"
#include "server/resources.h"

namespace openlaps::server {

namespace asio = boost::asio;

namespace {

constexpr std::size_t kTokenBytes = 32;

Result<std::int64_t> IntField(const nlohmann::json& body, const char* name, std::int64_t fallback,
                              std::int64_t min, std::int64_t max) {
  auto it = body.find(name);
  if (it == body.end()) return fallback;
  if (!it->is_number_integer() || it->get<std::int64_t>() < min || it->get<std::int64_t>() > max) {
    return InvalidArgumentError(std::string(name) + " must be a whole number from " +
                                std::to_string(min) + " to " + std::to_string(max));
  }
  return it->get<std::int64_t>();
}

const ODataOptions& AuditODataOptions() {
  static const ODataOptions kOptions{
      {"activity", "category", "activityResult", "actorName", "targetId", "activityDateTime"},
      200,
      1000};
  return kOptions;
}

// What a scoped audit reader may see: events about devices, policies,
// groups and enrollment tokens whose object is (still) in its audit scope.
// Everything else (sign-ins, administrators, roles, tokens, scope tags,
// users, refused anonymous or device requests about no object, and events
// about deleted objects) is for unscoped readers only.
struct AuditScope {
  std::set<std::pair<std::string, std::string>> visible;  // (target type, target id)

  bool Visible(const store::AuditEvent& e) const {
    return visible.contains({e.target_type, e.target_id});
  }
};

Result<AuditScope> AuditScopeOf(store::Store& store, const AdminPrincipal& admin) {
  AuditScope scope;
  auto in_scope = [&](const std::vector<store::Id>& tags) {
    return admin.CanSee(permission::kReadAudit, tags);
  };
  OPENLAPS_ASSIGN_OR_RETURN(auto devices, store.ListDevices());
  for (const auto& d : devices) {
    if (in_scope(d.scope_tag_ids)) scope.visible.insert({"device", d.guid});
  }
  OPENLAPS_ASSIGN_OR_RETURN(auto policies, store.ListPolicies());
  for (const auto& p : policies) {
    if (in_scope(p.scope_tag_ids)) scope.visible.insert({"policy", p.guid});
  }
  OPENLAPS_ASSIGN_OR_RETURN(auto groups, store.ListGroups());
  for (const auto& g : groups) {
    if (in_scope(g.scope_tag_ids)) scope.visible.insert({"group", g.guid});
  }
  OPENLAPS_ASSIGN_OR_RETURN(auto tokens, store.ListEnrollmentTokens());
  for (const auto& t : tokens) {
    if (in_scope(t.scope_tag_ids)) scope.visible.insert({"enrollmentToken", t.guid});
  }
  return scope;
}

}  // namespace

void AccessApi::RegisterRoutes(RouteRegistry& routes) {
  routes.Add("GET", "/healthz", Auth::kNone, "", [](Call&) -> Result<http::Response> {
    return JsonResponse(200, {{"status", "ok"}});
  });
  routes.Add("GET", "/api/v1/me", Auth::kAdmin, "", [this](Call& c) { return Me(c); });
  routes.Add("POST", "/api/v1/logout", Auth::kAdmin, "", [this](Call& c) { return Logout(c); });
  routes.Add("POST", "/api/v1/apiTokens", Auth::kAdmin, "",
             [this](Call& c) { return CreateApiToken(c); });
  routes.AddAsync("POST", "/api/v1/admins", Auth::kAdmin, permission::kManageRoles,
                  [this](Call& c) { return CreateAdmin(c); });
  routes.Add("POST", "/api/v1/enrollmentTokens", Auth::kAdmin, permission::kManageEnrollment,
             [this](Call& c) { return CreateEnrollmentToken(c); });
  routes.Add("GET", "/api/v1/enrollmentTokens", Auth::kAdmin, permission::kManageEnrollment,
             [this](Call& c) { return ListEnrollmentTokens(c); });
  routes.Add("POST", "/api/v1/auditEvents/verify", Auth::kAdmin, permission::kReadAudit,
             [this](Call& c) { return VerifyAuditChain(c); });
  for (std::string version : {"/v1.0", "/beta"}) {
    std::string dm = version + "/deviceManagement";
    routes.Add("GET", dm + "/roleDefinitions", Auth::kAdmin, permission::kReadRoles,
               [this](Call& c) { return ListRoleDefinitions(c); });
    routes.Add("POST", dm + "/roleDefinitions", Auth::kAdmin, permission::kManageRoles,
               [this](Call& c) { return CreateRoleDefinition(c); });
    routes.Add("GET", dm + "/roleAssignments", Auth::kAdmin, permission::kReadRoles,
               [this](Call& c) { return ListRoleAssignments(c); });
    routes.Add("POST", dm + "/roleAssignments", Auth::kAdmin, permission::kManageRoles,
               [this](Call& c) { return CreateRoleAssignment(c); });
    routes.Add("GET", dm + "/roleScopeTags", Auth::kAdmin, permission::kReadRoles,
               [this](Call& c) { return ListScopeTags(c); });
    routes.Add("POST", dm + "/roleScopeTags", Auth::kAdmin, permission::kManageRoles,
               [this](Call& c) { return CreateScopeTag(c); });
    routes.Add("GET", dm + "/auditEvents", Auth::kAdmin, permission::kReadAudit,
               [this](Call& c) { return ListAuditEvents(c); });
  }
}

Result<http::Response> AccessApi::Me(Call& call) {
  const auto& admin = call.admin->admin();
  return JsonResponse(200, {{"id", admin.guid},
                            {"userName", admin.name},
                            {"displayName", admin.display_name},
                            {"permissions", call.admin->Permissions()}});
}

Result<http::Response> AccessApi::Logout(Call& call) {
  // Revokes the token the call came with (a session or an API token).
  OPENLAPS_RETURN_IF_ERROR(context_.store().DeleteToken(call.admin_token_id));
  OPENLAPS_RETURN_IF_ERROR(context_.Audit(call, "Sign out", "Authentication", "success",
                                          "administrator", call.admin->admin().guid,
                                          call.admin->admin().name));
  return NoContent();
}

Result<http::Response> AccessApi::CreateApiToken(Call& call) {
  OPENLAPS_ASSIGN_OR_RETURN(nlohmann::json body, ParseJsonObject(call.request.body));
  // Only an interactive session mints API tokens: a leaked API token must
  // not be able to outlive its own revocation by minting successors.
  if (call.admin_token_kind != store::TokenKind::kSession) {
    return PermissionDeniedError("API tokens can only be created from a signed-in session");
  }
  OPENLAPS_ASSIGN_OR_RETURN(std::string name, BodyString(body, "name"));
  if (name.empty()) return InvalidArgumentError("name is required");
  const std::int64_t max_days = context_.config().api_token_max_days;
  OPENLAPS_ASSIGN_OR_RETURN(std::int64_t days,
                            IntField(body, "expiresInDays", max_days, 1, max_days));
  std::string token = crypto::RandomToken(kTokenBytes);
  store::AdminToken stored;
  stored.admin_id = call.admin->admin().id;
  stored.kind = store::TokenKind::kApi;
  stored.name = name;
  stored.token_hash = crypto::TokenHash(token);
  stored.created_at = call.now;
  stored.expires_at = call.now + std::chrono::days(days);
  OPENLAPS_ASSIGN_OR_RETURN(store::AdminToken created, context_.store().CreateToken(stored));
  OPENLAPS_RETURN_IF_ERROR(
      context_.Audit(call, "Create API token", "Role", "success", "token", created.guid, name));
  return JsonResponse(201, {{"id", created.guid},
                            {"name", name},
                            {"token", token},
                            {"expirationDateTime", core::FormatUtc(stored.expires_at)}});
}

asio::awaitable<Result<http::Response>> AccessApi::CreateAdmin(Call& call) {
  auto parsed = ParseJsonObject(call.request.body);
  if (!parsed.ok()) co_return parsed.status();
  nlohmann::json body = std::move(parsed).value();
  store::AdminAccount admin;
  Result<std::string> name = BodyString(body, "userName");
  if (!name.ok()) co_return name.status();
  admin.name = std::move(name).value();
  auto password_it = body.find("password");
  if (admin.name.empty() || password_it == body.end() || !password_it->is_string()) {
    co_return InvalidArgumentError("userName and password are required");
  }
  core::SecretString password(password_it->get_ref<const std::string&>());
  if (password.size() < 12) {
    co_return InvalidArgumentError("password must have at least 12 characters");
  }
  Result<std::string> display_name = BodyString(body, "displayName", admin.name);
  if (!display_name.ok()) co_return display_name.status();
  admin.display_name = std::move(display_name).value();
  // Argon2id on the password pool, never on this I/O thread.
  Result<std::string> hash = co_await context_.password_pool().Hash(std::move(password));
  if (!hash.ok()) co_return hash.status();
  admin.password_hash = std::move(hash).value();
  admin.created_at = call.now;
  auto created = context_.store().CreateAdmin(admin);
  if (!created.ok()) {
    co_return AlreadyExistsAs(created.status(), "an administrator named '" + admin.name + "'");
  }
  Status audited = context_.Audit(call, "Create administrator", "Role", "success", "administrator",
                                  created->guid, created->name);
  if (!audited.ok()) co_return audited;
  co_return JsonResponse(
      201,
      {{"id", created->guid}, {"userName", created->name}, {"displayName", created->display_name}});
}

Result<http::Response> AccessApi::CreateEnrollmentToken(Call& call) {
  OPENLAPS_ASSIGN_OR_RETURN(nlohmann::json body, ParseJsonObject(call.request.body));
  store::EnrollmentToken token;
  OPENLAPS_ASSIGN_OR_RETURN(token.name, BodyString(body, "name", "enrollment"));
  OPENLAPS_ASSIGN_OR_RETURN(std::int64_t hours, IntField(body, "expiresInHours", 24, 1, 24 * 365));
  OPENLAPS_ASSIGN_OR_RETURN(token.uses_left, IntField(body, "uses", 1, 1, 1000000));
  // The token's devices get its tags: the caller may only hand out its own.
  const ScopeFilter& scope = call.admin->Scope(permission::kManageEnrollment);
  if (auto it = body.find("roleScopeTagIds"); it != body.end()) {
    OPENLAPS_ASSIGN_OR_RETURN(token.scope_tag_ids, ScopeTagIdsFromJson(*it));
  } else {
    token.scope_tag_ids = CreatorScopeTags(scope);
  }
  OPENLAPS_RETURN_IF_ERROR(CheckTagsWithinScope(scope, token.scope_tag_ids));
  if (auto it = body.find("groupIds"); it != body.end()) {
    if (!it->is_array()) return InvalidArgumentError("groupIds must be an array");
    for (const auto& g : *it) {
      auto group = context_.store().GetGroupByGuid(g.is_string() ? g.get<std::string>() : "");
      // A group out of scope answers as an absent one.
      if (!group.ok() || group->kind != store::GroupKind::kDevice ||
          !call.admin->CanSee(permission::kManageEnrollment, group->scope_tag_ids)) {
        return InvalidArgumentError("groupIds: " + g.dump() + " is not a device group");
      }
      token.group_ids.push_back(group->id);
    }
  }
  std::string secret = crypto::RandomToken(kTokenBytes);
  token.token_hash = crypto::TokenHash(secret);
  token.created_at = call.now;
  token.expires_at = call.now + std::chrono::hours(hours);
  OPENLAPS_ASSIGN_OR_RETURN(store::EnrollmentToken created,
                            context_.store().CreateEnrollmentToken(token));
  OPENLAPS_RETURN_IF_ERROR(context_.Audit(call, "Create enrollment token", "Enrollment", "success",
                                          "enrollmentToken", created.guid, created.name,
                                          {{"uses", created.uses_left}}));
  return JsonResponse(201, {{"id", created.guid},
                            {"name", created.name},
                            {"token", secret},
                            {"uses", created.uses_left},
                            {"expirationDateTime", core::FormatUtc(created.expires_at)}});
}

Result<http::Response> AccessApi::ListEnrollmentTokens(Call& call) {
  OPENLAPS_ASSIGN_OR_RETURN(auto tokens, context_.store().ListEnrollmentTokens());
  nlohmann::json value = nlohmann::json::array();
  for (const auto& t : tokens) {
    if (!call.admin->CanSee(permission::kManageEnrollment, t.scope_tag_ids)) continue;
    value.push_back({{"id", t.guid},
                     {"name", t.name},
                     {"usesLeft", t.uses_left},
                     {"expirationDateTime", core::FormatUtc(t.expires_at)},
                     {"roleScopeTagIds", ScopeTagIdsJson(t.scope_tag_ids)},
                     {"expired", t.expires_at <= call.now}});
  }
  static const ODataOptions kOptions{
      .filterable = {"id", "name", "usesLeft", "expirationDateTime", "expired"}};
  OPENLAPS_ASSIGN_OR_RETURN(nlohmann::json body, ApplyODataQuery(call.request, call.base_url,
                                                                 std::move(value), kOptions));
  return JsonResponse(200, body);
}

Result<http::Response> AccessApi::ListRoleDefinitions(Call& call) {
  OPENLAPS_ASSIGN_OR_RETURN(auto roles, context_.store().ListRoles());
  std::vector<nlohmann::json> items;
  for (const auto& r : roles) items.push_back(RoleDefinitionJson(r));
  OPENLAPS_ASSIGN_OR_RETURN(nlohmann::json body,
                            ApplyODataQuery(call.request, call.base_url, std::move(items),
                                            ODataOptions{{"id", "displayName", "isBuiltIn"}}));
  return JsonResponse(200, body);
}

Result<http::Response> AccessApi::CreateRoleDefinition(Call& call) {
  OPENLAPS_ASSIGN_OR_RETURN(nlohmann::json body, ParseJsonObject(call.request.body));
  store::RoleDefinition role;
  OPENLAPS_ASSIGN_OR_RETURN(role.name, BodyString(body, "displayName"));
  if (role.name.empty()) return InvalidArgumentError("displayName is required");
  OPENLAPS_ASSIGN_OR_RETURN(role.description, BodyString(body, "description"));
  auto perms = body.find("rolePermissions");
  if (perms == body.end() || !perms->is_array()) {
    return InvalidArgumentError("rolePermissions must be an array of {allowedResourceActions}");
  }
  for (const auto& p : *perms) {
    auto actions = p.find("allowedResourceActions");
    if (actions == p.end() || !actions->is_array()) {
      return InvalidArgumentError("rolePermissions entries need allowedResourceActions");
    }
    for (const auto& a : *actions) {
      std::string name = a.is_string() ? a.get<std::string>() : a.dump();
      if (!IsKnownPermission(name)) return InvalidArgumentError("unknown permission " + name);
      if (std::find(role.permissions.begin(), role.permissions.end(), name) !=
          role.permissions.end()) {
        return InvalidArgumentError("permission " + name + " is listed twice");
      }
      role.permissions.push_back(name);
    }
  }
  if (role.permissions.empty()) {
    return InvalidArgumentError("rolePermissions must name at least one permission");
  }
  // An admin defines roles only from rights it holds itself.
  if (!call.admin->HoldsAll(role.permissions)) {
    OPENLAPS_RETURN_IF_ERROR(context_.Audit(call, "Create role definition", "Role", "denied",
                                            "role", "", role.name,
                                            {{"permissions", role.permissions}}));
    return PermissionDeniedError("a role definition may only contain permissions you hold");
  }
  auto created_role = context_.store().CreateRole(role);
  if (!created_role.ok()) {
    return AlreadyExistsAs(created_role.status(), "a role definition named '" + role.name + "'");
  }
  const store::RoleDefinition& created = *created_role;
  OPENLAPS_RETURN_IF_ERROR(context_.Audit(call, "Create role definition", "Role", "success", "role",
                                          created.guid, created.name,
                                          {{"permissions", role.permissions}}));
  return JsonResponse(201, RoleDefinitionJson(created));
}

Result<http::Response> AccessApi::ListRoleAssignments(Call& call) {
  OPENLAPS_ASSIGN_OR_RETURN(auto assignments, context_.store().ListRoleAssignments());
  OPENLAPS_ASSIGN_OR_RETURN(auto admins, context_.store().ListAdmins());
  nlohmann::json value = nlohmann::json::array();
  const ScopeFilter& scope = call.admin->Scope(permission::kReadRoles);
  for (const auto& a : assignments) {
    // Only assignments wholly within the reader's scope (unscoped ones to
    // unscoped readers).
    if (!scope.Covers(ScopeFilter::OfAssignment(a.scope_tag_ids))) continue;
    auto role = context_.store().GetRole(a.role_id);
    value.push_back(RoleAssignmentJson(a, admins, role.ok() ? role->guid : ""));
  }
  static const ODataOptions kOptions{.filterable = {"id", "displayName", "description"}};
  OPENLAPS_ASSIGN_OR_RETURN(nlohmann::json body, ApplyODataQuery(call.request, call.base_url,
                                                                 std::move(value), kOptions));
  return JsonResponse(200, body);
}

Result<http::Response> AccessApi::CreateRoleAssignment(Call& call) {
  OPENLAPS_ASSIGN_OR_RETURN(nlohmann::json body, ParseJsonObject(call.request.body));
  store::RoleAssignment assignment;
  OPENLAPS_ASSIGN_OR_RETURN(assignment.name, BodyString(body, "displayName"));
  if (assignment.name.empty()) return InvalidArgumentError("displayName is required");
  OPENLAPS_ASSIGN_OR_RETURN(std::string role_guid, BodyString(body, "roleDefinitionId"));
  auto role = context_.store().GetRoleByGuid(role_guid);
  if (!role.ok()) return InvalidArgumentError("roleDefinitionId does not name a role");
  assignment.role_id = role->id;
  auto members = body.find("members");
  if (members == body.end() || !members->is_array() || members->empty()) {
    return InvalidArgumentError("members must list administrator user names");
  }
  for (const auto& m : *members) {
    auto admin = context_.store().GetAdminByName(m.is_string() ? m.get<std::string>() : "");
    // An administrator the caller may not manage answers as an absent one.
    std::optional<AdminPrincipal> member;
    if (admin.ok()) {
      OPENLAPS_ASSIGN_OR_RETURN(member, LoadPrincipal(context_.store(), *admin));
    }
    if (!member || !call.admin->CanManage(*member)) {
      return InvalidArgumentError("members: " + m.dump() + " is not an administrator");
    }
    assignment.admin_ids.push_back(admin->id);
  }
  if (auto it = body.find("roleScopeTagIds"); it != body.end()) {
    OPENLAPS_ASSIGN_OR_RETURN(assignment.scope_tag_ids, ScopeTagIdsFromJson(*it));
  }
  // Grant only what you hold, only where you hold it.
  if (!call.admin->CanGrant(role->permissions, assignment.scope_tag_ids)) {
    // An attempt to grant beyond one's own rights is worth a record.
    OPENLAPS_RETURN_IF_ERROR(context_.Audit(
        call, "Create role assignment", "Role", "denied", "roleAssignment", "", assignment.name,
        {{"role", role->name},
         {"roleScopeTagIds", ScopeTagIdsJson(assignment.scope_tag_ids)},
         {"members", *members}}));
    return PermissionDeniedError(
        assignment.scope_tag_ids.empty()
            ? "an assignment without scope tags needs an administrator unscoped for role "
              "management and for every permission of the role"
            : "you may only assign a role whose permissions you hold within these scope tags");
  }
  OPENLAPS_ASSIGN_OR_RETURN(store::RoleAssignment created,
                            context_.store().CreateRoleAssignment(assignment));
  OPENLAPS_RETURN_IF_ERROR(context_.Audit(call, "Create role assignment", "Role", "success",
                                          "roleAssignment", created.guid, created.name,
                                          {{"role", role->name}, {"members", *members}}));
  OPENLAPS_ASSIGN_OR_RETURN(auto admins, context_.store().ListAdmins());
  return JsonResponse(201, RoleAssignmentJson(created, admins, role->guid));
}

Result<http::Response> AccessApi::ListScopeTags(Call& call) {
  OPENLAPS_ASSIGN_OR_RETURN(auto tags, context_.store().ListScopeTags());
  nlohmann::json value = nlohmann::json::array();
  const ScopeFilter& scope = call.admin->Scope(permission::kReadRoles);
  for (const auto& t : tags) {
    if (scope.all || scope.tags.contains(t.id)) value.push_back(ScopeTagJson(t));
  }
  static const ODataOptions kOptions{
      .filterable = {"id", "displayName", "description", "isBuiltIn"}};
  OPENLAPS_ASSIGN_OR_RETURN(nlohmann::json body, ApplyODataQuery(call.request, call.base_url,
                                                                 std::move(value), kOptions));
  return JsonResponse(200, body);
}

Result<http::Response> AccessApi::CreateScopeTag(Call& call) {
  OPENLAPS_ASSIGN_OR_RETURN(nlohmann::json body, ParseJsonObject(call.request.body));
  // A new tag is outside every scoped admin's scope: only an admin
  // unscoped for role management makes one.
  if (!call.admin->Unscoped(permission::kManageRoles)) {
    return PermissionDeniedError("creating scope tags needs unscoped role management");
  }
  store::ScopeTag tag;
  OPENLAPS_ASSIGN_OR_RETURN(tag.name, BodyString(body, "displayName"));
  if (tag.name.empty()) return InvalidArgumentError("displayName is required");
  OPENLAPS_ASSIGN_OR_RETURN(tag.description, BodyString(body, "description"));
  auto created_tag = context_.store().CreateScopeTag(tag);
  if (!created_tag.ok()) {
    return AlreadyExistsAs(created_tag.status(), "a scope tag named '" + tag.name + "'");
  }
  const store::ScopeTag& created = *created_tag;
  OPENLAPS_RETURN_IF_ERROR(context_.Audit(call, "Create scope tag", "Role", "success",
                                          "roleScopeTag", std::to_string(created.id),
                                          created.name));
  return JsonResponse(201, ScopeTagJson(created));
}

Result<http::Response> AccessApi::ListAuditEvents(Call& call) {
  store::AuditQuery query;
  query.limit = 100000;
  if (auto from = call.request.QueryParam("from")) {
    auto t = core::ParseUtc(*from);
    if (!t) return InvalidArgumentError("from must be an ISO 8601 UTC time");
    query.from = *t;
  }
  if (auto to = call.request.QueryParam("to")) {
    auto t = core::ParseUtc(*to);
    if (!t) return InvalidArgumentError("to must be an ISO 8601 UTC time");
    query.to = *t;
  }
  query.actor = call.request.QueryParam("actor").value_or("");
  query.target_id = call.request.QueryParam("device").value_or("");
  query.activity = call.request.QueryParam("activity").value_or("");
  OPENLAPS_ASSIGN_OR_RETURN(auto events, context_.store().QueryAudit(query));
  std::vector<nlohmann::json> items;
  items.reserve(events.size());
  if (call.admin->Unscoped(permission::kReadAudit)) {
    for (const auto& e : events) items.push_back(AuditEventJson(e));
  } else {
    OPENLAPS_ASSIGN_OR_RETURN(AuditScope scope, AuditScopeOf(context_.store(), *call.admin));
    for (const auto& e : events) {
      if (scope.Visible(e)) items.push_back(AuditEventJson(e));
    }
  }
  OPENLAPS_ASSIGN_OR_RETURN(
      nlohmann::json body,
      ApplyODataQuery(call.request, call.base_url, std::move(items), AuditODataOptions()));
  return JsonResponse(200, body);
}

Result<http::Response> AccessApi::VerifyAuditChain(Call& call) {
  // The chain is one: its verdict speaks of every event, in scope or not.
  if (!call.admin->Unscoped(permission::kReadAudit)) {
    return PermissionDeniedError("verifying the audit chain needs unscoped audit reading");
  }
  OPENLAPS_ASSIGN_OR_RETURN(nlohmann::json verdict, context_.audit_trail().Verify());
  return JsonResponse(200, verdict);
}

}  // namespace openlaps::server
