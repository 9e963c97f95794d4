// lapsctl: process setup only; everything else is RunLapsctl.
#include <unistd.h>

#include <iostream>
#include <string>
#include <vector>

#include "cli/lapsctl.h"
#include "crypto/process_hygiene.h"

extern char** environ;

int main(int argc, char** argv) {
  // It holds admin tokens: no core file, no dump.
  if (auto hardened = openlaps::crypto::HardenProcess(); !hardened.ok()) {
    std::cerr << "lapsctl: " << hardened.message() << std::endl;
    return 1;
  }
  std::vector<std::string> args(argv + 1, argv + argc);
  openlaps::cli::Environment env;
  for (char** e = environ; e && *e; ++e) {
    std::string entry(*e);
    auto eq = entry.find('=');
    if (eq != std::string::npos) env[entry.substr(0, eq)] = entry.substr(eq + 1);
  }
  openlaps::cli::Io io{std::cin, std::cout, std::cerr, ::isatty(STDIN_FILENO) ? STDIN_FILENO : -1,
                       ::isatty(STDERR_FILENO) != 0};
  openlaps::core::SystemClock clock;
  auto code = openlaps::cli::RunLapsctl(args, io, env, clock);
  std::cout.flush();
  return static_cast<int>(code);
}
