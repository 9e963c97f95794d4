// End to end (issue 4, item 7): a real lapsd and several real laps-agent
// processes, each on its own scratch root, walked through what an admin
// does: a policy assigned to a device group, agents back up, the admin views
// the account and rotates one device (pending, then done), two conflicting
// policies show as conflict on both, and a fresh device gets no settings
// while a configured one keeps its values.
#include <gtest/gtest.h>

#include <chrono>
#include <deque>
#include <map>
#include <memory>

#include "agent_process_lab.h"
#include "crypto/csprng.h"
#include "testing/status_matchers.h"

namespace openlaps::agent {
namespace {

using openlaps::testing::AdminSession;
using openlaps::testing::LapsdProcess;
using std::chrono::seconds;

constexpr int kConfiguredDevices = 3;
constexpr auto kWait = seconds(30);

// Polls `done` (bounded) every few milliseconds.
template <typename Predicate>
bool Eventually(Predicate done, std::chrono::milliseconds timeout = kWait) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

// One laps-agent process with its own root, state directory and log.
struct Device {
  std::string name;
  std::filesystem::path base;
  std::string id;
  pid_t pid = -1;

  std::filesystem::path root() const { return base / "root"; }
  std::filesystem::path state() const { return base / "state"; }
  std::string Log() const { return ReadLogFile(base / "agent.log"); }
};

class FleetTest : public ::testing::Test {
 protected:
  void SetUp() override {
    base_ = std::filesystem::path(::testing::TempDir()) / ("agent-fleet-" + crypto::RandomToken(6));
    std::filesystem::create_directories(base_ / "lapsd");
    lapsd_ = std::make_unique<LapsdProcess>(LAPSD_PATH, base_ / "lapsd");
    ASSERT_OK(lapsd_->Start()) << lapsd_->Log();
    ASSERT_OK_AND_ASSIGN(admin_, AdminSession::LoginInitial(lapsd_->base_url(), base_ / "lapsd"));
    auto group = admin_->Call("POST", "/v1.0/groups",
                              {{"displayName", "Linux servers"}, {"openlapsGroupKind", "device"}});
    ASSERT_EQ(group.status, 201) << group.body;
    group_id_ = group.body["id"].get<std::string>();
  }

  void TearDown() override {
    for (Device& d : devices_) {
      if (d.pid > 0) {
        ::kill(d.pid, SIGKILL);
        ::waitpid(d.pid, nullptr, 0);
      }
    }
    if (lapsd_) lapsd_->Stop();
    std::error_code ignored;
    std::filesystem::remove_all(base_, ignored);
  }

  std::string CreateAssignedPolicy(const std::string& name, int password_age_days) {
    auto policy = admin_->Call(
        "POST", "/beta/deviceManagement/configurationPolicies",
        {{"name", name},
         {"platforms", "linux"},
         {"technologies", "mdm"},
         {"templateReference", {{"templateId", kProcessLabTemplate}}},
         {"lapsSettings", {{"backupDirectory", 1}, {"passwordAgeDays", password_age_days}}}});
    EXPECT_EQ(policy.status, 201) << policy.body;
    std::string id = policy.body.value("id", "");
    auto assigned =
        admin_->Call("POST", "/beta/deviceManagement/configurationPolicies/" + id + "/assign",
                     {{"assignments",
                       {{{"target",
                          {{"@odata.type", "#microsoft.graph.groupAssignmentTarget"},
                           {"groupId", group_id_}}}}}}});
    EXPECT_EQ(assigned.status, 200) << assigned.body;
    return id;
  }

  // A scratch root, `laps-agent enroll` into the group, `laps-agent run`.
  Device& AddDevice(const std::string& name) {
    Device& d = devices_.emplace_back();
    d.name = name;
    d.base = base_ / name;
    std::filesystem::create_directories(d.root() / "etc");
    std::ofstream(d.root() / "etc/passwd") << "root:x:0:0:root:/root:/bin/bash\n";
    std::ofstream(d.root() / "etc/shadow") << "root:$6$saltsalt$notarealhash:19000:0:99999:7:::\n";
    auto token = admin_->Call("POST", "/api/v1/enrollmentTokens",
                              {{"name", name}, {"uses", 1}, {"groupIds", {group_id_}}});
    EXPECT_EQ(token.status, 201) << token.body;
    pid_t enroll =
        SpawnLogged({LAPS_AGENT_PATH, "enroll", "--server", lapsd_->base_url(), "--token",
                     token.body.value("token", ""), "--state-dir", d.state().string(), "--root",
                     d.root().string(), "--name", name, "--insecure-http"},
                    d.base / "enroll.log");
    EXPECT_EQ(WaitExit(enroll, kWait), 0) << ReadLogFile(d.base / "enroll.log");
    std::string out = ReadLogFile(d.base / "enroll.log");
    const std::string marker = "enrolled as device ";
    if (auto at = out.find(marker); at != std::string::npos) {
      d.id = out.substr(at + marker.size());
      d.id = d.id.substr(0, d.id.find_first_of("\r\n"));
    }
    StartAgent(d);
    return d;
  }

