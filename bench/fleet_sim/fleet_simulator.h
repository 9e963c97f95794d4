// The fleet simulator: many virtual laps-agents in one process, on one
// thread, speaking lapsd's real device protocol (DeviceProtocol) against
// any lapsd URL, for a bounded time and count. It
//  1. loads an enrolled fleet from a fleet file, or enrolls devices with an
//     enrollment token (given, or made with an admin login) and saves them;
//  2. readies the first `long_polls` devices (session, check-in, first
//     password escrow) and parks one long-poll each, carrying out every
//     rotate action they receive and checking in when woken;
//  3. optionally changes a policy assigned to the fleet (a burst: lapsd
//     wakes every parked device), then `concurrency` connections check the
//     other devices in, once each (`checkins_per_device`) or until
//     `duration` ends, while an admin asks for `rotations` rotations of
//     parked devices spread over the duration and each is timed to done.
// With `static_target` it only GETs that path instead (a reference server
// such as nginx, measured by the same driver).
#ifndef OPENLAPS_BENCH_FLEET_SIM_FLEET_SIMULATOR_H_
#define OPENLAPS_BENCH_FLEET_SIM_FLEET_SIMULATOR_H_

#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/status.h"
#include "fleet_sim/op_stats.h"

namespace openlaps::fleet {

struct SimulatorOptions {
  std::string url = "http://127.0.0.1:8080";
  std::string token;                 // enrollment token with enough uses
  std::filesystem::path admin_file;  // {"userName","password"}: tokens, rotations, policy
  std::filesystem::path fleet_file;  // reuse an enrolled fleet; written back at the end
  int devices = 100;
  std::chrono::seconds duration{10};
  int concurrency = 8;  // connections enrolling and checking in
  int long_polls = 0;   // the first N devices park a long-poll each
  int long_poll_wait = 300;
  int rotations = 0;  // admin rotations of parked devices during the run
  // Between two rotations; 0 spreads them over the duration. A burst stops
  // asking once every device has checked in.
  std::chrono::milliseconds rotation_interval{0};
  int checkins_per_device = 0;  // 0: until the duration ends; 1: a burst
  bool policy_change = false;   // change a policy assigned to the fleet at the start
  int lapsd_pid = 0;            // > 0: report lapsd's resident memory
  std::string static_target;    // non-empty: only GET this path
};

// Validates ranges and combinations; InvalidArgument naming the option.
Status CheckOptions(const SimulatorOptions& options);

struct SimulatorReport {
  std::vector<OpSummary> setup;  // enrollment and readying, before the window
  std::vector<OpSummary> load;   // the measured window
  double window_seconds = 0;
  long errors = 0;
  long enrolled = 0;  // by this run
  double enroll_seconds = 0;
  long devices = 0;
  long parked = 0;
  long rss_before_park_kib = -1;
  long rss_parked_kib = -1;
  long rss_end_kib = -1;

  nlohmann::json ToJson() const;
  std::string ToText() const;
};

// Runs to the end; a Status only when the run could not happen at all
// (options, enrollment without a token, lapsd unreachable). Errors of
// single requests are counted in the report.
Result<SimulatorReport> RunFleetSimulation(const SimulatorOptions& options);

}  // namespace openlaps::fleet

#endif  // OPENLAPS_BENCH_FLEET_SIM_FLEET_SIMULATOR_H_
