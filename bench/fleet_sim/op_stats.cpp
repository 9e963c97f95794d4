#include "fleet_sim/op_stats.h"

#include <algorithm>
#include <cstdio>

namespace openlaps::fleet {

OpStats::Samples& OpStats::SamplesOf(std::string_view op) {
  auto it = ops_.find(op);
  if (it == ops_.end()) it = ops_.emplace(std::string(op), Samples()).first;
  return it->second;
}

void OpStats::Record(std::string_view op, std::chrono::steady_clock::duration latency) {
  double ms = std::chrono::duration<double, std::milli>(latency).count();
  std::lock_guard lock(mu_);
  SamplesOf(op).latencies_ms.push_back(ms);
}

void OpStats::RecordError(std::string_view op, const std::string& what) {
  std::lock_guard lock(mu_);
  Samples& s = SamplesOf(op);
  if (s.errors++ == 0) s.first_error = what;
}

long OpStats::TotalErrors() const {
  std::lock_guard lock(mu_);
  long total = 0;
  for (const auto& [op, s] : ops_) total += s.errors;
  return total;
}

std::vector<OpSummary> OpStats::Summarize(std::chrono::steady_clock::duration window) const {
  std::lock_guard lock(mu_);
  double seconds = std::max(1e-9, std::chrono::duration<double>(window).count());
  std::vector<OpSummary> out;
  for (const auto& [op, s] : ops_) {
    std::vector<double> sorted = s.latencies_ms;
    std::sort(sorted.begin(), sorted.end());
    // Nearest-rank percentile.
    auto rank = [&](double p) {
      if (sorted.empty()) return 0.0;
      std::size_t i = static_cast<std::size_t>(p * static_cast<double>(sorted.size()));
      return sorted[std::min(sorted.size() - 1, i)];
    };
    OpSummary summary;
    summary.op = op;
    summary.count = static_cast<long>(sorted.size());
    summary.errors = s.errors;
    summary.per_second = static_cast<double>(sorted.size()) / seconds;
    summary.p50_ms = rank(0.50);
    summary.p90_ms = rank(0.90);
    summary.p99_ms = rank(0.99);
    summary.max_ms = sorted.empty() ? 0.0 : sorted.back();
    summary.first_error = s.first_error;
    out.push_back(std::move(summary));
  }
  return out;
}

nlohmann::json ToJson(const OpSummary& s) {
  nlohmann::json j = {
      {"op", s.op},        {"count", s.count},  {"errors", s.errors}, {"perSecond", s.per_second},
      {"p50Ms", s.p50_ms}, {"p90Ms", s.p90_ms}, {"p99Ms", s.p99_ms},  {"maxMs", s.max_ms}};
  if (!s.first_error.empty()) j["firstError"] = s.first_error;
  return j;
}

std::string FormatTable(const std::vector<OpSummary>& summaries) {
  std::string out;
  char line[256];
  std::snprintf(line, sizeof line, "%-16s %9s %7s %9s %9s %9s %9s %9s\n", "operation", "count",
                "errors", "per s", "p50 ms", "p90 ms", "p99 ms", "max ms");
  out += line;
  for (const OpSummary& s : summaries) {
    std::snprintf(line, sizeof line, "%-16s %9ld %7ld %9.1f %9.2f %9.2f %9.2f %9.2f\n",
                  s.op.c_str(), s.count, s.errors, s.per_second, s.p50_ms, s.p90_ms, s.p99_ms,
                  s.max_ms);
    out += line;
  }
  for (const OpSummary& s : summaries) {
    if (!s.first_error.empty()) out += "first " + s.op + " error: " + s.first_error + "\n";
  }
  return out;
}

}  // namespace openlaps::fleet
