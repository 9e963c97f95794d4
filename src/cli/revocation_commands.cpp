// Taking access back: admin list/disable/enable/delete/unlock, token
// list/revoke/revoke-all, lockout list/clear, role unassign. Over lapsd's
// /api/v1/admins, /api/v1/signInLockouts and roleAssignments routes.
#include "cli/command.h"
#include "cli/table.h"
#include "http/message.h"

namespace openlaps::cli {

namespace {

constexpr std::string_view kAdmins = "/api/v1/admins";

// The admin id for a user name; "me" when no name is given.
Result<std::string> AdminId(AdminApi& api, const std::optional<std::string>& name) {
  if (!name) return std::string("me");
  auto admins = api.Get(kAdmins);
  if (!admins.ok()) return admins.status();
  for (const auto& a : (*admins)["value"]) {
    if (a.value("userName", "") == *name || a.value("id", "") == *name) return a.value("id", "");
  }
  return NotFoundError("no administrator " + *name);
}

std::string AdminPath(const std::string& id) { return std::string(kAdmins) + "/" + id; }

Status AdminList(CommandContext& ctx) {
  auto api = ctx.Api();
  if (!api.ok()) return api.status();
  auto admins = (*api)->Get(kAdmins);
  if (!admins.ok()) return admins.status();
  if (ctx.json()) {
    ctx.PrintJson(*admins);
    return Status::Ok();
  }
  Table table({"User", "Display name", "Enabled", "Id"});
  for (const auto& a : (*admins)["value"]) {
    table.AddRow(
        {Cell(a, "userName"), Cell(a, "displayName"), Cell(a, "accountEnabled"), Cell(a, "id")});
  }
  table.Print(ctx.out());
  return Status::Ok();
}

Status AdminSetEnabled(CommandContext& ctx, bool enabled) {
  auto api = ctx.Api();
  if (!api.ok()) return api.status();
  auto id = AdminId(**api, ctx.arg(0));
  if (!id.ok()) return id.status();
  auto updated = (*api)->Call("PATCH", AdminPath(*id), {{"accountEnabled", enabled}});
  if (!updated.ok()) return updated.status();
  if (ctx.json()) {
    ctx.PrintJson(*updated);
  } else {
    ctx.out() << (enabled ? "Enabled " : "Disabled ") << ctx.arg(0)
              << (enabled ? "; old sessions stay revoked.\n"
                          : "; its sessions and API tokens are revoked.\n");
  }
  return Status::Ok();
}

Status AdminDisable(CommandContext& ctx) { return AdminSetEnabled(ctx, false); }
Status AdminEnable(CommandContext& ctx) { return AdminSetEnabled(ctx, true); }

Status AdminDelete(CommandContext& ctx) {
  auto api = ctx.Api();
  if (!api.ok()) return api.status();
  auto id = AdminId(**api, ctx.arg(0));
  if (!id.ok()) return id.status();
  auto deleted = (*api)->Call("DELETE", AdminPath(*id));
  if (!deleted.ok()) return deleted.status();
  if (!ctx.json()) ctx.out() << "Deleted administrator " << ctx.arg(0) << ".\n";
  return Status::Ok();
}

Status ClearLockout(CommandContext& ctx, const std::string& subject) {
  auto api = ctx.Api();
  if (!api.ok()) return api.status();
  auto cleared = (*api)->Call("DELETE", "/api/v1/signInLockouts/" + http::PercentEncode(subject));
  if (!cleared.ok()) return cleared.status();
  if (!ctx.json()) ctx.out() << "Cleared the sign-in failures of " << subject << ".\n";
  return Status::Ok();
}

Status AdminUnlock(CommandContext& ctx) { return ClearLockout(ctx, "account:" + ctx.arg(0)); }
Status LockoutClear(CommandContext& ctx) { return ClearLockout(ctx, ctx.arg(0)); }

Status LockoutList(CommandContext& ctx) {
  auto api = ctx.Api();
  if (!api.ok()) return api.status();
  auto lockouts = (*api)->Get("/api/v1/signInLockouts");
  if (!lockouts.ok()) return lockouts.status();
  if (ctx.json()) {
    ctx.PrintJson(*lockouts);
    return Status::Ok();
  }
  Table table({"Id", "Failures", "Locked until"});
  for (const auto& l : (*lockouts)["value"]) {
    table.AddRow({Cell(l, "id"), Cell(l, "failures"), Cell(l, "lockedUntilDateTime")});
  }
  table.Print(ctx.out());
  return Status::Ok();
}

Status TokenList(CommandContext& ctx) {
  auto api = ctx.Api();
  if (!api.ok()) return api.status();
  auto id = AdminId(**api, ctx.args().Value("admin"));
  if (!id.ok()) return id.status();
  auto tokens = (*api)->Get(AdminPath(*id) + "/tokens");
  if (!tokens.ok()) return tokens.status();
  if (ctx.json()) {
    ctx.PrintJson(*tokens);
    return Status::Ok();
  }
  Table table({"Kind", "Name", "Created", "Expires", "Current", "Id"});
  for (const auto& t : (*tokens)["value"]) {
    table.AddRow({Cell(t, "kind"), Cell(t, "name"), Cell(t, "createdDateTime"),
                  Cell(t, "expirationDateTime"), Cell(t, "isCurrent"), Cell(t, "id")});
  }
  table.Print(ctx.out());
  return Status::Ok();
}

Status TokenRevoke(CommandContext& ctx) {
  auto api = ctx.Api();
  if (!api.ok()) return api.status();
  auto id = AdminId(**api, ctx.args().Value("admin"));
  if (!id.ok()) return id.status();
  auto revoked = (*api)->Call("DELETE", AdminPath(*id) + "/tokens/" + ctx.arg(0));
  if (!revoked.ok()) return revoked.status();
  if (!ctx.json()) ctx.out() << "Revoked token " << ctx.arg(0) << ".\n";
  return Status::Ok();
}

Status TokenRevokeAll(CommandContext& ctx) {
  auto api = ctx.Api();
  if (!api.ok()) return api.status();
  auto id = AdminId(**api, ctx.args().Value("admin"));
  if (!id.ok()) return id.status();
  auto revoked = (*api)->Call("POST", AdminPath(*id) + "/revokeSignInSessions");
  if (!revoked.ok()) return revoked.status();
  if (ctx.json()) {
    ctx.PrintJson(*revoked);
  } else {
    ctx.out() << "Revoked " << Cell(*revoked, "revokedTokens") << " sessions and API tokens.\n";
  }
  return Status::Ok();
}

Status RoleUnassign(CommandContext& ctx) {
  auto api = ctx.Api();
  if (!api.ok()) return api.status();
  auto deleted = (*api)->Call("DELETE", "/beta/deviceManagement/roleAssignments/" + ctx.arg(0));
  if (!deleted.ok()) return deleted.status();
  if (!ctx.json()) ctx.out() << "Deleted role assignment " << ctx.arg(0) << ".\n";
  return Status::Ok();
}

}  // namespace

void AddRevocationCommands(std::vector<CommandSpec>& commands) {
  const OptionSpec admin_option{"admin", "USER",
                                "act on this administrator's tokens (needs role management)"};
  commands.push_back({{"admin", "list"}, "", 0, 0, "list administrators", {}, AdminList});
  commands.push_back({{"admin", "disable"},
                      "USER",
                      1,
                      1,
                      "disable an administrator and revoke its sessions and API tokens",
                      {},
                      AdminDisable});
  commands.push_back(
      {{"admin", "enable"}, "USER", 1, 1, "enable a disabled administrator", {}, AdminEnable});
  commands.push_back({{"admin", "delete"},
                      "USER",
                      1,
                      1,
                      "delete an administrator with its tokens and role memberships",
                      {},
                      AdminDelete});
  commands.push_back({{"admin", "unlock"},
                      "USER",
                      1,
                      1,
                      "clear an administrator's failed sign-ins (lift its lockout)",
                      {},
                      AdminUnlock});
  commands.push_back(
      {{"lockout", "list"}, "", 0, 0, "list locked-out accounts and addresses", {}, LockoutList});
  commands.push_back({{"lockout", "clear"},
                      "ID",
                      1,
                      1,
                      "clear a lockout (account:USER or source:ADDRESS)",
                      {},
                      LockoutClear});
  commands.push_back({{"token", "list"},
                      "",
                      0,
                      0,
                      "list your sessions and API tokens",
                      {admin_option},
                      TokenList});
  commands.push_back({{"token", "revoke"},
                      "ID",
                      1,
                      1,
                      "revoke one session or API token",
                      {admin_option},
                      TokenRevoke});
  commands.push_back({{"token", "revoke-all"},
                      "",
                      0,
                      0,
                      "log out everywhere: revoke every session and API token",
                      {admin_option},
                      TokenRevokeAll});
  commands.push_back(
      {{"role", "unassign"}, "ID", 1, 1, "delete a role assignment", {}, RoleUnassign});
}

}  // namespace openlaps::cli
