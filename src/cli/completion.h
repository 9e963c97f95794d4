// Shell completion generated from the command table, so it never drifts
// from what lapsctl accepts.
#ifndef OPENLAPS_CLI_COMPLETION_H_
#define OPENLAPS_CLI_COMPLETION_H_

#include <string>
#include <vector>

#include "cli/command.h"

namespace openlaps::cli {

// A bash script defining _lapsctl and `complete -F _lapsctl lapsctl`:
// commands, subcommands, and each command's options.
std::string BashCompletion(const std::vector<CommandSpec>& commands);

}  // namespace openlaps::cli

#endif  // OPENLAPS_CLI_COMPLETION_H_
