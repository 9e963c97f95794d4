// agent_footprint: runs a real lapsd and one real laps-agent on loopback
// (tests/agent/agent_process_lab.h) and prints the agent's footprint:
// rotate-to-done latency p50/p99 over N sequential manual rotations (each
// waits for done before the next), the idle agent's VmRSS, its CPU time
// (utime+stime) over an idle window, and the stripped size of laps-agent.
//   agent_footprint [--rotations 200] [--idle-seconds 60]
// Stops by itself.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "agent_process_lab.h"

namespace {

using namespace openlaps;  // NOLINT: a main file

long VmRssKb(pid_t pid) {
  std::string status = agent::ReadLogFile("/proc/" + std::to_string(pid) + "/status");
  auto at = status.find("VmRSS:");
  return at == std::string::npos ? -1 : std::strtol(status.c_str() + at + 6, nullptr, 10);
}

// utime + stime in clock ticks.
long long CpuTicks(pid_t pid) {
  std::string stat = agent::ReadLogFile("/proc/" + std::to_string(pid) + "/stat");
  auto close = stat.rfind(')');
  if (close == std::string::npos) return -1;
  // Fields after the command: state is field 3; utime 14, stime 15.
  std::vector<std::string> fields;
  std::string field;
  for (char c : stat.substr(close + 2)) {
    if (c == ' ') {
      fields.push_back(field);
      field.clear();
    } else {
      field += c;
    }
  }
  if (fields.size() < 13) return -1;
  return std::stoll(fields[11]) + std::stoll(fields[12]);
}

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  auto index = static_cast<std::size_t>(p / 100.0 * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(index, v.size() - 1)];
}

}  // namespace

int main(int argc, char** argv) {
  int rotations = 200;
  int idle_seconds = 60;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--rotations") rotations = std::atoi(argv[i + 1]);
    if (flag == "--idle-seconds") idle_seconds = std::atoi(argv[i + 1]);
  }
  auto base =
      std::filesystem::temp_directory_path() / ("agent-footprint-" + std::to_string(::getpid()));
  agent::AgentProcessLab lab(LAPSD_PATH, LAPS_AGENT_PATH, base);
  if (Status s = lab.SetUp(); !s.ok()) {
    std::fprintf(stderr, "setup: %s\n%s\n", s.ToString().c_str(), lab.LapsdLog().c_str());
    return 1;
  }
  if (!lab.StartAgent().ok() || !lab.WaitForBackup(std::chrono::seconds(30))) {
    std::fprintf(stderr, "the agent never backed up:\n%s\n", lab.AgentLog().c_str());
    return 1;
  }

  std::vector<double> latencies_ms;
  std::size_t done = lab.DoneCount();
  for (int i = 0; i < rotations; ++i) {
    auto start = std::chrono::steady_clock::now();
    int status = lab.RequestRotation();
    if (status != 204 || !lab.WaitForDone(done, std::chrono::seconds(30))) {
      std::fprintf(stderr, "rotation %d failed (HTTP %d)\n%s\n", i, status, lab.AgentLog().c_str());
      return 1;
    }
    ++done;
    latencies_ms.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
            .count());
  }
  bool opens = lab.Opens(lab.CurrentPassword());

  // Let the last check-in settle, then measure the idle agent.
  std::this_thread::sleep_for(std::chrono::seconds(1));
  pid_t pid = lab.agent_pid();
  long long cpu_before = CpuTicks(pid);
  std::this_thread::sleep_for(std::chrono::seconds(idle_seconds));
  long long cpu_after = CpuTicks(pid);
  long rss_kb = VmRssKb(pid);
  auto stop_start = std::chrono::steady_clock::now();
  int exit_code = lab.StopAgent(std::chrono::seconds(70));
  double stop_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - stop_start)
          .count();

  auto stripped = base / "laps-agent.stripped";
  std::string strip = "strip -o '" + stripped.string() + "' '" + LAPS_AGENT_PATH + "'";
  std::uintmax_t stripped_size = 0;
  if (std::system(strip.c_str()) == 0) stripped_size = std::filesystem::file_size(stripped);
  double tick_ms = 1000.0 / static_cast<double>(::sysconf(_SC_CLK_TCK));

  std::printf("rotations                 %d (last password opens the shadow entry: %s)\n",
              rotations, opens ? "yes" : "NO");
  std::printf("rotate-to-done p50        %.1f ms\n", Percentile(latencies_ms, 50));
  std::printf("rotate-to-done p99        %.1f ms\n", Percentile(latencies_ms, 99));
  std::printf("rotate-to-done max        %.1f ms\n", Percentile(latencies_ms, 100));
  std::printf("idle VmRSS                %ld kB\n", rss_kb);
  std::printf("idle CPU over %4d s       %.0f ms (utime+stime)\n", idle_seconds,
              static_cast<double>(cpu_after - cpu_before) * tick_ms);
  std::printf("laps-agent stripped size  %ju bytes\n", stripped_size);
  std::printf("agent exit on SIGTERM     %d after %.0f ms\n", exit_code, stop_ms);
  return opens && exit_code == 0 ? 0 : 1;
}
