// fleet_load: a load driver for lapsd's device API, with a plain-GET mode
// so the same driver measures a reference server (nginx) in the same run.
//
//   fleet_load checkin --url URL --admin-file F --devices N --threads T --seconds S
//   fleet_load static  --url URL --target /index.html --threads T --seconds S
//   fleet_load idle    --url URL --admin-file F --devices N --pid LAPSD_PID
//
// checkin enrolls N devices (one enrollment token), then T threads each
// send signed check-ins round-robin over their share of the fleet on one
// keep-alive connection. idle parks N signed long-polls and reports lapsd's
// resident memory before and after. Everything is bounded by --seconds or
// --devices and stops by itself; it only talks to the URL it is given.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "crypto/csprng.h"
#include "crypto/encoding.h"
#include "crypto/escrow_box.h"
#include "crypto/request_signing.h"
#include "crypto/signing.h"
#include "http/client.h"

namespace {

using namespace openlaps;  // NOLINT: a tool's main file
using Clock = std::chrono::steady_clock;

struct Options {
  std::string mode;
  std::string url = "http://127.0.0.1:8080";
  std::string admin_file;
  std::string target = "/";
  int devices = 1000;
  int threads = 2;
  int seconds = 10;
  int pid = 0;
  bool signed_requests = false;  // --auth signed: Ed25519 on every request
};

struct Device {
  std::string id;
  crypto::SigningKeyPair keys;
  std::string session;  // "<id>.<expiry>" once opened
  core::SecretString session_key;
};

[[noreturn]] void Die(const std::string& message) {
  std::fprintf(stderr, "fleet_load: %s\n", message.c_str());
  std::exit(1);
}

Options ParseOptions(int argc, char** argv) {
  if (argc < 2) Die("usage: fleet_load checkin|static|idle [--url U] [--devices N] ...");
  Options o;
  o.mode = argv[1];
  for (int i = 2; i + 1 < argc; i += 2) {
    std::string k = argv[i], v = argv[i + 1];
    if (k == "--url")
      o.url = v;
    else if (k == "--admin-file")
      o.admin_file = v;
    else if (k == "--target")
      o.target = v;
    else if (k == "--devices")
      o.devices = std::stoi(v);
    else if (k == "--threads")
      o.threads = std::stoi(v);
    else if (k == "--seconds")
      o.seconds = std::min(std::stoi(v), 600);
    else if (k == "--pid")
      o.pid = std::stoi(v);
    else if (k == "--auth")
      o.signed_requests = v == "signed";
    else
      Die("unknown option " + k);
  }
  return o;
}

std::unique_ptr<http::HttpClient> Connect(const std::string& url) {
  auto client = http::HttpClient::Create(url);
  if (!client.ok()) Die(client.status().ToString());
  return std::move(client).value();
}

nlohmann::json Call(http::HttpClient& client, const std::string& method, const std::string& target,
                    const std::string& token, const nlohmann::json& body) {
  http::Headers headers{{"Content-Type", "application/json"}};
  if (!token.empty()) headers["Authorization"] = "Bearer " + token;
  auto r = client.Send(method, target, headers, body.is_null() ? "" : body.dump());
  if (!r.ok()) Die(r.status().ToString());
  if (r->status >= 300)
    Die(method + " " + target + ": HTTP " + std::to_string(r->status) + " " + r->body);
  return nlohmann::json::parse(r->body, nullptr, false);
}

void OpenSession(http::HttpClient& client, Device& d, const crypto::BoxKeyPair& box);

// Enrolls `count` devices with one multi-use token, in parallel.
std::vector<Device> EnrollFleet(const Options& o, int count) {
  std::ifstream in(o.admin_file);
  std::stringstream text;
  text << in.rdbuf();
  auto creds = nlohmann::json::parse(text.str(), nullptr, false);
  if (!creds.is_object()) Die("cannot read " + o.admin_file);
  auto admin = Connect(o.url);
  auto login = Call(*admin, "POST", "/api/v1/login", "",
                    {{"userName", creds["userName"]}, {"password", creds["password"]}});
  std::string token = login["access_token"];
  auto enrollment = Call(*admin, "POST", "/api/v1/enrollmentTokens", token,
                         {{"name", "load"}, {"uses", count}, {"expiresInHours", 1}});
  std::string secret = enrollment["token"];

  std::vector<Device> fleet(count);
  std::vector<std::thread> workers;
  int threads = std::max(1, o.threads);
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      auto client = Connect(o.url);
      for (int i = t; i < count; i += threads) {
        Device& d = fleet[i];
        d.keys = crypto::SigningKeyPair::Generate();
        auto box = crypto::BoxKeyPair::Generate();
        auto answer = Call(*client, "POST", "/device/v1/enroll", "",
                           {{"enrollmentToken", secret},
                            {"deviceName", "load-" + std::to_string(i)},
                            {"platform", "linux"},
                            {"signPublicKey", crypto::Base64UrlEncode(d.keys.public_key)},
                            {"boxPublicKey", crypto::Base64UrlEncode(box.public_key)}});
        d.id = answer["deviceId"];
        if (!o.signed_requests) OpenSession(*client, d, box);
      }
    });
  }
  for (auto& w : workers) w.join();
  return fleet;
}