  void StartAgent(Device& d) {
    d.pid = SpawnLogged({LAPS_AGENT_PATH, "run", "--state-dir", d.state().string(), "--root",
                         d.root().string(), "--insecure-http"},
                        d.base / "agent.log");
  }

  int StopAgent(Device& d) {
    ::kill(d.pid, SIGTERM);
    int code = WaitExit(d.pid, kWait);
    d.pid = -1;
    return code;
  }

  // `laps-agent status` of the device.
  std::string AgentStatus(const Device& d) {
    pid_t pid = SpawnLogged({LAPS_AGENT_PATH, "status", "--state-dir", d.state().string()},
                            d.base / "status.log");
    EXPECT_EQ(WaitExit(pid, kWait), 0);
    std::string out = ReadLogFile(d.base / "status.log");
    std::filesystem::remove(d.base / "status.log");
    return out;
  }

  nlohmann::json Credentials(const Device& d) {
    return admin_
        ->Call("GET", "/v1.0/directory/deviceLocalCredentials/" + d.id + "?$select=credentials")
        .body;
  }

  std::string Revealed(const Device& d, const std::string& state = "current") {
    auto body = Credentials(d);
    if (!body.contains("credentials")) return {};
    for (const auto& c : body["credentials"]) {
      if (c.value("openlapsState", "") != state) continue;
      auto bytes = crypto::Base64Decode(c["passwordBase64"].get<std::string>());
      return bytes.ok() ? std::string(bytes->begin(), bytes->end()) : std::string();
    }
    return {};
  }

  bool Opens(const Device& d, const std::string& password) {
    core::SystemClock clock;
    LinuxAccountBackend backend(LinuxAccountBackend::Options{.root = d.root(), .while_locked = {}},
                                clock);
    auto result = backend.VerifyPassword({"root", 0, "S-1-22-1-0"}, core::SecretString(password));
    return result.ok() && *result;
  }

  nlohmann::json ManagedDevice(const Device& d) {
    return admin_->Call("GET", "/beta/deviceManagement/managedDevices/" + d.id).body;
  }

  std::map<std::string, std::string> StatusesOf(const std::string& policy) {
    auto r = admin_->Call(
        "GET", "/beta/deviceManagement/configurationPolicies/" + policy + "/deviceStatuses");
    std::map<std::string, std::string> out;
    for (const auto& v : r.body["value"]) out[v.value("deviceId", "")] = v.value("status", "");
    return out;
  }

