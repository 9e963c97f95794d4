// fleet_sim: many virtual laps-agents against one lapsd (see
// fleet_simulator.h). Prints a table per operation, or JSON with --json;
// exits 1 when any request failed, 2 when the run could not happen.
//
//   fleet_sim --url URL (--token T | --admin-file F) [--fleet-file F] [--devices N]
//             [--duration S] [--concurrency C] [--long-polls L] [--long-poll-wait S]
//             [--rotations R] [--rotation-interval-ms M]
//             [--checkins-per-device K] [--policy-change]
//             [--lapsd-pid P] [--json]
//   fleet_sim --url URL --static /index.html [--duration S] [--concurrency C] [--json]
#include <charconv>
#include <cstdio>
#include <string>
#include <string_view>

#include "fleet_sim/fleet_simulator.h"

namespace {

using openlaps::fleet::SimulatorOptions;

constexpr int kExitErrors = 1;
constexpr int kExitUsage = 2;

bool ParseInt(std::string_view text, int* out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return ec == std::errc() && end == text.data() + text.size();
}

int Usage(const std::string& problem) {
  std::fprintf(stderr,
               "fleet_sim: %s\nusage: fleet_sim --url URL (--token T | --admin-file F) "
               "[--fleet-file F] [--devices N] [--duration S] [--concurrency C] "
               "[--long-polls L] [--long-poll-wait S] [--rotations R] [--rotation-interval-ms M] "
               "[--checkins-per-device K] [--policy-change] [--lapsd-pid P] [--json]\n"
               "       fleet_sim --url URL --static PATH [--duration S] [--concurrency C]\n",
               problem.c_str());
  return kExitUsage;
}

}  // namespace

int main(int argc, char** argv) {
  SimulatorOptions o;
  bool json = false;
  for (int i = 1; i < argc; ++i) {
    std::string flag = argv[i];
    if (flag == "--help" || flag == "-h") {
      Usage("many virtual laps-agents against one lapsd (bench/fleet_sim/fleet_simulator.h)");
      return 0;
    }
    if (flag == "--json") {
      json = true;
      continue;
    }
    if (flag == "--policy-change") {
      o.policy_change = true;
      continue;
    }
    if (i + 1 >= argc) return Usage(flag + " needs a value");
    std::string value = argv[++i];
    int number = 0;
    bool numeric = ParseInt(value, &number);
    if (flag == "--url") {
      o.url = value;
    } else if (flag == "--token") {
      o.token = value;
    } else if (flag == "--admin-file") {
      o.admin_file = value;
    } else if (flag == "--fleet-file") {
      o.fleet_file = value;
    } else if (flag == "--static") {
      o.static_target = value;
    } else if (!numeric) {
      return Usage(flag + " needs a whole number, or is unknown");
    } else if (flag == "--devices") {
      o.devices = number;
    } else if (flag == "--duration") {
      o.duration = std::chrono::seconds(number);
    } else if (flag == "--concurrency") {
      o.concurrency = number;
    } else if (flag == "--long-polls") {
      o.long_polls = number;
    } else if (flag == "--long-poll-wait") {
      o.long_poll_wait = number;
    } else if (flag == "--rotations") {
      o.rotations = number;
    } else if (flag == "--rotation-interval-ms") {
      o.rotation_interval = std::chrono::milliseconds(number);
    } else if (flag == "--checkins-per-device") {
      o.checkins_per_device = number;
    } else if (flag == "--lapsd-pid") {
      o.lapsd_pid = number;
    } else {
      return Usage("unknown option " + flag);
    }
  }
  auto report = openlaps::fleet::RunFleetSimulation(o);
  if (!report.ok()) {
    std::fprintf(stderr, "fleet_sim: %s\n", report.status().ToString().c_str());
    return kExitUsage;
  }
  if (json) {
    std::printf("%s\n", report->ToJson().dump().c_str());
  } else {
    std::fputs(report->ToText().c_str(), stdout);
  }
  return report->errors == 0 ? 0 : kExitErrors;
}
