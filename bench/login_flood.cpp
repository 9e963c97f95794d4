// login_flood: floods POST /api/v1/login with wrong passwords from several
// connections while one more connection measures GET /healthz, and measures
// /healthz alone first, in the same run, so the two figures compare.
//
//   login_flood --url URL --user NAME --connections N --seconds S
//
// Prints one JSON line: /healthz p50/p99 without and with the flood, the
// flood's answers by HTTP status and its attempts per second. Bounded by
// --seconds per phase; it only talks to the URL it is given.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "http/client.h"

namespace {

using namespace openlaps;  // NOLINT: a tool's main file
using Clock = std::chrono::steady_clock;

struct Latency {
  double p50_us = 0;
  double p99_us = 0;
  std::size_t samples = 0;
};

Latency Percentiles(std::vector<double> us) {
  Latency l;
  l.samples = us.size();
  if (us.empty()) return l;
  std::sort(us.begin(), us.end());
  l.p50_us = us[us.size() / 2];
  l.p99_us = us[std::min(us.size() - 1, us.size() * 99 / 100)];
  return l;
}

// GET /healthz back to back on one keep-alive connection for `seconds`.
Latency MeasureHealthz(const std::string& url, int seconds) {
  auto client = http::HttpClient::Create(url);
  if (!client.ok()) {
    std::fprintf(stderr, "login_flood: %s\n", client.status().ToString().c_str());
    std::exit(2);
  }
  std::vector<double> us;
  auto end = Clock::now() + std::chrono::seconds(seconds);
  while (Clock::now() < end) {
    auto start = Clock::now();
    auto reply = (*client)->Send("GET", "/healthz");
    auto took = std::chrono::duration<double, std::micro>(Clock::now() - start).count();
    if (reply.ok() && reply->status == 200) us.push_back(took);
    // A short pause: a sample, not a second load.
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return Percentiles(std::move(us));
}

}  // namespace

int main(int argc, char** argv) {
  std::string url = "http://127.0.0.1:8080";
  std::string user = "admin";
  int connections = 8;
  int seconds = 10;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string key = argv[i];
    std::string value = argv[i + 1];
    if (key == "--url")
      url = value;
    else if (key == "--user")
      user = value;
    else if (key == "--connections")
      connections = std::stoi(value);
    else if (key == "--seconds")
      seconds = std::stoi(value);
    else {
      std::fprintf(stderr,
                   "usage: login_flood --url URL --user NAME --connections N --seconds S\n");
      return 1;
    }
  }

  Latency quiet = MeasureHealthz(url, seconds);

  std::atomic<bool> stop{false};
  std::mutex mu;
  std::map<int, long> statuses;  // GUARDED_BY(mu)
  std::vector<std::thread> flood;
  auto flood_start = Clock::now();
  for (int c = 0; c < connections; ++c) {
    flood.emplace_back([&, c] {
      auto client = http::HttpClient::Create(url);
      if (!client.ok()) return;
      std::map<int, long> mine;
      long n = 0;
      while (!stop.load()) {
        std::string body =
            nlohmann::json{{"userName", user},
                           {"password", "wrong-" + std::to_string(c) + "-" + std::to_string(n++)}}
                .dump();
        auto reply =
            (*client)->Send("POST", "/api/v1/login", {{"Content-Type", "application/json"}}, body);
        ++mine[reply.ok() ? reply->status : -1];
      }
      std::lock_guard<std::mutex> lock(mu);
      for (auto [status, count] : mine) statuses[status] += count;
    });
  }
  Latency loaded = MeasureHealthz(url, seconds);
  stop = true;
  for (auto& t : flood) t.join();
  double flood_seconds = std::chrono::duration<double>(Clock::now() - flood_start).count();

  long attempts = 0;
  nlohmann::json by_status = nlohmann::json::object();
  for (auto [status, count] : statuses) {
    by_status[std::to_string(status)] = count;
    attempts += count;
  }
  nlohmann::json out = {
      {"connections", connections},
      {"seconds", seconds},
      {"healthz_quiet",
       {{"p50_us", quiet.p50_us}, {"p99_us", quiet.p99_us}, {"samples", quiet.samples}}},
      {"healthz_flood",
       {{"p50_us", loaded.p50_us}, {"p99_us", loaded.p99_us}, {"samples", loaded.samples}}},
      {"login_attempts_per_s", attempts / flood_seconds},
      {"login_statuses", by_status}};
  std::printf("%s\n", out.dump().c_str());
  return 0;
}
