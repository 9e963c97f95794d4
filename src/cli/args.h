// Command-line parsing for lapsctl: long options (--name value, --name=value),
// flags, repeatable options that also take several values in a row
// (--include a b --exclude c), and positionals. Knows nothing about commands.
#ifndef OPENLAPS_CLI_ARGS_H_
#define OPENLAPS_CLI_ARGS_H_

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace openlaps::cli {

struct OptionSpec {
  std::string_view name;        // "top" for --top
  std::string_view value_name;  // "N"; empty for a flag
  std::string_view help;
  // Repeatable options collect every value; after one, further arguments
  // that do not start with '-' are taken as more values.
  bool repeatable = false;
};

class ParsedArgs {
 public:
  const std::vector<std::string>& positionals() const { return positionals_; }
  bool Has(std::string_view name) const { return options_.find(name) != options_.end(); }
  // The last value given for an option.
  std::optional<std::string> Value(std::string_view name) const;
  std::vector<std::string> Values(std::string_view name) const;

  void AddPositional(std::string value) { positionals_.push_back(std::move(value)); }
  void AddOption(std::string_view name, std::string value);

 private:
  std::vector<std::string> positionals_;
  std::map<std::string, std::vector<std::string>, std::less<>> options_;
};

// InvalidArgument naming the offending argument on an unknown option, a
// missing value, or a value given to a flag. "--" ends the options; "-h"
// is --help and "-y" is --yes when those are known.
Result<ParsedArgs> ParseArgs(std::span<const std::string> args,
                             std::span<const OptionSpec> options);

// A whole number in [min, max]; InvalidArgument naming `what` otherwise.
Result<std::int64_t> ParseInteger(std::string_view what, std::string_view text, std::int64_t min,
                                  std::int64_t max);

}  // namespace openlaps::cli

#endif  // OPENLAPS_CLI_ARGS_H_
