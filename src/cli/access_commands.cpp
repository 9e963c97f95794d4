// role list/assignments/assign, scope-tag list/create, admin create,
// token create, enroll-token create/list.
#include "cli/command.h"
#include "cli/lookup.h"
#include "cli/table.h"

namespace openlaps::cli {

namespace {

constexpr std::string_view kRoles = "/beta/deviceManagement/roleDefinitions";
constexpr std::string_view kRoleAssignments = "/beta/deviceManagement/roleAssignments";
constexpr std::string_view kScopeTags = "/beta/deviceManagement/roleScopeTags";
constexpr std::int64_t kMaxTokenDays = 730;
constexpr std::int64_t kMaxEnrollHours = 24 * 365;
constexpr std::int64_t kMaxEnrollUses = 1000000;

std::string Join(const nlohmann::json& values) {
  std::string out;
  if (!values.is_array()) return "-";
  for (const auto& v : values) out += (out.empty() ? "" : ",") + Cell(v);
  return out.empty() ? "-" : out;
}

Status RoleList(CommandContext& ctx) {
  auto api = ctx.Api();
  if (!api.ok()) return api.status();
  auto roles = (*api)->GetAll(kRoles);
  if (!roles.ok()) return roles.status();
  if (ctx.json()) {
    ctx.PrintJson(*roles);
    return Status::Ok();
  }
  Table table({"Name", "Id", "Built-in", "Permissions"});
  for (const auto& r : (*roles)["value"]) {
    nlohmann::json permissions = nlohmann::json::array();
    for (const auto& p : r.value("rolePermissions", nlohmann::json::array())) {
      for (const auto& a : p.value("allowedResourceActions", nlohmann::json::array())) {
        permissions.push_back(a);
      }
    }
    table.AddRow({Cell(r, "displayName"), Cell(r, "id"), Cell(r, "isBuiltIn"), Join(permissions)});
  }
  table.Print(ctx.out());
  return Status::Ok();
}

Status RoleAssignments(CommandContext& ctx) {
  auto api = ctx.Api();
  if (!api.ok()) return api.status();
  auto assignments = (*api)->GetAll(kRoleAssignments);
  if (!assignments.ok()) return assignments.status();
  if (ctx.json()) {
    ctx.PrintJson(*assignments);
    return Status::Ok();
  }
  auto roles = (*api)->GetAll(kRoles);
  auto role_name = [&](const std::string& id) {
    if (roles.ok()) {
      for (const auto& r : (*roles)["value"]) {
        if (r.value("id", "") == id) return r.value("displayName", id);
      }
    }
    return id;
  };
  Table table({"Name", "Role", "Members", "Scope tags", "Id"});
  for (const auto& a : (*assignments)["value"]) {
    std::string tags = Join(a.value("roleScopeTagIds", nlohmann::json::array()));
    table.AddRow({Cell(a, "displayName"), role_name(a.value("roleDefinitionId", "")),
                  Join(a.value("members", nlohmann::json::array())), tags == "-" ? "(all)" : tags,
                  Cell(a, "id")});
  }
  table.Print(ctx.out());
  return Status::Ok();
}

Status RoleAssign(CommandContext& ctx) {
  auto role_arg = ctx.args().Value("role");
  auto admins = ctx.args().Values("admin");
  if (!role_arg || admins.empty()) return UsageError("role assign needs --role NAME --admin USER");
  auto api = ctx.Api();
  if (!api.ok()) return api.status();
  auto role = FindRole(**api, *role_arg);
  if (!role.ok()) return role.status();
  std::string name =
      ctx.args().Value("name").value_or(role->value("displayName", "") + ": " + admins.front());
  nlohmann::json body = {
      {"displayName", name}, {"roleDefinitionId", role->value("id", "")}, {"members", admins}};
  auto tags = ctx.args().Values("scope-tag");
  if (!tags.empty()) body["roleScopeTagIds"] = tags;
  auto created = (*api)->Call("POST", kRoleAssignments, body);
  if (!created.ok()) return created.status();
  if (ctx.json()) {
    ctx.PrintJson(*created);
  } else {
    ctx.out() << "Assigned " << Cell(*role, "displayName") << " to "
              << Join(created->value("members", nlohmann::json::array())) << " (scope tags "
              << (tags.empty() ? "all" : Join(created->value("roleScopeTagIds", nlohmann::json())))
              << ").\n";
  }
  return Status::Ok();
}

Status ScopeTagList(CommandContext& ctx) {
  auto api = ctx.Api();
  if (!api.ok()) return api.status();
  auto tags = (*api)->GetAll(kScopeTags);
  if (!tags.ok()) return tags.status();
  if (ctx.json()) {
    ctx.PrintJson(*tags);
    return Status::Ok();
  }
  Table table({"Id", "Name", "Built-in", "Description"});
  for (const auto& t : (*tags)["value"]) {
    table.AddRow(
        {Cell(t, "id"), Cell(t, "displayName"), Cell(t, "isBuiltIn"), Cell(t, "description")});
  }
  table.Print(ctx.out());
  return Status::Ok();
}

Status ScopeTagCreate(CommandContext& ctx) {
  nlohmann::json body = {{"displayName", ctx.arg(0)}};
  if (auto d = ctx.args().Value("description")) body["description"] = *d;
  auto api = ctx.Api();
  if (!api.ok()) return api.status();
  auto created = (*api)->Call("POST", kScopeTags, body);
  if (!created.ok()) return created.status();
  if (ctx.json()) {
    ctx.PrintJson(*created);
  } else {
    ctx.out() << "Created scope tag " << Cell(*created, "displayName") << " with id "
              << Cell(*created, "id") << ".\n";
  }
  return Status::Ok();
}

Status AdminCreate(CommandContext& ctx) {
  auto password = ReadSecret(ctx.io(), "Password for the new administrator " + ctx.arg(0) + ": ");
  if (!password.ok()) return UsageError(password.status().message());
  if (ctx.io().in_fd >= 0) {
    auto again = ReadSecret(ctx.io(), "The same password again: ");
    if (!again.ok() || !(*again == *password)) return UsageError("the passwords differ");
  }
  auto api = ctx.Api();
  if (!api.ok()) return api.status();
  nlohmann::json body = {{"userName", ctx.arg(0)}, {"password", password->Reveal()}};
  if (auto d = ctx.args().Value("display-name")) body["displayName"] = *d;
  auto created = (*api)->Call("POST", "/api/v1/admins", body);
  auto& copy = body["password"].get_ref<std::string&>();
  core::SecureZero(copy.data(), copy.size());
  if (!created.ok()) return created.status();
  if (ctx.json()) {
    ctx.PrintJson(*created);
  } else {
    ctx.out() << "Created administrator " << Cell(*created, "userName")
              << "; give it a role with lapsctl role assign.\n";
  }
  return Status::Ok();
}

// Prints a token the server shows only once, to stdout alone so that
// `$(lapsctl token create ...)` captures just the token.
void PrintTokenOnce(CommandContext& ctx, nlohmann::json& created, std::string_view what) {
  if (ctx.json()) {
    ctx.PrintJson(created);
  } else {
    ctx.io().err << "The " << what << " '" << Cell(created, "name") << "' expires "
                 << Cell(created, "expirationDateTime")
                 << ". It is shown only this once; keep it somewhere safe.\n";
    ctx.out() << Cell(created, "token") << "\n";
  }
  if (created.contains("token") && created["token"].is_string()) {
    auto& token = created["token"].get_ref<std::string&>();
    core::SecureZero(token.data(), token.size());
  }
}

Status TokenCreate(CommandContext& ctx) {
  nlohmann::json body = {{"name", ctx.arg(0)}};
  if (auto days = ctx.args().Value("days")) {
    auto n = ParseInteger("--days", *days, 1, kMaxTokenDays);
    if (!n.ok()) return UsageError(n.status().message());
    body["expiresInDays"] = *n;
  }
  auto api = ctx.Api();
  if (!api.ok()) return api.status();
  auto created = (*api)->Call("POST", "/api/v1/apiTokens", body);
  if (!created.ok()) return created.status();
  PrintTokenOnce(ctx, *created, "API token");
  return Status::Ok();
}

Status EnrollTokenCreate(CommandContext& ctx) {
  nlohmann::json body = {{"name", ctx.args().Value("name").value_or("enrollment")}};
  if (auto uses = ctx.args().Value("uses")) {
    auto n = ParseInteger("--uses", *uses, 1, kMaxEnrollUses);
    if (!n.ok()) return UsageError(n.status().message());
    body["uses"] = *n;
  }
  if (auto hours = ctx.args().Value("hours")) {
    auto n = ParseInteger("--hours", *hours, 1, kMaxEnrollHours);
    if (!n.ok()) return UsageError(n.status().message());
    body["expiresInHours"] = *n;
  }
  auto tags = ctx.args().Values("scope-tag");
  if (!tags.empty()) body["roleScopeTagIds"] = tags;
  auto api = ctx.Api();
  if (!api.ok()) return api.status();
  nlohmann::json groups = nlohmann::json::array();
  for (const auto& g : ctx.args().Values("group")) {
    auto group = FindGroup(**api, g);
    if (!group.ok()) return group.status();
    groups.push_back(group->value("id", ""));
  }
  if (!groups.empty()) body["groupIds"] = groups;
  auto created = (*api)->Call("POST", "/api/v1/enrollmentTokens", body);
  if (!created.ok()) return created.status();
  PrintTokenOnce(ctx, *created, "enrollment token");
  return Status::Ok();
}

Status EnrollTokenList(CommandContext& ctx) {
  auto api = ctx.Api();
  if (!api.ok()) return api.status();
  auto tokens = (*api)->Get("/api/v1/enrollmentTokens");
  if (!tokens.ok()) return tokens.status();
  if (ctx.json()) {
    ctx.PrintJson(*tokens);
    return Status::Ok();
  }
  Table table({"Name", "Id", "Uses left", "Expires", "Expired"});
  for (const auto& t : (*tokens)["value"]) {
    table.AddRow({Cell(t, "name"), Cell(t, "id"), Cell(t, "usesLeft"),
                  Cell(t, "expirationDateTime"), Cell(t, "expired")});
  }
  table.Print(ctx.out());
  return Status::Ok();
}

}  // namespace

void AddAccessCommands(std::vector<CommandSpec>& commands) {
  commands.push_back(
      {{"role", "list"}, "", 0, 0, "list role definitions and their permissions", {}, RoleList});
  commands.push_back(
      {{"role", "assignments"}, "", 0, 0, "list role assignments", {}, RoleAssignments});
  commands.push_back(
      {{"role", "assign"},
       "",
       0,
       0,
       "give administrators a role, optionally limited to scope tags",
       {{"role", "NAME", "the role (name or id)"},
        {"admin", "USER", "administrator user names (repeatable)", true},
        {"scope-tag", "ID", "limit the assignment to these scope tags (repeatable)", true},
        {"name", "TEXT", "the assignment's name (default ROLE: USER)"}},
       RoleAssign});
  commands.push_back({{"scope-tag", "list"}, "", 0, 0, "list scope tags", {}, ScopeTagList});
  commands.push_back({{"scope-tag", "create"},
                      "NAME",
                      1,
                      1,
                      "create a scope tag",
                      {{"description", "TEXT", "a description"}},
                      ScopeTagCreate});
  commands.push_back({{"admin", "create"},
                      "USER",
                      1,
                      1,
                      "create an administrator; the password is read from stdin or asked for",
                      {{"display-name", "NAME", "the administrator's display name"}},
                      AdminCreate});
  commands.push_back(
      {{"token", "create"},
       "NAME",
       1,
       1,
       "create a long-lived API token for scripts (printed once)",
       {{"days", "N",
         "days until it expires (default and maximum: the server's api-token-max-days)"}},
       TokenCreate});
  commands.push_back({{"enroll-token", "create"},
                      "",
                      0,
                      0,
                      "create a device enrollment token (printed once)",
                      {{"name", "TEXT", "what the token is for"},
                       {"uses", "N", "how many devices may enroll with it (default 1)"},
                       {"hours", "H", "hours until it expires (default 24)"},
                       {"group", "GROUP", "device groups enrolled devices join (repeatable)", true},
                       {"scope-tag", "ID", "scope tags enrolled devices carry (repeatable)", true}},
                      EnrollTokenCreate});
  commands.push_back(
      {{"enroll-token", "list"}, "", 0, 0, "list enrollment tokens", {}, EnrollTokenList});
}

}  // namespace openlaps::cli
