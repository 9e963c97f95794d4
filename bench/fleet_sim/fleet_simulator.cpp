#include "fleet_sim/fleet_simulator.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cstdio>
#include <exception>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>

#include "agent/device_client.h"
#include "crypto/csprng.h"
#include "fleet_sim/async_connection.h"
#include "fleet_sim/device_protocol.h"
#include "fleet_sim/virtual_device.h"

namespace openlaps::fleet {
namespace {

using std::chrono::steady_clock;
using namespace std::chrono_literals;

constexpr auto kRequestTimeout = 30s;
// Parking starts this many long-polls at a time, so lapsd's accept backlog
// never overflows (dropped SYNs would stall the run for seconds).
constexpr int kParkBatch = 256;
constexpr auto kParkTimeout = 30s;
// Parked requests settle in lapsd's memory before it is read.
constexpr auto kParkSettle = 500ms;
// A requested rotation still not done this long after the window is lost.
constexpr auto kRotationGrace = 30s;
// How long a burst waits, once every worker is done, for parked devices to
// come back after the policy change.
constexpr auto kWakeGrace = 10s;
constexpr auto kRetryPause = 1s;
constexpr const char* kTemplateId = "adc46e5a-f4aa-4ff6-aeff-4f27bc525796_1";

long ResidentKiB(int pid) {
  if (pid <= 0) return -1;
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

Result<std::pair<std::string, std::string>> ReadAdminFile(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  auto creds = nlohmann::json::parse(text.str(), nullptr, false);
  if (!creds.is_object() || !creds.contains("userName") || !creds.contains("password")) {
    return InvalidArgumentError("cannot read userName and password from " + path.string());
  }
  return std::make_pair(creds["userName"].get<std::string>(), creds["password"].get<std::string>());
}

class FleetSimulator {
 public:
  FleetSimulator(net::io_context& io, SimulatorOptions options, ServerAddress server)
      : io_(io),
        options_(std::move(options)),
        server_(std::move(server)),
        setup_protocol_(setup_stats_, random_, stopping_),
        protocol_(stats_, random_, stopping_),
        admin_(io.get_executor(), server_) {}

  net::awaitable<void> Main();
  Status failure() const { return failure_; }
  const std::string& crash() const { return crash_; }
  SimulatorReport Report() const;

 private:
  net::awaitable<void> Sleep(steady_clock::duration d) {
    net::steady_timer timer(io_, d);
    boost::system::error_code ignored;
    co_await timer.async_wait(net::redirect_error(net::use_awaitable, ignored));
  }
  // Every coroutine starts here: one that throws stops the run (a detached
  // one would vanish and leave the run waiting for it).
  void Spawn(net::awaitable<void> task) {
    net::co_spawn(io_, std::move(task), [this](std::exception_ptr e) {
      if (!e) return;
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& ex) {
        if (crash_.empty()) crash_ = ex.what();
      }
      io_.stop();
    });
  }
  std::unique_ptr<AsyncConnection> NewConnection() {
    return std::make_unique<AsyncConnection>(io_.get_executor(), server_);
  }

  net::awaitable<Result<nlohmann::json>> AdminCall(std::string_view op, std::string_view method,
                                                   std::string_view target,
                                                   const nlohmann::json& body);
  net::awaitable<Status> LoadOrEnroll();
  net::awaitable<Status> EnrollFrom(std::size_t first);
  // Runs `step(connection, device index)` for indexes [begin, end) on
  // `concurrency` connections.
  template <typename Step>
  net::awaitable<void> ForEachDevice(std::size_t begin, std::size_t end, Step step);
  net::awaitable<Status> ParkLongPolls();
  net::awaitable<void> LongPollLoop(std::size_t index, AsyncConnection& connection);
  net::awaitable<void> CheckinWorker(std::size_t first);
  net::awaitable<void> RotationDriver();
  net::awaitable<void> ChangePolicy();
  net::awaitable<void> RunStatic();

  net::io_context& io_;
  const SimulatorOptions options_;
  const ServerAddress server_;
  crypto::CsprngRandom random_;
  OpStats setup_stats_;
  OpStats stats_;
  bool stopping_ = false;
  DeviceProtocol setup_protocol_;
  DeviceProtocol protocol_;
  AsyncConnection admin_;
  std::string admin_token_;
  Fleet fleet_;
  std::size_t device_count_ = 0;
  std::vector<std::unique_ptr<AsyncConnection>> poll_connections_;
  long parked_ = 0;
  bool policy_change_started_ = false;
  long woken_checkins_ = 0;  // parked devices that checked in since the policy change
  int polls_running_ = 0;
  int workers_running_ = 0;
  bool rotations_issued_ = false;
  steady_clock::time_point window_start_{};
  steady_clock::time_point window_end_{};
  steady_clock::time_point deadline_{};
  long enrolled_ = 0;
  double enroll_seconds_ = 0;
  long rss_before_park_ = -1, rss_parked_ = -1, rss_end_ = -1;
  Status failure_;
  std::string crash_;
};

net::awaitable<Result<nlohmann::json>> FleetSimulator::AdminCall(std::string_view op,
                                                                 std::string_view method,
                                                                 std::string_view target,
                                                                 const nlohmann::json& body) {
  http::Headers headers{{"Content-Type", "application/json"}};
  if (!admin_token_.empty()) headers["Authorization"] = "Bearer " + admin_token_;
  auto started = steady_clock::now();
  std::string text = body.is_null() ? std::string() : body.dump();
  auto response =
      co_await admin_.Send(method, target, headers, text, steady_clock::now() + kRequestTimeout);
  OpStats& stats = window_start_ == steady_clock::time_point{} ? setup_stats_ : stats_;
  Status failure = response.ok() ? Status::Ok() : response.status();
  if (response.ok() && (response->status < 200 || response->status >= 300)) {
    failure = agent::StatusFromHttp(*response);
  }
  if (!failure.ok()) {
    stats.RecordError(op, failure.message());
    co_return failure;
  }
  stats.Record(op, steady_clock::now() - started);
  if (response->body.empty()) co_return nlohmann::json::object();
  co_return nlohmann::json::parse(response->body, nullptr, false);
}

template <typename Step>
net::awaitable<void> FleetSimulator::ForEachDevice(std::size_t begin, std::size_t end, Step step) {
  std::size_t next = begin;
  int running = 0;
  auto worker = [&]() -> net::awaitable<void> {
    auto connection = NewConnection();
    while (next < end) {
      const std::size_t index = next++;
      co_await step(*connection, index);
    }
    --running;
  };
  for (int i = 0; i < options_.concurrency; ++i) {
    ++running;
    Spawn(worker());
  }
  // The workers count `running` down while this coroutine sleeps.
  while (running > 0) co_await Sleep(5ms);  // NOLINT(bugprone-infinite-loop)
}

net::awaitable<Status> FleetSimulator::EnrollFrom(std::size_t first) {
  std::string token = options_.token;
  if (token.empty()) {
    if (admin_token_.empty()) {
      co_return InvalidArgumentError("enrolling needs --token or --admin-file");
    }
    // A device group for the fleet, so a policy change can target it.
    if (!fleet_.header.contains("groupId")) {
      nlohmann::json group_body = {{"displayName", "fleet-sim-" + crypto::RandomToken(4)},
                                   {"openlapsGroupKind", "device"}};
      auto group = co_await AdminCall("admin-setup", "POST", "/v1.0/groups", group_body);
      if (!group.ok()) co_return group.status();
      fleet_.header["groupId"] = (*group)["id"];
    }
    nlohmann::json token_body = {{"name", "fleet-sim"},
                                 {"uses", static_cast<long>(device_count_ - first)},
                                 {"expiresInHours", 24},
                                 {"groupIds", nlohmann::json::array({fleet_.header["groupId"]})}};
    auto created =
        co_await AdminCall("admin-setup", "POST", "/api/v1/enrollmentTokens", token_body);
    if (!created.ok()) co_return created.status();
    token = (*created)["token"].get<std::string>();
  }
  fleet_.devices.resize(device_count_);
  auto started = steady_clock::now();
  bool failed = false;
  co_await ForEachDevice(
      first, device_count_, [&](AsyncConnection& c, std::size_t i) -> net::awaitable<void> {
        if (failed) co_return;
        std::string name = "sim-" + std::to_string(i);
        Status s = co_await setup_protocol_.Enroll(c, fleet_.devices[i], token, name);
        if (!s.ok()) failed = true;
      });
  enroll_seconds_ = std::chrono::duration<double>(steady_clock::now() - started).count();
  enrolled_ = static_cast<long>(device_count_ - first);
  if (failed) co_return UnavailableError("enrollment failed; see the setup errors");
  co_return Status::Ok();
}

net::awaitable<Status> FleetSimulator::LoadOrEnroll() {
  device_count_ = static_cast<std::size_t>(options_.devices);
  std::size_t have = 0;
  if (!options_.fleet_file.empty()) {
    auto loaded = LoadFleet(options_.fleet_file);
    if (loaded.ok()) {
      fleet_ = std::move(loaded).value();
      have = std::min(fleet_.devices.size(), device_count_);
    } else if (!loaded.status().IsNotFound()) {
      co_return loaded.status();
    }
  }
  if (have < device_count_) {
    Status enrolled = co_await EnrollFrom(have);
    if (!enrolled.ok()) co_return enrolled;
    if (!options_.fleet_file.empty()) co_return SaveFleet(options_.fleet_file, fleet_);
  }
  co_return Status::Ok();
}

net::awaitable<void> FleetSimulator::LongPollLoop(std::size_t index, AsyncConnection& connection) {
  VirtualDevice& device = fleet_.devices[index];
  bool counted = false;
  bool counted_change = false;
  // A std::function, not a lambda: no temporary may span a co_await (GCC 12).
  std::function<void()> on_parked = [&] {
    if (!counted) ++parked_;
    counted = true;
  };
  // Parked until the run ends; the simulator closes the connection then.
  SteadyTime stop_at = steady_clock::now() + std::chrono::hours(24);
  while (!stopping_) {
    auto answer = co_await protocol_.WaitForActions(connection, device, options_.long_poll_wait,
                                                    stop_at, &on_parked);
    if (stopping_) break;
    if (!answer.ok()) {
      co_await Sleep(kRetryPause);
      continue;
    }
    bool rotated = false;
    for (const protocol::ActionSummary& action : answer->actions) {
      if (action.kind != protocol::kRotateAction) continue;
      Status done = co_await protocol_.CarryOutRotation(connection, device, action.id);
      rotated = true;
      if (!done.ok()) co_await Sleep(kRetryPause);
    }
    // Woken without an action, something changed for it (a policy): check
    // in. The first return after a policy change began counts the device as
    // having seen it (a rotation ends with a check-in of its own).
    bool first_since_change = policy_change_started_ && !counted_change;
    if (!rotated && (answer->woken || first_since_change)) {
      (void)co_await protocol_.Checkin(connection, device, "checkin-woken");
    }
    if (first_since_change) {
      counted_change = true;
      ++woken_checkins_;
    }
  }
  --polls_running_;
}

net::awaitable<Status> FleetSimulator::ParkLongPolls() {
  std::size_t count = static_cast<std::size_t>(options_.long_polls);
  // Ready them the way an agent starts: session, check-in, first escrow.
  co_await ForEachDevice(0, count, [&](AsyncConnection& c, std::size_t i) -> net::awaitable<void> {
    VirtualDevice& d = fleet_.devices[i];
    auto checked_in = co_await setup_protocol_.Checkin(c, d);
    if (checked_in.ok() && !d.escrowed) (void)co_await setup_protocol_.EscrowNewPassword(c, d);
  });
  rss_before_park_ = ResidentKiB(options_.lapsd_pid);
  for (std::size_t i = 0; i < count; ++i) poll_connections_.push_back(NewConnection());
  for (std::size_t begin = 0; begin < count; begin += kParkBatch) {
    std::size_t end = std::min(count, begin + kParkBatch);
    for (std::size_t i = begin; i < end; ++i) {
      ++polls_running_;
      Spawn(LongPollLoop(i, *poll_connections_[i]));
    }
    auto give_up = steady_clock::now() + kParkTimeout;
    while (parked_ < static_cast<long>(end) && steady_clock::now() < give_up) co_await Sleep(2ms);
    if (parked_ < static_cast<long>(end)) {
      co_return UnavailableError("only " + std::to_string(parked_) + " of " + std::to_string(end) +
                                 " long-polls could be parked");
    }
  }
  co_await Sleep(kParkSettle);
  rss_parked_ = ResidentKiB(options_.lapsd_pid);
  co_return Status::Ok();
}

net::awaitable<void> FleetSimulator::CheckinWorker(std::size_t first) {
  auto connection = NewConnection();
  std::size_t stride = static_cast<std::size_t>(options_.concurrency);
  bool in_time = true;
  for (int pass = 0;
       in_time && (options_.checkins_per_device == 0 || pass < options_.checkins_per_device);
       ++pass) {
    for (std::size_t i = first; in_time && i < device_count_; i += stride) {
      (void)co_await protocol_.Checkin(*connection, fleet_.devices[i]);
      in_time = steady_clock::now() < deadline_;
    }
  }
  --workers_running_;
}

net::awaitable<void> FleetSimulator::RotationDriver() {
  steady_clock::duration interval = options_.rotation_interval;
  if (interval == steady_clock::duration::zero()) {
    interval =
        std::chrono::duration_cast<steady_clock::duration>(options_.duration) / options_.rotations;
  }
  bool burst = options_.checkins_per_device > 0 && workers_running_ > 0;
  for (int r = 0; r < options_.rotations; ++r) {
    co_await Sleep(window_start_ + interval * r + interval / 2 - steady_clock::now());
    if (steady_clock::now() >= deadline_ || (burst && workers_running_ == 0)) break;
    VirtualDevice& device = fleet_.devices[static_cast<std::size_t>(r % options_.long_polls)];
    if (device.rotation_requested) {
      stats_.RecordError("admin-rotate", "the previous rotation of this device is not done");
      continue;
    }
    // Started before the request: the agent may be done before lapsd answers.
    device.rotation_requested = steady_clock::now();
    std::string target =
        "/v1.0/deviceManagement/managedDevices/" + device.device_id + "/rotateLocalAdminPassword";
    nlohmann::json no_body;
    auto asked = co_await AdminCall("admin-rotate", "POST", target, no_body);
    if (!asked.ok()) device.rotation_requested.reset();
  }
  rotations_issued_ = true;
}

net::awaitable<void> FleetSimulator::ChangePolicy() {
  if (!fleet_.header.contains("groupId")) {
    stats_.RecordError("policy-change", "the fleet has no group (enrolled with --token)");
    co_return;
  }
  policy_change_started_ = true;
  // Each change flips PasswordAgeDays, so every run really changes the policy.
  int age = fleet_.header.value("policyAgeDays", 30) == 30 ? 31 : 30;
  std::string policies = "/beta/deviceManagement/configurationPolicies";
  if (fleet_.header.contains("policyId")) {
    nlohmann::json change = {{"lapsSettings", {{"backupDirectory", 1}, {"passwordAgeDays", age}}}};
    std::string target = policies + "/" + fleet_.header["policyId"].get<std::string>();
    auto changed = co_await AdminCall("policy-change", "PATCH", target, change);
    if (changed.ok()) fleet_.header["policyAgeDays"] = age;
    co_return;
  }
  nlohmann::json policy = {{"name", "fleet-sim"},
                           {"platforms", "windows10,linux"},
                           {"technologies", "mdm"},
                           {"templateReference", {{"templateId", kTemplateId}}},
                           {"lapsSettings", {{"backupDirectory", 1}, {"passwordAgeDays", age}}}};
  auto created = co_await AdminCall("policy-change", "POST", policies, policy);
  if (!created.ok()) co_return;
  std::string id = (*created)["id"].get<std::string>();
  nlohmann::json assignment = {{"assignments",
                                {{{"target",
                                   {{"@odata.type", "#microsoft.graph.groupAssignmentTarget"},
                                    {"groupId", fleet_.header["groupId"]}}}}}}};
  std::string assign_target = policies + "/" + id + "/assign";
  auto assigned = co_await AdminCall("policy-change", "POST", assign_target, assignment);
  if (assigned.ok()) {
    fleet_.header["policyId"] = id;
    fleet_.header["policyAgeDays"] = age;
  }
}

net::awaitable<void> FleetSimulator::RunStatic() {
  window_start_ = steady_clock::now();
  deadline_ = window_start_ + options_.duration;
  int running = 0;
  auto worker = [&]() -> net::awaitable<void> {
    auto connection = NewConnection();
    const http::Headers no_headers;
    while (steady_clock::now() < deadline_) {
      auto started = steady_clock::now();
      auto r = co_await connection->Send("GET", options_.static_target, no_headers, "",
                                         steady_clock::now() + kRequestTimeout);
      if (r.ok() && r->status == 200) {
        stats_.Record("static-get", steady_clock::now() - started);
      } else {
        stats_.RecordError("static-get",
                           r.ok() ? "HTTP " + std::to_string(r->status) : r.status().message());
      }
    }
    --running;
  };
  for (int i = 0; i < options_.concurrency; ++i) {
    ++running;
    Spawn(worker());
  }
  // The workers count `running` down while this coroutine sleeps.
  while (running > 0) co_await Sleep(5ms);  // NOLINT(bugprone-infinite-loop)
  window_end_ = steady_clock::now();
}

net::awaitable<void> FleetSimulator::Main() {
  if (!options_.static_target.empty()) {
    co_await RunStatic();
    co_return;
  }
  if (!options_.admin_file.empty()) {
    auto creds = ReadAdminFile(options_.admin_file);
    if (!creds.ok()) {
      failure_ = creds.status();
      co_return;
    }
    nlohmann::json login_body = {{"userName", creds->first}, {"password", creds->second}};
    auto login = co_await AdminCall("admin-setup", "POST", "/api/v1/login", login_body);
    if (!login.ok()) {
      failure_ = login.status();
      co_return;
    }
    admin_token_ = (*login)["access_token"].get<std::string>();
  }
  failure_ = co_await LoadOrEnroll();
  if (failure_.ok() && options_.long_polls > 0) failure_ = co_await ParkLongPolls();
  if (!failure_.ok()) {
    stopping_ = true;
    for (auto& c : poll_connections_) c->Close();
    co_return;
  }

  window_start_ = steady_clock::now();
  deadline_ = window_start_ + options_.duration;
  if (options_.policy_change) co_await ChangePolicy();
  std::size_t first = static_cast<std::size_t>(options_.long_polls);
  if (first < device_count_) {
    for (int w = 0; w < options_.concurrency; ++w) {
      if (first + static_cast<std::size_t>(w) >= device_count_) break;
      ++workers_running_;
      Spawn(CheckinWorker(first + static_cast<std::size_t>(w)));
    }
  }
  if (options_.rotations > 0) {
    Spawn(RotationDriver());
  } else {
    rotations_issued_ = true;
  }
  // A burst ends when every device has checked in; a timed run at the deadline.
  // With a policy change, the parked devices it woke count in a burst too.
  bool timed = options_.checkins_per_device == 0 || first >= device_count_;
  // A parked device between two long-polls when the policy changed is not
  // woken (lapsd wakes only those parked at that instant) and would only
  // see the change when its long-poll ends: the burst waits kWakeGrace for
  // stragglers, then counts them as missed.
  bool burst_woken = options_.policy_change && !timed;
  SteadyTime woken_give_up = SteadyTime::max();
  auto woken_pending = [&] {
    if (!burst_woken || woken_checkins_ >= options_.long_polls) return false;
    if (workers_running_ > 0 || !rotations_issued_) return true;
    if (woken_give_up == SteadyTime::max()) woken_give_up = steady_clock::now() + kWakeGrace;
    return steady_clock::now() < std::min(woken_give_up, deadline_);
  };
  while (workers_running_ > 0 || !rotations_issued_ || woken_pending() ||
         (timed && steady_clock::now() < deadline_)) {
    co_await Sleep(5ms);
  }
  window_end_ = steady_clock::now();
  if (burst_woken) {
    for (long n = options_.long_polls - woken_checkins_; n > 0; --n) {
      stats_.RecordError("checkin-woken", "a parked device did not see the policy change");
    }
  }
  auto give_up = steady_clock::now() + kRotationGrace;
  auto outstanding = [&] {
    long n = 0;
    for (std::size_t i = 0; i < first; ++i) n += fleet_.devices[i].rotation_requested ? 1 : 0;
    return n;
  };
  while (outstanding() > 0 && steady_clock::now() < give_up) co_await Sleep(5ms);
  for (long n = outstanding(); n > 0; --n) {
    stats_.RecordError("rotate-to-done", "not done 30 s after the window");
  }
  // Long-poll operations (and the wake-up check-ins) that ran past the
  // window only lengthen it; the rates use the window above.
  rss_end_ = ResidentKiB(options_.lapsd_pid);
  stopping_ = true;
  for (auto& c : poll_connections_) c->Close();
  while (polls_running_ > 0) co_await Sleep(5ms);
  if (!options_.fleet_file.empty()) {
    Status saved = SaveFleet(options_.fleet_file, fleet_);
    if (!saved.ok()) failure_ = saved;
  }
}

SimulatorReport FleetSimulator::Report() const {
  SimulatorReport r;
  auto window = window_end_ - window_start_;
  r.window_seconds = std::chrono::duration<double>(window).count();
  r.setup = setup_stats_.Summarize(std::chrono::seconds(1));
  for (auto& s : r.setup) s.per_second = 0;  // setup has no meaningful rate
  r.load = stats_.Summarize(window);
  r.errors = setup_stats_.TotalErrors() + stats_.TotalErrors();
  r.enrolled = enrolled_;
  r.enroll_seconds = enroll_seconds_;
  r.devices = static_cast<long>(device_count_);
  r.parked = parked_;
  r.rss_before_park_kib = rss_before_park_;
  r.rss_parked_kib = rss_parked_;
  r.rss_end_kib = rss_end_;
  return r;
}

}  // namespace

Status CheckOptions(const SimulatorOptions& o) {
  if (o.concurrency < 1 || o.concurrency > 10000) {
    return InvalidArgumentError("--concurrency must be 1-10000");
  }
  if (o.duration < 1s || o.duration > 600s) return InvalidArgumentError("--duration must be 1-600");
  if (!o.static_target.empty()) return Status::Ok();
  if (o.devices < 1 || o.devices > 10'000'000) {
    return InvalidArgumentError("--devices must be 1-10000000");
  }
  if (o.long_polls < 0 || o.long_polls > o.devices) {
    return InvalidArgumentError("--long-polls must be 0 to --devices");
  }
  if (o.long_poll_wait < 1 || o.long_poll_wait > 3600) {
    return InvalidArgumentError("--long-poll-wait must be 1-3600");
  }
  if (o.rotations < 0 || o.rotation_interval.count() < 0) {
    return InvalidArgumentError("--rotations and --rotation-interval-ms must not be negative");
  }
  if (o.rotations > 0 && (o.long_polls == 0 || o.admin_file.empty())) {
    return InvalidArgumentError("--rotations needs --long-polls and --admin-file");
  }
  if (o.policy_change && o.admin_file.empty()) {
    return InvalidArgumentError("--policy-change needs --admin-file");
  }
  if (o.checkins_per_device < 0) {
    return InvalidArgumentError("--checkins-per-device must not be negative");
  }
  return Status::Ok();
}

Result<SimulatorReport> RunFleetSimulation(const SimulatorOptions& options) {
  OPENLAPS_RETURN_IF_ERROR(CheckOptions(options));
  OPENLAPS_ASSIGN_OR_RETURN(ServerAddress server, ResolveServer(options.url));
  net::io_context io(1);
  FleetSimulator simulator(io, options, server);
  std::optional<Status> crashed;
  net::co_spawn(io, simulator.Main(), [&](std::exception_ptr e) {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      crashed = InternalError(std::string("the simulator stopped: ") + ex.what());
    }
  });
  io.run();
  if (crashed) return *crashed;
  if (!simulator.crash().empty()) {
    return InternalError("the simulator stopped: " + simulator.crash());
  }
  if (!simulator.failure().ok()) return simulator.failure();
  return simulator.Report();
}

