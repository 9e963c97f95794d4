// What every lapsctl command sees: its parsed arguments, the terminal, the
// environment, and the admin API of the session it runs in; and the table
// of commands each area file contributes to.
#ifndef OPENLAPS_CLI_COMMAND_H_
#define OPENLAPS_CLI_COMMAND_H_

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cli/admin_api.h"
#include "cli/args.h"
#include "cli/exit_code.h"
#include "cli/terminal.h"
#include "core/clock.h"

namespace openlaps::cli {

using Environment = std::map<std::string, std::string, std::less<>>;

class CommandContext;
// The outcome of a command; the dispatcher prints a failure on one stderr
// line and maps it to the exit code (ExitCodeFor).
using CommandHandler = std::function<Status(CommandContext&)>;

struct CommandSpec {
  std::vector<std::string_view> path;  // {"device", "list"}
  std::string_view arguments;          // positionals for the usage line: "ID|NAME"
  std::size_t min_positionals = 0;
  std::size_t max_positionals = 0;
  std::string_view summary;
  std::vector<OptionSpec> options;  // the global options are added by the dispatcher
  CommandHandler run;
};

// Options every command accepts.
std::span<const OptionSpec> GlobalOptions();

class CommandContext {
 public:
  CommandContext(Io& io, const Environment& env, const ParsedArgs& args, const core::Clock& clock)
      : io_(io), env_(env), args_(args), clock_(clock) {}
  CommandContext(const CommandContext&) = delete;
  CommandContext& operator=(const CommandContext&) = delete;

  Io& io() { return io_; }
  std::ostream& out() { return io_.out; }
  const ParsedArgs& args() const { return args_; }
  const std::string& arg(std::size_t i) const { return args_.positionals().at(i); }
  bool json() const { return args_.Has("json"); }
  const core::Clock& clock() const { return clock_; }
  std::optional<std::string> Env(std::string_view name) const;

  // --config-dir, else $XDG_CONFIG_HOME/openlaps or ~/.config/openlaps.
  Result<std::filesystem::path> ConfigDir() const;
  // The server named by --server or LAPSCTL_SERVER, if any.
  std::optional<std::string> ServerOverride() const;

  // The API of the current session: server from --server, LAPSCTL_SERVER or
  // the session file; token from LAPSCTL_TOKEN or the session file (only
  // when the file is for that same server). Unauthenticated when there is
  // no usable session.
  Result<AdminApi*> Api();

  // Prints "lapsctl: <message>" on one stderr line and maps the Status.
  ExitCode Fail(const Status& status);
  // Pretty JSON on stdout, for --json.
  void PrintJson(const nlohmann::json& value);

 private:
  Io& io_;
  const Environment& env_;
  const ParsedArgs& args_;
  const core::Clock& clock_;
  std::unique_ptr<AdminApi> api_;
};

// The command tables of each area, in the order --help lists them.
void AddSessionCommands(std::vector<CommandSpec>& commands);
void AddDeviceCommands(std::vector<CommandSpec>& commands);
void AddPolicyCommands(std::vector<CommandSpec>& commands);
void AddDirectoryCommands(std::vector<CommandSpec>& commands);
void AddAccessCommands(std::vector<CommandSpec>& commands);
void AddRevocationCommands(std::vector<CommandSpec>& commands);
void AddAuditCommands(std::vector<CommandSpec>& commands);
void AddReportCommands(std::vector<CommandSpec>& commands);

}  // namespace openlaps::cli

#endif  // OPENLAPS_CLI_COMMAND_H_
