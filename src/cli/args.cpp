#include "cli/args.h"

#include <charconv>

namespace openlaps::cli {

namespace {

const OptionSpec* FindOption(std::span<const OptionSpec> options, std::string_view name) {
  for (const OptionSpec& o : options) {
    if (o.name == name) return &o;
  }
  return nullptr;
}

std::string_view ExpandShort(std::string_view arg) {
  if (arg == "-h") return "--help";
  if (arg == "-y") return "--yes";
  return arg;
}

}  // namespace

std::optional<std::string> ParsedArgs::Value(std::string_view name) const {
  auto it = options_.find(name);
  if (it == options_.end() || it->second.empty()) return std::nullopt;
  return it->second.back();
}

std::vector<std::string> ParsedArgs::Values(std::string_view name) const {
  auto it = options_.find(name);
  return it == options_.end() ? std::vector<std::string>{} : it->second;
}

void ParsedArgs::AddOption(std::string_view name, std::string value) {
  auto& values = options_[std::string(name)];
  if (!value.empty() || values.empty()) values.push_back(std::move(value));
}

Result<ParsedArgs> ParseArgs(std::span<const std::string> args,
                             std::span<const OptionSpec> options) {
  ParsedArgs parsed;
  bool only_positionals = false;
  const OptionSpec* collecting = nullptr;  // a repeatable option taking more values
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string_view arg = args[i];
    if (only_positionals || arg == "-" || arg.empty() || arg[0] != '-') {
      if (collecting && !only_positionals) {
        parsed.AddOption(collecting->name, std::string(arg));
      } else {
        parsed.AddPositional(std::string(arg));
      }
      continue;
    }
    collecting = nullptr;
    if (arg == "--") {
      only_positionals = true;
      continue;
    }
    arg = ExpandShort(arg);
    if (arg.size() < 3 || arg.substr(0, 2) != "--") {
      return InvalidArgumentError("unknown option '" + std::string(arg) + "'");
    }
    std::string_view name = arg.substr(2);
    std::optional<std::string> inline_value;
    if (auto eq = name.find('='); eq != std::string_view::npos) {
      inline_value = std::string(name.substr(eq + 1));
      name = name.substr(0, eq);
    }
    const OptionSpec* spec = FindOption(options, name);
    if (!spec) return InvalidArgumentError("unknown option '--" + std::string(name) + "'");
    if (spec->value_name.empty()) {
      if (inline_value) {
        return InvalidArgumentError("--" + std::string(name) + " does not take a value");
      }
      parsed.AddOption(name, "");
      continue;
    }
    std::string value;
    if (inline_value) {
      value = *inline_value;
    } else if (i + 1 < args.size() && (args[i + 1].empty() || args[i + 1][0] != '-' ||
                                       args[i + 1] == "-" || !spec->repeatable)) {
      value = args[++i];
    } else {
      return InvalidArgumentError("--" + std::string(name) + " needs a value (" +
                                  std::string(spec->value_name) + ")");
    }
    if (value.empty()) {
      return InvalidArgumentError("--" + std::string(name) + " needs a non-empty value");
    }
    if (!spec->repeatable && parsed.Has(name)) {
      return InvalidArgumentError("--" + std::string(name) + " was given more than once");
    }
    parsed.AddOption(name, std::move(value));
    if (spec->repeatable) collecting = spec;
  }
  return parsed;
}

Result<std::int64_t> ParseInteger(std::string_view what, std::string_view text, std::int64_t min,
                                  std::int64_t max) {
  std::int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || value < min ||
      value > max) {
    return InvalidArgumentError(std::string(what) + " must be a whole number from " +
                                std::to_string(min) + " to " + std::to_string(max) + ", not '" +
                                std::string(text) + "'");
  }
  return value;
}

}  // namespace openlaps::cli
