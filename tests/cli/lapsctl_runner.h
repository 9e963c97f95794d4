// Runs the lapsctl binary as a child process with a given stdin, a clean
// environment and pipes for stdout and stderr, and waits for it.
#ifndef OPENLAPS_TESTS_CLI_LAPSCTL_RUNNER_H_
#define OPENLAPS_TESTS_CLI_LAPSCTL_RUNNER_H_

#include <map>
#include <string>
#include <vector>

namespace openlaps::testing {

struct CliRun {
  int exit_code = -1;  // 128+signal when killed
  std::string out;
  std::string err;
};

// `env` is the child's whole environment (nothing is inherited).
CliRun RunProcess(const std::string& binary, const std::vector<std::string>& args,
                  const std::string& stdin_text, const std::map<std::string, std::string>& env);

}  // namespace openlaps::testing

#endif  // OPENLAPS_TESTS_CLI_LAPSCTL_RUNNER_H_