nlohmann::json SimulatorReport::ToJson() const {
  nlohmann::json setup_ops = nlohmann::json::array(), load_ops = nlohmann::json::array();
  for (const auto& s : setup) setup_ops.push_back(fleet::ToJson(s));
  for (const auto& s : load) load_ops.push_back(fleet::ToJson(s));
  return {{"windowSeconds", window_seconds},
          {"errors", errors},
          {"devices", devices},
          {"enrolled", enrolled},
          {"enrollSeconds", enroll_seconds},
          {"parked", parked},
          {"rssBeforeParkKiB", rss_before_park_kib},
          {"rssParkedKiB", rss_parked_kib},
          {"rssEndKiB", rss_end_kib},
          {"setup", setup_ops},
          {"load", load_ops}};
}

std::string SimulatorReport::ToText() const {
  char line[256];
  std::string out;
  if (!setup.empty()) {
    std::snprintf(line, sizeof line, "setup (enrolled %ld devices in %.1f s):\n", enrolled,
                  enroll_seconds);
    out += line + FormatTable(setup);
  }
  std::snprintf(line, sizeof line, "load (%.2f s window, %ld devices, %ld long-polls parked):\n",
                window_seconds, devices, parked);
  out += line + FormatTable(load);
  if (rss_parked_kib >= 0 && parked > 0) {
    std::snprintf(line, sizeof line,
                  "lapsd RSS: %ld KiB before parking, %ld KiB parked (%.1f MiB per 10,000), "
                  "%ld KiB at the end\n",
                  rss_before_park_kib, rss_parked_kib,
                  (rss_parked_kib - rss_before_park_kib) * 10000.0 / parked / 1024.0, rss_end_kib);
    out += line;
  }
  std::snprintf(line, sizeof line, "errors: %ld\n", errors);
  return out + line;
}

}  // namespace openlaps::fleet
