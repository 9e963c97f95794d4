// group list/create/delete/members/add-member/remove-member; user list/create.
#include "cli/command.h"
#include "cli/lookup.h"
#include "cli/table.h"

namespace openlaps::cli {

namespace {

constexpr std::string_view kGroups = "/v1.0/groups";

std::string GroupPath(const nlohmann::json& group) {
  return std::string(kGroups) + "/" + group.value("id", std::string());
}

Status GroupList(CommandContext& ctx) {
  auto api = ctx.Api();
  if (!api.ok()) return api.status();
  auto groups = (*api)->GetAll(kGroups);
  if (!groups.ok()) return groups.status();
  if (ctx.json()) {
    ctx.PrintJson(*groups);
    return Status::Ok();
  }
  Table table({"Name", "Id", "Kind", "Members", "Description"});
  for (const auto& g : (*groups)["value"]) {
    table.AddRow({Cell(g, "displayName"), Cell(g, "id"), Cell(g, "openlapsGroupKind"),
                  Cell(g, "memberCount"), Cell(g, "description")});
  }
  table.Print(ctx.out());
  return Status::Ok();
}

Status GroupCreate(CommandContext& ctx) {
  std::string kind = ctx.args().Value("kind").value_or("device");
  if (kind != "device" && kind != "user") return UsageError("--kind must be device or user");
  nlohmann::json body = {{"displayName", ctx.arg(0)}, {"openlapsGroupKind", kind}};
  if (auto d = ctx.args().Value("description")) body["description"] = *d;
  auto api = ctx.Api();
  if (!api.ok()) return api.status();
  auto created = (*api)->Call("POST", kGroups, body);
  if (!created.ok()) return created.status();
  if (ctx.json()) {
    ctx.PrintJson(*created);
  } else {
    ctx.out() << "Created " << kind << " group " << Cell(*created, "displayName") << " ("
              << Cell(*created, "id") << ").\n";
  }
  return Status::Ok();
}

Status GroupDelete(CommandContext& ctx) {
  auto api = ctx.Api();
  if (!api.ok()) return api.status();
  auto group = FindGroup(**api, ctx.arg(0));
  if (!group.ok()) return group.status();
  auto deleted = (*api)->Call("DELETE", GroupPath(*group));
  if (!deleted.ok()) return deleted.status();
  if (ctx.json()) {
    ctx.PrintJson({{"id", group->value("id", "")}, {"deleted", true}});
  } else {
    ctx.out() << "Deleted group " << Cell(*group, "displayName") << ".\n";
  }
  return Status::Ok();
}

Status GroupMembers(CommandContext& ctx) {
  auto api = ctx.Api();
  if (!api.ok()) return api.status();
  auto group = FindGroup(**api, ctx.arg(0));
  if (!group.ok()) return group.status();
  auto members = (*api)->Get(GroupPath(*group) + "/members");
  if (!members.ok()) return members.status();
  if (ctx.json()) {
    ctx.PrintJson(*members);
    return Status::Ok();
  }
  Table table({"Type", "Name", "Id"});
  for (const auto& m : (*members)["value"]) {
    bool user = m.value("@odata.type", "") == "#microsoft.graph.user";
    table.AddRow({user ? "user" : "device",
                  user ? Cell(m, "userPrincipalName") : Cell(m, "displayName"), Cell(m, "id")});
  }
  table.Print(ctx.out());
  return Status::Ok();
}

// The member's id: a device for device groups, a user for user groups.
Result<std::pair<std::string, std::string>> ResolveMember(AdminApi& api,
                                                          const nlohmann::json& group,
                                                          std::string_view member) {
  if (group.value("openlapsGroupKind", "device") == "user") {
    OPENLAPS_ASSIGN_OR_RETURN(nlohmann::json user, FindUser(api, member));
    return std::pair{user.value("id", std::string()),
                     user.value("userPrincipalName", std::string())};
  }
  OPENLAPS_ASSIGN_OR_RETURN(nlohmann::json device, FindDevice(api, member));
  return std::pair{device.value("id", std::string()), device.value("deviceName", std::string())};
}

Status GroupAddMember(CommandContext& ctx) {
  auto api = ctx.Api();
  if (!api.ok()) return api.status();
  auto group = FindGroup(**api, ctx.arg(0));
  if (!group.ok()) return group.status();
  auto member = ResolveMember(**api, *group, ctx.arg(1));
  if (!member.ok()) return member.status();
  nlohmann::json ref = {
      {"@odata.id", (*api)->server() + "/v1.0/directoryObjects/" + member->first}};
  auto added = (*api)->Call("POST", GroupPath(*group) + "/members/$ref", ref);
  if (!added.ok()) return added.status();
  if (ctx.json()) {
    ctx.PrintJson({{"groupId", group->value("id", "")}, {"memberId", member->first}});
  } else {
    ctx.out() << "Added " << member->second << " to " << Cell(*group, "displayName") << ".\n";
  }
  return Status::Ok();
}

Status GroupRemoveMember(CommandContext& ctx) {
  auto api = ctx.Api();
  if (!api.ok()) return api.status();
  auto group = FindGroup(**api, ctx.arg(0));
  if (!group.ok()) return group.status();
  auto member = ResolveMember(**api, *group, ctx.arg(1));
  if (!member.ok()) return member.status();
  auto removed = (*api)->Call("DELETE", GroupPath(*group) + "/members/" + member->first + "/$ref");
  if (!removed.ok()) return removed.status();
  if (ctx.json()) {
    ctx.PrintJson({{"groupId", group->value("id", "")}, {"memberId", member->first}});
  } else {
    ctx.out() << "Removed " << member->second << " from " << Cell(*group, "displayName") << ".\n";
  }
  return Status::Ok();
}

Status UserList(CommandContext& ctx) {
  auto api = ctx.Api();
  if (!api.ok()) return api.status();
  auto users = (*api)->GetAll("/v1.0/users");
  if (!users.ok()) return users.status();
  if (ctx.json()) {
    ctx.PrintJson(*users);
    return Status::Ok();
  }
  Table table({"User principal name", "Display name", "Id"});
  for (const auto& u : (*users)["value"]) {
    table.AddRow({Cell(u, "userPrincipalName"), Cell(u, "displayName"), Cell(u, "id")});
  }
  table.Print(ctx.out());
  return Status::Ok();
}

Status UserCreate(CommandContext& ctx) {
  nlohmann::json body = {{"userPrincipalName", ctx.arg(0)}};
  if (auto d = ctx.args().Value("display-name")) body["displayName"] = *d;
  auto api = ctx.Api();
  if (!api.ok()) return api.status();
  auto created = (*api)->Call("POST", "/v1.0/users", body);
  if (!created.ok()) return created.status();
  if (ctx.json()) {
    ctx.PrintJson(*created);
  } else {
    ctx.out() << "Created user " << Cell(*created, "userPrincipalName") << " ("
              << Cell(*created, "id") << ").\n";
  }
  return Status::Ok();
}

}  // namespace

void AddDirectoryCommands(std::vector<CommandSpec>& commands) {
  commands.push_back({{"group", "list"}, "", 0, 0, "list groups", {}, GroupList});
  commands.push_back({{"group", "create"},
                      "NAME",
                      1,
                      1,
                      "create a group of devices or of users",
                      {{"kind", "device|user", "what the group holds (default device)"},
                       {"description", "TEXT", "a description"}},
                      GroupCreate});
  commands.push_back({{"group", "delete"}, "ID|NAME", 1, 1, "delete a group", {}, GroupDelete});
  commands.push_back(
      {{"group", "members"}, "ID|NAME", 1, 1, "list a group's members", {}, GroupMembers});
  commands.push_back({{"group", "add-member"},
                      "GROUP DEVICE|USER",
                      2,
                      2,
                      "add a device (by id or name) or user (by id or UPN) to a group",
                      {},
                      GroupAddMember});
  commands.push_back({{"group", "remove-member"},
                      "GROUP MEMBER",
                      2,
                      2,
                      "remove a member from a group",
                      {},
                      GroupRemoveMember});
  commands.push_back({{"user", "list"}, "", 0, 0, "list users", {}, UserList});
  commands.push_back({{"user", "create"},
                      "UPN",
                      1,
                      1,
                      "create a user (name@domain) for user groups",
                      {{"display-name", "NAME", "the user's display name"}},
                      UserCreate});
}

}  // namespace openlaps::cli
