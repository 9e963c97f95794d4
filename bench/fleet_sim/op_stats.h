// OpStats: latencies and errors per protocol operation of the fleet
// simulator, and their summary (count, rate, p50/p90/p99/max).
//
// Thread-safe: the simulator's coroutines may run on several threads.
#ifndef OPENLAPS_BENCH_FLEET_SIM_OP_STATS_H_
#define OPENLAPS_BENCH_FLEET_SIM_OP_STATS_H_

#include <chrono>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace openlaps::fleet {

struct OpSummary {
  std::string op;
  long count = 0;  // successful operations
  long errors = 0;
  double per_second = 0;  // successful operations over the measured window
  double p50_ms = 0, p90_ms = 0, p99_ms = 0, max_ms = 0;
  std::string first_error;  // what went wrong first, for the report
};

class OpStats {
 public:
  void Record(std::string_view op, std::chrono::steady_clock::duration latency);
  void RecordError(std::string_view op, const std::string& what);

  // Summaries in operation-name order; rates over `window`.
  std::vector<OpSummary> Summarize(std::chrono::steady_clock::duration window) const;
  long TotalErrors() const;

 private:
  struct Samples {
    std::vector<double> latencies_ms;
    long errors = 0;
    std::string first_error;
  };
  Samples& SamplesOf(std::string_view op);  // mu_ held

  mutable std::mutex mu_;
  std::map<std::string, Samples, std::less<>> ops_;  // GUARDED_BY(mu_)
};

nlohmann::json ToJson(const OpSummary& summary);
// One line per operation, aligned, for people.
std::string FormatTable(const std::vector<OpSummary>& summaries);

}  // namespace openlaps::fleet

#endif  // OPENLAPS_BENCH_FLEET_SIM_OP_STATS_H_
