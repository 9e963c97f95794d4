#include "cli/lapsctl.h"

#include <algorithm>
#include <cctype>

#include "cli/completion.h"
#include "cli/table.h"

namespace openlaps::cli {

namespace {

constexpr std::string_view kExitCodes =
    "Exit codes: 0 ok; 1 usage error or a question answered no; 2 the API refused the request;\n"
    "3 lapsd unreachable; 4 not logged in or unauthorized; 5 rotation failed or timed out,\n"
    "audit chain broken, or no clipboard tool.\n";
constexpr std::string_view kEnvironment =
    "Environment: LAPSCTL_SERVER and LAPSCTL_TOKEN override the stored session (for scripts);\n"
    "the session is kept in $XDG_CONFIG_HOME/openlaps or ~/.config/openlaps.\n";

std::string PathText(const CommandSpec& c) {
  std::string out;
  for (auto word : c.path) out += (out.empty() ? "" : " ") + std::string(word);
  return out;
}

void PrintOptions(std::ostream& out, std::span<const OptionSpec> options) {
  std::vector<std::pair<std::string, std::string>> rows;
  std::size_t width = 0;
  for (const auto& o : options) {
    std::string flag = "--" + std::string(o.name);
    if (!o.value_name.empty())
      flag += " " + std::string(o.value_name) + (o.repeatable ? "..." : "");
    width = std::max(width, flag.size());
    rows.push_back({flag, std::string(o.help)});
  }
  for (const auto& [flag, help] : rows) {
    out << "  " << flag << std::string(width - flag.size() + 2, ' ') << help << "\n";
  }
}

void PrintCommandHelp(std::ostream& out, const CommandSpec& c) {
  out << "Usage: lapsctl " << PathText(c);
  if (!c.arguments.empty()) out << " " << c.arguments;
  std::string summary(c.summary);
  if (!summary.empty()) summary[0] = static_cast<char>(std::toupper(summary[0]));
  out << " [options]\n\n" << summary << ".\n";
  if (!c.options.empty()) {
    out << "\nOptions:\n";
    PrintOptions(out, c.options);
  }
  out << "\nGlobal options:\n";
  PrintOptions(out, GlobalOptions());
  out << "\n" << kExitCodes;
}

void PrintOverview(std::ostream& out, const std::vector<CommandSpec>& commands,
                   std::string_view group) {
  out << "lapsctl: the OpenLAPS admin CLI\n\nUsage: lapsctl COMMAND [ARGUMENTS] [options]\n"
      << "       lapsctl COMMAND --help\n\nCommands:\n";
  std::size_t width = 0;
  for (const auto& c : commands) {
    if (group.empty() || c.path[0] == group) {
      width = std::max(width, PathText(c).size() + c.arguments.size() + 1);
    }
  }
  for (const auto& c : commands) {
    if (!group.empty() && c.path[0] != group) continue;
    std::string head = PathText(c) + " " + std::string(c.arguments);
    out << "  " << head << std::string(width - head.size() + 2, ' ') << c.summary << "\n";
  }
  out << "\nGlobal options:\n";
  PrintOptions(out, GlobalOptions());
  out << "\n" << kExitCodes << kEnvironment;
}

bool IsPrefixOfSomeCommand(const std::vector<CommandSpec>& commands,
                           const std::vector<std::string>& words) {
  return std::any_of(commands.begin(), commands.end(), [&](const CommandSpec& c) {
    if (words.size() > c.path.size()) return false;
    return std::equal(words.begin(), words.end(), c.path.begin());
  });
}

bool IsGlobalValueOption(std::string_view arg) {
  for (const auto& o : GlobalOptions()) {
    if (!o.value_name.empty() && arg == "--" + std::string(o.name)) return true;
  }
  return false;
}

std::vector<CommandSpec> BuildCommands() {
  std::vector<CommandSpec> commands;
  AddSessionCommands(commands);
  AddDeviceCommands(commands);
  AddPolicyCommands(commands);
  AddDirectoryCommands(commands);
  AddAccessCommands(commands);
  AddRevocationCommands(commands);
  AddAuditCommands(commands);
  AddReportCommands(commands);
  commands.push_back({{"completion"},
                      "bash",
                      1,
                      1,
                      "print a shell completion script (source <(lapsctl completion bash))",
                      {},
                      [](CommandContext& ctx) {
                        if (ctx.arg(0) != "bash") {
                          return UsageError("completion supports bash");
                        }
                        ctx.out() << BashCompletion(AllCommands());
                        return Status::Ok();
                      }});
  return commands;
}

}  // namespace

const std::vector<CommandSpec>& AllCommands() {
  static const std::vector<CommandSpec> kCommands = BuildCommands();
  return kCommands;
}

ExitCode RunLapsctl(std::span<const std::string> args, Io& io, const Environment& env,
                    const core::Clock& clock) {
  const std::vector<CommandSpec>& commands = AllCommands();
  std::vector<std::string> words;
  std::vector<std::string> rest;
  bool matching = true;
  bool help = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (matching && arg == "help") {
      help = true;
      continue;
    }
    if (matching && !arg.empty() && arg[0] != '-') {
      std::vector<std::string> candidate = words;
      candidate.push_back(arg);
      if (IsPrefixOfSomeCommand(commands, candidate)) {
        words = std::move(candidate);
        continue;
      }
      matching = false;
    }
    if (matching && IsGlobalValueOption(arg) && i + 1 < args.size()) {
      rest.push_back(arg);
      rest.push_back(args[++i]);
      continue;
    }
    rest.push_back(arg);
  }
  help = help || std::find(rest.begin(), rest.end(), "--help") != rest.end() ||
         std::find(rest.begin(), rest.end(), "-h") != rest.end();

