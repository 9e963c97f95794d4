#include "cli/command.h"

#include <array>

#include "cli/session_file.h"

namespace openlaps::cli {

namespace {

// Text from the server or the user goes on one stderr line.
std::string OneLine(std::string_view text) {
  std::string out;
  for (char c : text) out += (c == '\n' || c == '\r') ? ' ' : c;
  return out;
}

}  // namespace

std::span<const OptionSpec> GlobalOptions() {
  static const std::array<OptionSpec, 4> kOptions = {{
      {"server", "URL", "lapsd to talk to (else LAPSCTL_SERVER, else the one logged in to)"},
      {"config-dir", "DIR", "where the session is kept (default ~/.config/openlaps)"},
      {"json", "", "print the API's JSON instead of a table"},
      {"help", "", "show this help"},
  }};
  return kOptions;
}

std::optional<std::string> CommandContext::Env(std::string_view name) const {
  auto it = env_.find(name);
  if (it == env_.end() || it->second.empty()) return std::nullopt;
  return it->second;
}

Result<std::filesystem::path> CommandContext::ConfigDir() const {
  if (auto dir = args_.Value("config-dir")) return std::filesystem::path(*dir);
  auto dir = DefaultConfigDir(Env("XDG_CONFIG_HOME"), Env("HOME"));
  if (!dir)
    return FailedPreconditionError("neither HOME nor XDG_CONFIG_HOME is set: use --config-dir");
  return *dir;
}

std::optional<std::string> CommandContext::ServerOverride() const {
  if (auto server = args_.Value("server")) return server;
  return Env("LAPSCTL_SERVER");
}

Result<AdminApi*> CommandContext::Api() {
  if (api_) return api_.get();
  std::optional<std::string> server = ServerOverride();
  std::optional<std::string> token = Env("LAPSCTL_TOKEN");
  if (!token) {
    OPENLAPS_ASSIGN_OR_RETURN(std::filesystem::path dir, ConfigDir());
    auto stored = LoadSession(dir);
    if (!stored.ok() && !stored.status().IsNotFound()) {
      return UnauthenticatedError(stored.status().message());
    }
    if (stored.ok()) {
      // Never send one server's token to another.
      auto stored_server = NormalizeServerUrl(stored->server);
      auto wanted = server ? NormalizeServerUrl(*server) : stored_server;
      if (stored_server && wanted == stored_server) {
        if (auto expires = core::ParseUtc(stored->expires); expires && *expires <= clock_.Now()) {
          return UnauthenticatedError("the session expired at " + stored->expires +
                                      "; run lapsctl login again");
        }
        server = stored->server;
        token = stored->token;
      }
    }
  }
  if (!server) {
    return UnauthenticatedError("not logged in: run lapsctl login --server URL");
  }
  if (!token) {
    return UnauthenticatedError("not logged in to " + *server + ": run lapsctl login --server " +
                                *server + " (or set LAPSCTL_TOKEN)");
  }
  OPENLAPS_ASSIGN_OR_RETURN(api_, AdminApi::Connect(*server, *token));
  return api_.get();
}

ExitCode CommandContext::Fail(const Status& status) {
  io_.err << "lapsctl: " << OneLine(status.message()) << std::endl;
  return ExitCodeFor(status);
}

void CommandContext::PrintJson(const nlohmann::json& value) {
  io_.out << value.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
}

}  // namespace openlaps::cli