// Ed25519-signed headers, or session-MAC'd ones once the device has a session.
http::Headers SignedHeaders(const Device& d, const std::string& method, const std::string& target,
                            const std::string& body) {
  auto now = std::chrono::duration_cast<std::chrono::seconds>(
                 std::chrono::system_clock::now().time_since_epoch())
                 .count();
  if (!d.session.empty()) {
    auto mac =
        crypto::MacRequest(crypto::AsBytes(d.session_key.Reveal()), method, target, now, body);
    return {{std::string(crypto::kDeviceIdHeader), d.id},
            {std::string(crypto::kSessionHeader), d.session},
            {std::string(crypto::kTimestampHeader), mac.timestamp},
            {std::string(crypto::kNonceHeader), mac.nonce},
            {std::string(crypto::kMacHeader), mac.mac},
            {"Content-Type", "application/json"}};
  }
  auto sig = crypto::SignRequest(d.keys, method, target, now, body);
  return {{std::string(crypto::kDeviceIdHeader), d.id},
          {std::string(crypto::kTimestampHeader), sig.timestamp},
          {std::string(crypto::kNonceHeader), sig.nonce},
          {std::string(crypto::kSignatureHeader), sig.signature},
          {"Content-Type", "application/json"}};
}

void OpenSession(http::HttpClient& client, Device& d, const crypto::BoxKeyPair& box) {
  std::string body = "{}";
  auto r = client.Send("POST", "/device/v1/session",
                       SignedHeaders(d, "POST", "/device/v1/session", body), body);
  if (!r.ok() || r->status != 200) Die("cannot open a device session");
  auto answer = nlohmann::json::parse(r->body, nullptr, false);
  auto sealed = crypto::Base64UrlDecode(answer.value("sealedKey", ""));
  if (!sealed.ok()) Die("malformed session key");
  auto key = crypto::Open(box, *sealed);
  if (!key.ok()) Die("cannot open the session key");
  d.session = answer["session"];
  d.session_key = std::move(key).value();
}

struct Totals {
  std::vector<double> latencies_us;
  long errors = 0;
};

void Report(const std::string& name, std::vector<Totals>& per_thread, double seconds) {
  std::vector<double> all;
  long errors = 0;
  for (auto& t : per_thread) {
    all.insert(all.end(), t.latencies_us.begin(), t.latencies_us.end());
    errors += t.errors;
  }
  std::sort(all.begin(), all.end());
  auto pct = [&](double p) {
    return all.empty() ? 0.0
                       : all[std::min(all.size() - 1, static_cast<std::size_t>(p * all.size()))];
  };
  std::printf(
      "{\"mode\":\"%s\",\"requests\":%zu,\"errors\":%ld,\"seconds\":%.2f,\"rps\":%.0f,"
      "\"p50_us\":%.0f,\"p99_us\":%.0f}\n",
      name.c_str(), all.size(), errors, seconds, all.size() / seconds, pct(0.50), pct(0.99));
}

