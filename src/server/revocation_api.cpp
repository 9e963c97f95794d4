// Revocation (issue 10 item 4): list and revoke tokens and sessions,
// disable, enable and delete administrators, delete role assignments.
//
// Nothing here is cached: AuthenticateAdmin reads the token, the account and
// its assignments from the store on every request, so a revocation on one
// node refuses the very next request on every node.
#include "server/revocation_api.h"

#include <algorithm>

#include "server/graph_response.h"
#include "server/odata.h"
#include "server/permissions.h"

namespace openlaps::server {

namespace {

nlohmann::json AdminJson(const store::AdminAccount& a) {
  return {{"id", a.guid},
          {"userName", a.name},
          {"displayName", a.display_name},
          {"accountEnabled", !a.disabled},
          {"createdDateTime", core::FormatUtc(a.created_at)}};
}

nlohmann::json TokenJson(const store::AdminToken& t, store::Id current) {
  return {{"id", t.guid},
          {"kind", t.kind == store::TokenKind::kApi ? "apiToken" : "session"},
          {"name", t.name},
          {"createdDateTime", core::FormatUtc(t.created_at)},
          {"expirationDateTime", core::FormatUtc(t.expires_at)},
          {"isCurrent", t.id == current}};
}

}  // namespace

void RevocationApi::RegisterRoutes(RouteRegistry& routes) {
  routes.Add("GET", "/api/v1/admins", Auth::kAdmin, permission::kReadRoles,
             [this](Call& c) { return ListAdmins(c); });
  routes.Add("PATCH", "/api/v1/admins/{id}", Auth::kAdmin, permission::kManageRoles,
             [this](Call& c) { return UpdateAdmin(c); });
  routes.Add("DELETE", "/api/v1/admins/{id}", Auth::kAdmin, permission::kManageRoles,
             [this](Call& c) { return DeleteAdmin(c); });
  // Any admin reaches its own tokens ("me"); others' need ActionableAdmin.
  routes.Add("GET", "/api/v1/admins/{id}/tokens", Auth::kAdmin, "",
             [this](Call& c) { return ListAdminTokens(c); });
  routes.Add("DELETE", "/api/v1/admins/{id}/tokens/{tokenId}", Auth::kAdmin, "",
             [this](Call& c) { return RevokeAdminToken(c); });
  routes.Add("POST", "/api/v1/admins/{id}/revokeSignInSessions", Auth::kAdmin, "",
             [this](Call& c) { return RevokeSignInSessions(c); });
  for (std::string version : {"/v1.0", "/beta"}) {
    routes.Add("DELETE", version + "/deviceManagement/roleAssignments/{id}", Auth::kAdmin,
               permission::kManageRoles, [this](Call& c) { return DeleteRoleAssignment(c); });
  }
}

Result<store::AdminAccount> RevocationApi::ActionableAdmin(const Call& call, std::string_view id) {
  const store::AdminAccount& self = call.admin->admin();
  if (id == "me" || id == self.guid) return self;
  auto deny = [&](Status why) -> Result<store::AdminAccount> {
    OPENLAPS_RETURN_IF_ERROR(context_.Audit(
        call, "Act on administrator", "Role", "denied", "administrator", std::string(id), "",
        {{"method", call.request.method}, {"path", call.request.path}}));
    return why;
  };
  // The right first, then existence: no probing for who exists.
  if (!call.admin->Has(permission::kManageRoles)) {
    return deny(PermissionDeniedError("acting on other administrators needs the permission " +
                                      std::string(permission::kManageRoles)));
  }
  OPENLAPS_ASSIGN_OR_RETURN(auto admins, context_.store().ListAdmins());
  for (auto& a : admins) {
    if (a.guid != id) continue;
    OPENLAPS_ASSIGN_OR_RETURN(AdminPrincipal target, LoadPrincipal(context_.store(), a));
    if (!call.admin->CanManage(target)) {
      return deny(PermissionDeniedError(
          "administrator " + a.name +
          " holds rights beyond yours (a permission or scope tag you could not grant)"));
    }
    return std::move(a);
  }
  return NotFoundError("no administrator " + std::string(id));
}

Status RevocationApi::KeepsAnUnscopedAdministrator(std::optional<store::Id> without_admin,
                                                   std::optional<store::Id> without_assignment) {
  OPENLAPS_ASSIGN_OR_RETURN(auto admins, context_.store().ListAdmins());
  OPENLAPS_ASSIGN_OR_RETURN(auto assignments, context_.store().ListRoleAssignments());
  std::set<store::Id> enabled;
  for (const auto& a : admins) {
    if (!a.disabled && a.id != without_admin) enabled.insert(a.id);
  }
  for (const auto& assignment : assignments) {
    if (assignment.id == without_assignment || !assignment.scope_tag_ids.empty()) continue;
    OPENLAPS_ASSIGN_OR_RETURN(store::RoleDefinition role,
                              context_.store().GetRole(assignment.role_id));
    if (std::find(role.permissions.begin(), role.permissions.end(), permission::kManageRoles) ==
        role.permissions.end()) {
      continue;
    }
    for (store::Id member : assignment.admin_ids) {
      if (enabled.contains(member)) return Status::Ok();
    }
  }
  return FailedPreconditionError(
      "refused: no enabled administrator would be left with unscoped role management");
}

Result<http::Response> RevocationApi::ListAdmins(Call& call) {
  OPENLAPS_ASSIGN_OR_RETURN(auto admins, context_.store().ListAdmins());
  nlohmann::json value = nlohmann::json::array();
  for (const auto& a : admins) value.push_back(AdminJson(a));
  static const ODataOptions kOptions{
      .filterable = {"id", "userName", "displayName", "accountEnabled", "createdDateTime"}};
  OPENLAPS_ASSIGN_OR_RETURN(nlohmann::json body, ApplyODataQuery(call.request, call.base_url,
                                                                 std::move(value), kOptions));
  return JsonResponse(200, body);
}

Result<http::Response> RevocationApi::UpdateAdmin(Call& call) {
  OPENLAPS_ASSIGN_OR_RETURN(nlohmann::json body, ParseJsonObject(call.request.body));
  OPENLAPS_ASSIGN_OR_RETURN(store::AdminAccount admin, ActionableAdmin(call, call.Param("id")));
  auto enabled = body.find("accountEnabled");
  auto display = body.find("displayName");
  if ((enabled == body.end() && display == body.end()) ||
      (enabled != body.end() && !enabled->is_boolean()) ||
      (display != body.end() && (!display->is_string() || display->get<std::string>().empty()))) {
    return InvalidArgumentError("give accountEnabled (true or false) and/or displayName");
  }
  if (display != body.end()) admin.display_name = display->get<std::string>();
  std::int64_t revoked = 0;
  bool disabling = enabled != body.end() && !enabled->get<bool>() && !admin.disabled;
  if (enabled != body.end()) {
    if (disabling) OPENLAPS_RETURN_IF_ERROR(KeepsAnUnscopedAdministrator(admin.id, std::nullopt));
    admin.disabled = !enabled->get<bool>();
  }
  OPENLAPS_RETURN_IF_ERROR(context_.store().UpdateAdmin(admin));
  if (admin.disabled) {
    // Disabled already refuses every token; deleting them means enabling
    // the account later does not bring old sessions back.
    OPENLAPS_ASSIGN_OR_RETURN(revoked, context_.store().DeleteTokensOfAdmin(admin.id));
  }
  std::string activity = enabled == body.end()
                             ? "Update administrator"
                             : (admin.disabled ? "Disable administrator" : "Enable administrator");
  OPENLAPS_RETURN_IF_ERROR(context_.Audit(call, activity, "Role", "success", "administrator",
                                          admin.guid, admin.name, {{"revokedTokens", revoked}}));
  return JsonResponse(200, AdminJson(admin));
}

Result<http::Response> RevocationApi::DeleteAdmin(Call& call) {
  OPENLAPS_ASSIGN_OR_RETURN(store::AdminAccount admin, ActionableAdmin(call, call.Param("id")));
  OPENLAPS_RETURN_IF_ERROR(KeepsAnUnscopedAdministrator(admin.id, std::nullopt));
  // Audited first: once deleted, the caller may be gone (deleting itself).
  OPENLAPS_RETURN_IF_ERROR(context_.Audit(call, "Delete administrator", "Role", "success",
                                          "administrator", admin.guid, admin.name));
  OPENLAPS_RETURN_IF_ERROR(context_.store().DeleteAdmin(admin.id));
  return NoContent();
}

Result<http::Response> RevocationApi::ListAdminTokens(Call& call) {
  OPENLAPS_ASSIGN_OR_RETURN(store::AdminAccount admin, ActionableAdmin(call, call.Param("id")));
  OPENLAPS_ASSIGN_OR_RETURN(auto tokens, context_.store().ListTokens(admin.id));
  nlohmann::json value = nlohmann::json::array();
  for (const auto& t : tokens) {
    if (t.expires_at > call.now) value.push_back(TokenJson(t, call.admin_token_id));
  }
  static const ODataOptions kOptions{
      .filterable = {"id", "kind", "name", "createdDateTime", "expirationDateTime", "isCurrent"}};
  OPENLAPS_ASSIGN_OR_RETURN(nlohmann::json body, ApplyODataQuery(call.request, call.base_url,
                                                                 std::move(value), kOptions));
  return JsonResponse(200, body);
}

Result<http::Response> RevocationApi::RevokeAdminToken(Call& call) {
  OPENLAPS_ASSIGN_OR_RETURN(store::AdminAccount admin, ActionableAdmin(call, call.Param("id")));
  OPENLAPS_ASSIGN_OR_RETURN(auto tokens, context_.store().ListTokens(admin.id));
  // Only among this admin's tokens: a token id of someone else is unknown here.
  auto it = std::find_if(tokens.begin(), tokens.end(), [&](const store::AdminToken& t) {
    return t.guid == call.Param("tokenId");
  });
  if (it == tokens.end()) {
    return NotFoundError("administrator " + admin.name + " has no token " + call.Param("tokenId"));
  }
  OPENLAPS_RETURN_IF_ERROR(context_.store().DeleteToken(it->id));
  OPENLAPS_RETURN_IF_ERROR(
      context_.Audit(call, "Revoke token", "Authentication", "success", "token", it->guid, it->name,
                     {{"administrator", admin.guid},
                      {"kind", it->kind == store::TokenKind::kApi ? "apiToken" : "session"}}));
  return NoContent();
}

Result<http::Response> RevocationApi::RevokeSignInSessions(Call& call) {
  // "Log out everywhere": every session and API token of the admin.
  OPENLAPS_ASSIGN_OR_RETURN(store::AdminAccount admin, ActionableAdmin(call, call.Param("id")));
  OPENLAPS_ASSIGN_OR_RETURN(std::int64_t revoked, context_.store().DeleteTokensOfAdmin(admin.id));
  OPENLAPS_RETURN_IF_ERROR(context_.Audit(call, "Revoke sign-in sessions", "Authentication",
                                          "success", "administrator", admin.guid, admin.name,
                                          {{"revokedTokens", revoked}}));
  return JsonResponse(200, {{"value", true}, {"revokedTokens", revoked}});
}

Result<http::Response> RevocationApi::DeleteRoleAssignment(Call& call) {
  auto assignment = context_.store().GetRoleAssignmentByGuid(call.Param("id"));
  if (!assignment.ok()) {
    if (assignment.status().IsNotFound()) {
      return NotFoundError("no role assignment " + call.Param("id"));
    }
    return assignment.status();
  }
  // Undoing a grant needs the right to have made it.
  OPENLAPS_ASSIGN_OR_RETURN(store::RoleDefinition role,
                            context_.store().GetRole(assignment->role_id));
  if (!call.admin->CanGrant(role.permissions, assignment->scope_tag_ids)) {
    OPENLAPS_RETURN_IF_ERROR(context_.Audit(call, "Delete role assignment", "Role", "denied",
                                            "roleAssignment", assignment->guid, assignment->name));
    return PermissionDeniedError("the role assignment " + assignment->name +
                                 " grants rights or scope tags beyond yours");
  }
  OPENLAPS_RETURN_IF_ERROR(KeepsAnUnscopedAdministrator(std::nullopt, assignment->id));
  OPENLAPS_RETURN_IF_ERROR(context_.store().DeleteRoleAssignment(assignment->id));
  OPENLAPS_RETURN_IF_ERROR(context_.Audit(call, "Delete role assignment", "Role", "success",
                                          "roleAssignment", assignment->guid, assignment->name));
  return NoContent();
}

}  // namespace openlaps::server
