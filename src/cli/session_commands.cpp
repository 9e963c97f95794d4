// login, logout, whoami.
#include <chrono>

#include "cli/command.h"
#include "cli/session_file.h"
#include "cli/table.h"

namespace openlaps::cli {

namespace {

constexpr std::string_view kDefaultAdmin = "admin";

Status Login(CommandContext& ctx) {
  std::optional<std::string> server = ctx.ServerOverride();
  if (!server) return UsageError("login needs --server URL (or LAPSCTL_SERVER)");
  auto dir = ctx.ConfigDir();
  if (!dir.ok()) return UsageError(dir.status().message());
  std::string user = ctx.args().Value("user").value_or(std::string(kDefaultAdmin));
  if (!ctx.args().Has("password-stdin") && ctx.io().in_fd < 0) {
    return UsageError("no terminal to ask for the password: use --password-stdin");
  }
  auto password = ReadSecret(ctx.io(), "Password for " + user + " at " + *server + ": ");
  if (!password.ok()) return UsageError(password.status().message());

  auto api = AdminApi::Connect(*server, "");
  if (!api.ok()) return UsageError(api.status().message());
  auto answer = (*api)->Login(user, *password);
  if (!answer.ok()) return answer.status();
  auto token = answer->find("access_token");
  if (token == answer->end() || !token->is_string()) {
    return InternalError("the server's login answer has no access_token");
  }
  StoredSession session{(*api)->server(), token->get<std::string>(), "", user};
  core::SecureZero(token->get_ref<std::string&>().data(), token->get_ref<std::string&>().size());
  if (auto lifetime = answer->find("expires_in");
      lifetime != answer->end() && lifetime->is_number_integer()) {
    session.expires =
        core::FormatUtc(ctx.clock().Now() + std::chrono::seconds(lifetime->get<std::int64_t>()));
  }
  Status saved = SaveSession(*dir, session);
  core::SecureZero(session.token.data(), session.token.size());
  if (!saved.ok()) return saved;
  if (ctx.json()) {
    ctx.PrintJson(
        {{"server", session.server}, {"userName", user}, {"expirationDateTime", session.expires}});
  } else {
    ctx.out() << "Logged in to " << session.server << " as " << user;
    if (!session.expires.empty()) ctx.out() << "; the session expires " << session.expires;
    ctx.out() << ".\n";
  }
  return Status::Ok();
}

Status Logout(CommandContext& ctx) {
  auto dir = ctx.ConfigDir();
  if (!dir.ok()) return UsageError(dir.status().message());
  // Revoke the token on the server first; an unreachable server or an
  // already expired token still lets the local copy go.
  if (auto api = ctx.Api(); api.ok()) {
    (void)(*api)->Call("POST", "/api/v1/logout");
  }
  Status removed = RemoveSession(*dir);
  if (!removed.ok()) return removed;
  if (!ctx.json()) {
    ctx.out() << "Logged out; the session token is no longer stored on this machine.\n";
  }
  return Status::Ok();
}

Status WhoAmI(CommandContext& ctx) {
  auto api = ctx.Api();
  if (!api.ok()) return api.status();
  auto me = (*api)->Get("/api/v1/me");
  if (!me.ok()) return me.status();
  if (ctx.json()) {
    ctx.PrintJson(*me);
    return Status::Ok();
  }
  std::string permissions;
  for (const auto& p : me->value("permissions", nlohmann::json::array())) {
    if (!permissions.empty()) permissions += ", ";
    permissions += Cell(p);
  }
  PrintFields(ctx.out(), {{"Server", (*api)->server()},
                          {"User", Cell(*me, "userName")},
                          {"Display name", Cell(*me, "displayName")},
                          {"Permissions", permissions}});
  return Status::Ok();
}

}  // namespace

void AddSessionCommands(std::vector<CommandSpec>& commands) {
  commands.push_back(
      {{"login"},
       "",
       0,
       0,
       "sign in and keep the session token in the config dir (0600)",
       {{"user", "NAME", "administrator to sign in as (default admin)"},
        {"password-stdin", "", "read the password from standard input instead of asking"}},
       Login});
  commands.push_back({{"logout"}, "", 0, 0, "forget the stored session token", {}, Logout});
  commands.push_back(
      {{"whoami"}, "", 0, 0, "show who the session is and what it may do", {}, WhoAmI});
}

}  // namespace openlaps::cli