  auto spec = std::find_if(commands.begin(), commands.end(), [&](const CommandSpec& c) {
    return std::equal(words.begin(), words.end(), c.path.begin(), c.path.end());
  });
  if (spec == commands.end()) {
    if (words.empty() && !rest.empty() && rest[0][0] != '-') {
      io.err << "lapsctl: unknown command '" << rest[0] << "'; see lapsctl --help" << std::endl;
      return ExitCode::kUsage;
    }
    if (help) {
      PrintOverview(io.out, commands, words.empty() ? "" : words[0]);
      return ExitCode::kOk;
    }
    PrintOverview(io.err, commands, words.empty() ? "" : words[0]);
    if (!words.empty()) {
      std::string next = rest.empty() ? "" : rest[0];
      io.err << "lapsctl: " << words[0]
             << (next.empty() || next[0] == '-' ? " needs a subcommand"
                                                : " has no subcommand '" + next + "'")
             << std::endl;
    }
    return ExitCode::kUsage;
  }
  if (help) {
    PrintCommandHelp(io.out, *spec);
    return ExitCode::kOk;
  }

  std::vector<OptionSpec> options = spec->options;
  options.insert(options.end(), GlobalOptions().begin(), GlobalOptions().end());
  auto parsed = ParseArgs(rest, options);
  std::string usage_hint = "; see lapsctl " + PathText(*spec) + " --help";
  if (!parsed.ok()) {
    io.err << "lapsctl: " << parsed.status().message() << usage_hint << std::endl;
    return ExitCode::kUsage;
  }
  std::size_t n = parsed->positionals().size();
  if (n < spec->min_positionals || n > spec->max_positionals) {
    std::string expected = spec->arguments.empty() ? "no arguments" : std::string(spec->arguments);
    io.err << "lapsctl: " << PathText(*spec) << " takes " << expected;
    if (n > spec->max_positionals) io.err << ", not '" << parsed->positionals().back() << "'";
    io.err << usage_hint << std::endl;
    return ExitCode::kUsage;
  }
  std::optional<std::string> server = parsed->Value("server");
  if (!server) {
    if (auto it = env.find("LAPSCTL_SERVER"); it != env.end() && !it->second.empty()) {
      server = it->second;
    }
  }
  if (server && !NormalizeServerUrl(*server)) {
    io.err << "lapsctl: '" << *server << "' is not a server URL like https://lapsd.example:8443"
           << std::endl;
    return ExitCode::kUsage;
  }
  CommandContext ctx(io, env, *parsed, clock);
  Status outcome = spec->run(ctx);
  return outcome.ok() ? ExitCode::kOk : ctx.Fail(outcome);
}

}  // namespace openlaps::cli
