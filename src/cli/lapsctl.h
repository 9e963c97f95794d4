// lapsctl: the OpenLAPS admin CLI. RunLapsctl is all of it but process
// setup, so it runs in tests with string streams and a fixed clock.
#ifndef OPENLAPS_CLI_LAPSCTL_H_
#define OPENLAPS_CLI_LAPSCTL_H_

#include <span>
#include <string>
#include <vector>

#include "cli/command.h"
#include "cli/exit_code.h"
#include "cli/terminal.h"
#include "core/clock.h"

namespace openlaps::cli {

// Every command, in the order the overview lists them.
const std::vector<CommandSpec>& AllCommands();

// Runs one invocation; `args` excludes the program name. Writes results to
// io.out, errors as one "lapsctl: ..." line to io.err.
ExitCode RunLapsctl(std::span<const std::string> args, Io& io, const Environment& env,
                    const core::Clock& clock);

}  // namespace openlaps::cli

#endif  // OPENLAPS_CLI_LAPSCTL_H_
