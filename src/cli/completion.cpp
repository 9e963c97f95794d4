#include "cli/completion.h"

#include <map>
#include <set>

namespace openlaps::cli {

namespace {

std::string Join(const std::set<std::string>& words) {
  std::string out;
  for (const auto& w : words) out += (out.empty() ? "" : " ") + w;
  return out;
}

}  // namespace

std::string BashCompletion(const std::vector<CommandSpec>& commands) {
  std::set<std::string> top;
  std::map<std::string, std::set<std::string>> subcommands;
  std::map<std::string, std::set<std::string>> options;  // "device list" -> --filter ...
  for (const CommandSpec& c : commands) {
    top.emplace(c.path[0]);
    std::string key(c.path[0]);
    if (c.path.size() > 1) {
      subcommands[std::string(c.path[0])].emplace(c.path[1]);
      key += " " + std::string(c.path[1]);
    }
    auto& opts = options[key];
    for (const auto& o : c.options) opts.insert("--" + std::string(o.name));
    for (const auto& o : GlobalOptions()) opts.insert("--" + std::string(o.name));
  }
  std::string groups;
  for (const auto& [group, subs] : subcommands) groups += (groups.empty() ? "" : "|") + group;

  std::string s;
  s += "# bash completion for lapsctl; load with: source <(lapsctl completion bash)\n";
  s += "_lapsctl() {\n";
  s += "  local cur=\"${COMP_WORDS[COMP_CWORD]}\"\n";
  s += "  local group=\"${COMP_WORDS[1]}\"\n";
  s += "  if [[ $COMP_CWORD -eq 1 ]]; then\n";
  s += "    COMPREPLY=($(compgen -W \"" + Join(top) + "\" -- \"$cur\"))\n";
  s += "    return\n";
  s += "  fi\n";
  s += "  local key=\"$group\"\n";
  s += "  case \"$group\" in\n";
  s += "    " + groups + ")\n";
  s += "      if [[ $COMP_CWORD -eq 2 ]]; then\n";
  s += "        case \"$group\" in\n";
  for (const auto& [group, subs] : subcommands) {
    s += "          " + group + ") COMPREPLY=($(compgen -W \"" + Join(subs) +
         "\" -- \"$cur\")) ;;\n";
  }
  s += "        esac\n";
  s += "        return\n";
  s += "      fi\n";
  s += "      key=\"$group ${COMP_WORDS[2]}\" ;;\n";
  s += "  esac\n";
  s += "  if [[ \"$cur\" == -* ]]; then\n";
  s += "    local opts=\"\"\n";
  s += "    case \"$key\" in\n";
  for (const auto& [key, opts] : options) {
    s += "      \"" + key + "\") opts=\"" + Join(opts) + "\" ;;\n";
  }
  s += "    esac\n";
  s += "    COMPREPLY=($(compgen -W \"$opts\" -- \"$cur\"))\n";
  s += "    return\n";
  s += "  fi\n";
  s += "  case \"${COMP_WORDS[COMP_CWORD-1]}\" in\n";
  s += "    --file|--config-dir) COMPREPLY=($(compgen -f -- \"$cur\")) ;;\n";
  s += "    --kind) COMPREPLY=($(compgen -W \"device user\" -- \"$cur\")) ;;\n";
  s += "    bash|completion) COMPREPLY=($(compgen -W \"bash\" -- \"$cur\")) ;;\n";
  s += "  esac\n";
  s += "}\n";
  s += "complete -F _lapsctl lapsctl\n";
  return s;
}

}  // namespace openlaps::cli