  std::filesystem::path base_;
  std::unique_ptr<LapsdProcess> lapsd_;
  std::unique_ptr<AdminSession> admin_;
  std::string group_id_;
  std::deque<Device> devices_;
};

TEST_F(FleetTest, AdminWalksThroughBackupViewRotationAndConflicts) {
  // A policy assigned to the group; each agent checks in and backs up.
  std::string ten_days = CreateAssignedPolicy("LAPS 10 days", 10);
  for (int i = 0; i < kConfiguredDevices; ++i) AddDevice("srv-" + std::to_string(i));
  for (Device& d : devices_) {
    ASSERT_FALSE(d.id.empty());
    ASSERT_TRUE(Eventually([&] { return Opens(d, Revealed(d)); }))
        << d.name << " never backed up a working password\n"
        << d.Log();
  }
  EXPECT_TRUE(Eventually([&] {
    auto statuses = StatusesOf(ten_days);
    if (statuses.size() != devices_.size()) return false;
    for (const auto& [device, status] : statuses) {
      if (status != "succeeded") return false;
    }
    return true;
  })) << admin_
             ->Call("GET",
                    "/beta/deviceManagement/configurationPolicies/" + ten_days + "/deviceStatuses")
             .body;

  // The admin views one device's account: name, uid (in the SID), the
  // password, the last and next rotation.
  Device& one = devices_.front();
  auto creds = Credentials(one);
  EXPECT_EQ(creds.value("deviceName", ""), one.name) << creds;
  ASSERT_FALSE(creds["credentials"].empty()) << creds;
  EXPECT_EQ(creds["credentials"][0].value("accountName", ""), "root");
  EXPECT_EQ(creds["credentials"][0].value("accountSid", ""), "S-1-22-1-0") << "uid 0";
  std::string first_password = Revealed(one);
  EXPECT_TRUE(Opens(one, first_password));
  auto device = ManagedDevice(one);
  EXPECT_EQ(device.value("localAdminAccountName", ""), "root") << device;
  auto last = core::ParseUtc(device.value("lastPasswordRotationDateTime", ""));
  auto next = core::ParseUtc(device.value("nextPasswordRotationDateTime", ""));
  ASSERT_TRUE(last && next) << device;
  EXPECT_EQ(*next - *last, std::chrono::days(10));

  // A manual rotation of that device, queued while its agent is stopped:
  // the admin sees it pending, then done once the agent runs again.
  ASSERT_EQ(StopAgent(one), 0) << one.Log();
  auto rotate = admin_->Call("POST", "/beta/deviceManagement/managedDevices/" + one.id +
                                         "/rotateLocalAdminPassword?queue=true");
  ASSERT_EQ(rotate.status, 204) << rotate.body;
  auto action_state = [&] {
    auto results = ManagedDevice(one)["deviceActionResults"];
    return results.empty() ? std::string() : results[0].value("actionState", "");
  };
  EXPECT_EQ(action_state(), "pending");
  StartAgent(one);
  ASSERT_TRUE(Eventually([&] { return action_state() == "done"; })) << one.Log();
  std::string second_password = Revealed(one);
  EXPECT_NE(second_password, first_password);
  EXPECT_TRUE(Opens(one, second_password));
  EXPECT_FALSE(Opens(one, first_password));
  EXPECT_TRUE(Opens(devices_[1], Revealed(devices_[1]))) << "the others are untouched";

  // A policy change reaches the parked agents at once: lapsd wakes their
  // long-polls and they check in for the new settings.
  auto patched =
      admin_->Call("PATCH", "/beta/deviceManagement/configurationPolicies/" + ten_days,
                   {{"lapsSettings", {{"backupDirectory", 1}, {"passwordAgeDays", 12}}}});
  ASSERT_EQ(patched.status, 200) << patched.body;
  for (Device& d : devices_) {
    EXPECT_TRUE(Eventually([&] {
      return AgentStatus(d).find("\"passwordAgeDays\":12") != std::string::npos;
    })) << d.name
        << "\n"
        << AgentStatus(d);
  }

  // A second policy with another PasswordAgeDays for the same group: both
  // show conflict for every device (the parked agents are woken to check in).
  std::string twenty_days = CreateAssignedPolicy("LAPS 20 days", 20);
  auto all_conflict = [&](const std::string& policy) {
    auto statuses = StatusesOf(policy);
    if (statuses.size() != devices_.size()) return false;
    for (const auto& [id, status] : statuses) {
      if (status != "conflict") return false;
    }
    return true;
  };
  EXPECT_TRUE(Eventually([&] { return all_conflict(ten_days) && all_conflict(twenty_days); }));

  // A fresh device enrolled now gets no settings and manages nothing; a
  // configured one keeps the values it had (12 days; the expiry planned at
  // its last rotation, 10 days after it, stays).
  Device& fresh = AddDevice("fresh");
  ASSERT_TRUE(Eventually([&] {
    auto d = ManagedDevice(fresh);
    return !d.value("lastSyncDateTime", nlohmann::json()).is_null();
  })) << fresh.Log();
  std::string fresh_status = AgentStatus(fresh);
  EXPECT_NE(fresh_status.find("settings:        none applied"), std::string::npos) << fresh_status;
  EXPECT_EQ(admin_->Call("GET", "/v1.0/directory/deviceLocalCredentials/" + fresh.id).status, 404)
      << "nothing was backed up";
  EXPECT_NE(AgentStatus(devices_[1]).find("\"passwordAgeDays\":12"), std::string::npos)
      << AgentStatus(devices_[1]);
  auto kept = ManagedDevice(devices_[1]);
  auto kept_last = core::ParseUtc(kept.value("lastPasswordRotationDateTime", ""));
  auto kept_next = core::ParseUtc(kept.value("nextPasswordRotationDateTime", ""));
  ASSERT_TRUE(kept_last && kept_next) << kept;
  EXPECT_EQ(*kept_next - *kept_last, std::chrono::days(10));

  for (Device& d : devices_) EXPECT_EQ(StopAgent(d), 0) << d.name << "\n" << d.Log();
}

}  // namespace
}  // namespace openlaps::agent