// Runs `step` on T threads until the deadline, timing each call.
template <typename Step>
void RunTimed(const Options& o, const std::string& name, Step step) {
  std::vector<Totals> totals(o.threads);
  std::vector<std::thread> workers;
  auto start = Clock::now();
  auto deadline = start + std::chrono::seconds(o.seconds);
  for (int t = 0; t < o.threads; ++t) {
    workers.emplace_back([&, t] {
      auto client = Connect(o.url);
      for (long i = 0; Clock::now() < deadline; ++i) {
        auto begin = Clock::now();
        bool ok = step(*client, t, i);
        auto end = Clock::now();
        if (ok) {
          totals[t].latencies_us.push_back(
              std::chrono::duration<double, std::micro>(end - begin).count());
        } else {
          ++totals[t].errors;
        }
      }
    });
  }
  for (auto& w : workers) w.join();
  Report(name, totals, std::chrono::duration<double>(Clock::now() - start).count());
}

long ResidentKiB(int pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

void RunIdle(const Options& o) {
  auto fleet = EnrollFleet(o, o.devices);
  std::string host = o.url.substr(o.url.find("//") + 2);
  std::string address = host.substr(0, host.find(':'));
  int port = std::stoi(host.substr(host.find(':') + 1));
  long before = ResidentKiB(o.pid);
  std::vector<int> sockets;
  for (const Device& d : fleet) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    ::inet_pton(AF_INET, address.c_str(), &addr.sin_addr);
    if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      Die("connect failed after " + std::to_string(sockets.size()) + " connections");
    }
    std::string target = "/device/v1/actions?wait=300";
    std::string request = "GET " + target + " HTTP/1.1\r\nHost: " + host + "\r\n";
    for (const auto& [k, v] : SignedHeaders(d, "GET", target, "")) request += k + ": " + v + "\r\n";
    request += "\r\n";
    if (::write(fd, request.data(), request.size()) != static_cast<ssize_t>(request.size())) {
      Die("write failed");
    }
    sockets.push_back(fd);
  }
  // Parked when the server answers a fresh request while all of them wait.
  auto probe = Connect(o.url);
  if (!probe->Send("GET", "/healthz").ok()) Die("lapsd stopped answering");
  long after = ResidentKiB(o.pid);
  std::printf(
      "{\"mode\":\"idle\",\"connections\":%zu,\"rss_before_kib\":%ld,\"rss_after_kib\":%ld,"
      "\"kib_per_10k\":%.0f}\n",
      sockets.size(), before, after,
      (after - before) * 10000.0 / std::max<std::size_t>(1, sockets.size()));
  for (int fd : sockets) ::close(fd);
}

}  // namespace

int main(int argc, char** argv) {
  Options o = ParseOptions(argc, argv);
  if (o.mode == "static") {
    RunTimed(o, "static", [&](http::HttpClient& c, int, long) {
      auto r = c.Send("GET", o.target);
      return r.ok() && r->status == 200;
    });
  } else if (o.mode == "checkin") {
    auto enroll_start = Clock::now();
    auto fleet = EnrollFleet(o, o.devices);
    std::fprintf(stderr, "enrolled %zu devices in %.1f s\n", fleet.size(),
                 std::chrono::duration<double>(Clock::now() - enroll_start).count());
    RunTimed(o, o.signed_requests ? "checkin-signed" : "checkin-session",
             [&](http::HttpClient& c, int t, long i) {
               const Device& d = fleet[(t + i * o.threads) % fleet.size()];
               std::string body = "{\"lapsState\":\"ok\"}";
               auto r = c.Send("POST", "/device/v1/checkin",
                               SignedHeaders(d, "POST", "/device/v1/checkin", body), body);
               return r.ok() && r->status == 200;
             });
  } else if (o.mode == "idle") {
    if (o.pid <= 0) Die("idle needs --pid of lapsd");
    RunIdle(o);
  } else {
    Die("unknown mode " + o.mode);
  }
  return 0;
}
