// Two lapsd nodes on one PostgreSQL database, as a load-balanced deployment
// runs them: any node serves any request, a wake committed on one reaches a
// device parked on the other, policy caches follow edits made elsewhere, the
// audit chain stays one chain, and a node killed mid-rotation loses nothing.
// Runs only when OPENLAPS_TEST_PG_URL names a server (scripts/with-postgres.sh).
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <iostream>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "agent/backup_directory_client.h"
#include "agent/device_client.h"
#include "agent/platform/linux/linux_account_backend.h"
#include "agent/rotator.h"
#include "core/clock.h"
#include "core/policy_json.h"
#include "crypto/csprng.h"
#include "crypto/encoding.h"
#include "http/message.h"
#include "store/postgres/scratch_database.h"
#include "support/lapsd_process.h"
#include "testing/status_matchers.h"

namespace openlaps {
namespace {

using testing::AdminSession;
using testing::LapsdProcess;

constexpr const char* kLapsTemplate = "adc46e5a-f4aa-4ff6-aeff-4f27bc525796_1";
// Long-polls last an hour: only a wake can answer one within the test.
constexpr int kLongPollSeconds = 3600;
constexpr auto kWakeDeadline = std::chrono::seconds(20);

nlohmann::json PolicyBody(const std::string& name, int age_days) {
  return {{"name", name},
          {"platforms", "windows10,linux"},
          {"technologies", "mdm"},
          {"templateReference", {{"templateId", kLapsTemplate}}},
          {"lapsSettings",
           {{"backupDirectory", 1}, {"passwordAgeDays", age_days}, {"passwordComplexity", 4}}}};
}

class MultiNodeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* server = std::getenv("OPENLAPS_TEST_PG_URL");
    if (server == nullptr || *server == '\0') GTEST_SKIP() << "OPENLAPS_TEST_PG_URL is not set";
    base_ = std::filesystem::path(::testing::TempDir()) / ("multinode-" + crypto::RandomToken(6));
    for (const char* dir : {"a", "b", "root/etc", "state"}) {
      std::filesystem::create_directories(base_ / dir);
    }
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    ASSERT_OK_AND_ASSIGN(store::postgres::ScratchDatabase database,
                         store::postgres::ScratchDatabase::Create(server, info->name()));
    database_ = std::make_unique<store::postgres::ScratchDatabase>(std::move(database));

    a_ = StartNode("a");
    ASSERT_TRUE(a_);
    // Every node opens escrow with the same key; the first start made it.
    std::filesystem::copy_file(base_ / "a/escrow.key", base_ / "b/escrow.key");
    b_ = StartNode("b");
    ASSERT_TRUE(b_);
    // The first administrator, created by node A's first start, signs in anywhere.
    ASSERT_OK_AND_ASSIGN(admin_a_, AdminSession::LoginInitial(a_->base_url(), base_ / "a"));
    ASSERT_OK_AND_ASSIGN(admin_b_, AdminSession::LoginInitial(b_->base_url(), base_ / "a"));
  }

  void TearDown() override {
    for (LapsdProcess* node : {a_.get(), b_.get()}) {
      if (node == nullptr) continue;
      if (HasFailure()) std::cerr << "lapsd log (" << node->data_dir() << "):\n" << node->Log();
      node->Stop();
    }
    a_.reset();
    b_.reset();
    database_.reset();
    if (!base_.empty()) std::filesystem::remove_all(base_);
  }

  std::unique_ptr<LapsdProcess> StartNode(const std::string& dir,
                                          const std::vector<std::string>& extra = {}) {
    // The reveal limit is for people; the concurrency test reveals 60 times.
    std::vector<std::string> args{"--database-url",  database_->conninfo(),
                                  "--long-poll-max", std::to_string(kLongPollSeconds),
                                  "--log-level",     "debug",
                                  "--reveal-limit",  "1000000"};
    args.insert(args.end(), extra.begin(), extra.end());
    auto node = std::make_unique<LapsdProcess>(LAPSD_PATH, base_ / dir, args);
    Status started = node->Start();
    EXPECT_OK(started) << node->Log();
    return started.ok() ? std::move(node) : nullptr;
  }

  std::string CreateGroup(AdminSession& admin, const std::string& name) {
    auto r = admin.Call("POST", "/v1.0/groups",
                        {{"displayName", name}, {"openlapsGroupKind", "device"}});
    EXPECT_EQ(r.status, 201) << r.body;
    return r.body.value("id", "");
  }

  std::string CreateAssignedPolicy(AdminSession& admin, const std::string& name, int age_days,
                                   const std::string& group) {
    auto policy = admin.Call("POST", "/beta/deviceManagement/configurationPolicies",
                             PolicyBody(name, age_days));
    EXPECT_EQ(policy.status, 201) << policy.body;
    std::string id = policy.body.value("id", "");
    auto assigned = admin.Call(
        "POST", "/beta/deviceManagement/configurationPolicies/" + id + "/assign",
        {{"assignments",
          {{{"target",
             {{"@odata.type", "#microsoft.graph.groupAssignmentTarget"}, {"groupId", group}}}}}}});
    EXPECT_EQ(assigned.status, 200) << assigned.body;
    return id;
  }

  // Enrolls through `node`; the device may later speak to any node.
  std::unique_ptr<agent::DeviceClient> Enroll(AdminSession& admin, LapsdProcess& node,
                                              const std::string& name, const std::string& group) {
    auto token = admin.Call("POST", "/api/v1/enrollmentTokens",
                            {{"name", name}, {"uses", 1}, {"groupIds", {group}}});
    EXPECT_EQ(token.status, 201) << token.body;
    agent::EnrollRequest request;
    request.token = token.body.value("token", "");
    request.device_name = name;
    auto device = agent::DeviceClient::Enroll(node.base_url(), request, clock_);
    EXPECT_OK(device);
    return device.ok() ? std::move(device).value() : nullptr;
  }

  // The same device, talking to another node.
  std::unique_ptr<agent::DeviceClient> Via(const agent::DeviceClient& device, LapsdProcess& node) {
    const agent::DeviceIdentity& id = device.identity();
    auto client = agent::DeviceClient::FromIdentity(
        node.base_url(),
        agent::DeviceIdentity{id.device_id, id.signing.Clone(), id.box.Clone(),
                              id.escrow_public_key},
        clock_);
    EXPECT_OK(client);
    return client.ok() ? std::move(client).value() : nullptr;
  }

  void BackUp(agent::DeviceClient& device, const std::string& rotation_id,
              const std::string& password) {
    ASSERT_OK(
        device.EscrowPending(rotation_id, "root", "S-1-22-1-0", core::SecretString(password)));
    ASSERT_OK(device.Commit(rotation_id));
  }

  std::string RevealCurrent(AdminSession& admin, const std::string& device_id) {
    auto r = admin.Call(
        "GET", "/v1.0/directory/deviceLocalCredentials/" + device_id + "?$select=credentials");
    EXPECT_EQ(r.status, 200) << r.body;
    for (const auto& c : r.body["credentials"]) {
      if (c["openlapsState"] == "current") {
        auto bytes = crypto::Base64Decode(c["passwordBase64"].get<std::string>());
        return std::string(bytes->begin(), bytes->end());
      }
    }
    return "";
  }

  void ExpectIntactAuditChain(AdminSession& admin) {
    auto verify = admin.Call("POST", "/api/v1/auditEvents/verify");
    EXPECT_EQ(verify.status, 200) << verify.body;
    EXPECT_EQ(verify.body["intact"], true) << verify.body;
  }

  core::SystemClock clock_;  // lapsd checks request timestamps
  std::filesystem::path base_;
  std::unique_ptr<store::postgres::ScratchDatabase> database_;
  std::unique_ptr<LapsdProcess> a_;
  std::unique_ptr<LapsdProcess> b_;
  std::unique_ptr<AdminSession> admin_a_;
  std::unique_ptr<AdminSession> admin_b_;
};

TEST_F(MultiNodeTest, ARotationRequestedOnBWakesADeviceParkedOnAAtOnce) {
  std::string group = CreateGroup(*admin_a_, "Wake");
  auto device = Enroll(*admin_a_, *a_, "wake-01", group);
  ASSERT_TRUE(device);
  BackUp(*device, "rot-1", "First-Password-1");
  const std::string id = device->identity().device_id;

  std::promise<Result<nlohmann::json>> answer;
  std::future<Result<nlohmann::json>> answered = answer.get_future();
  std::thread poller([&] { answer.set_value(device->WaitForActions(kLongPollSeconds)); });
  // Node A reports the never-checked-in device online only while it is parked there.
  bool parked = false;
  for (int i = 0; i < 2000 && !parked; ++i) {
    parked =
        admin_a_->Call("GET", "/beta/deviceManagement/managedDevices/" + id).body["isOnline"] ==
        true;
  }
  ASSERT_TRUE(parked);

  // Node B does not hold the poll but knows the device is online (it never
  // checked in: only the recorded long-poll says so), so it rotates now; the
  // wake is the database's notification to node A.
  EXPECT_EQ(admin_b_->Call("GET", "/beta/deviceManagement/managedDevices/" + id).body["isOnline"],
            true);
  auto started = std::chrono::steady_clock::now();
  auto rotate = admin_b_->Call(
      "POST", "/beta/deviceManagement/managedDevices/" + id + "/rotateLocalAdminPassword");
  EXPECT_EQ(rotate.status, 204) << rotate.body;
  const bool woken_in_time = answered.wait_for(kWakeDeadline) == std::future_status::ready;
  if (!woken_in_time) a_->Stop();  // answers the parked poll, so the thread ends
  poller.join();
  ASSERT_TRUE(woken_in_time) << "the device parked on node A was not woken";
  Result<nlohmann::json> result = answered.get();
  ASSERT_OK(result);
  EXPECT_TRUE((*result)["woken"].get<bool>()) << *result;
  ASSERT_EQ((*result)["actions"].size(), 1u) << *result;
  EXPECT_EQ((*result)["actions"][0]["kind"], "rotateLocalAdminPassword");
  EXPECT_LT(std::chrono::steady_clock::now() - started, kWakeDeadline);
}

TEST_F(MultiNodeTest, PolicyEditsOnAAreSeenOnBAtOnce) {
  std::string group = CreateGroup(*admin_a_, "Edits");
  std::string policy = CreateAssignedPolicy(*admin_a_, "Edited", 30, group);
  auto device = Enroll(*admin_a_, *a_, "edit-01", group);
  ASSERT_TRUE(device);
  auto on_b = Via(*device, *b_);
  ASSERT_TRUE(on_b);
  // Node B builds and caches its policy snapshot here.
  ASSERT_OK_AND_ASSIGN(nlohmann::json first, on_b->Checkin({}));
  EXPECT_EQ(first["settings"]["passwordAgeDays"], 30) << first;

  for (int age : {45, 12}) {
    auto edited = admin_a_->Call(
        "PATCH", "/beta/deviceManagement/configurationPolicies/" + policy,
        {{"lapsSettings",
          {{"backupDirectory", 1}, {"passwordAgeDays", age}, {"passwordComplexity", 4}}}});
    ASSERT_EQ(edited.status, 200) << edited.body;
    ASSERT_OK_AND_ASSIGN(nlohmann::json next, on_b->Checkin({}));
    EXPECT_EQ(next["settings"]["passwordAgeDays"], age) << next;
  }
  // Unassigning on A stops B from handing the policy out.
  auto unassigned =
      admin_a_->Call("POST", "/beta/deviceManagement/configurationPolicies/" + policy + "/assign",
                     {{"assignments", nlohmann::json::array()}});
  ASSERT_EQ(unassigned.status, 200) << unassigned.body;
  ASSERT_OK_AND_ASSIGN(nlohmann::json last, on_b->Checkin({}));
  EXPECT_FALSE(last["settings"].contains("passwordAgeDays")) << last;
}

TEST_F(MultiNodeTest, ConcurrentAuditedOperationsOnBothNodesKeepOneChain) {
  std::string group = CreateGroup(*admin_a_, "Audited");
  auto device = Enroll(*admin_a_, *a_, "audit-01", group);
  ASSERT_TRUE(device);
  BackUp(*device, "rot-1", "Audited-Password-1");
  const std::string reveal = "/v1.0/directory/deviceLocalCredentials/" +
                             device->identity().device_id + "?$select=credentials";
  constexpr int kPerThread = 15;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    LapsdProcess& node = t % 2 == 0 ? *a_ : *b_;
    threads.emplace_back([&, t] {
      auto admin = AdminSession::LoginInitial(node.base_url(), base_ / "a");
      if (!admin.ok()) {
        ++failures;
        return;
      }
      for (int i = 0; i < kPerThread; ++i) {
        // A reveal and a group creation: both audited, on either node.
        if ((*admin)->Call("GET", reveal).status != 200) ++failures;
        auto created =
            (*admin)->Call("POST", "/v1.0/groups",
                           {{"displayName", "g" + std::to_string(t) + "-" + std::to_string(i)},
                            {"openlapsGroupKind", "device"}});
        if (created.status != 201) ++failures;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  ExpectIntactAuditChain(*admin_a_);
  ExpectIntactAuditChain(*admin_b_);
  auto reveals = admin_b_->Call(
      "GET", "/beta/deviceManagement/auditEvents?$top=1000&$filter=" +
                 http::PercentEncode("activity eq 'Recover device local administrator password'"));
  ASSERT_EQ(reveals.status, 200) << reveals.body;
  EXPECT_EQ(reveals.body["value"].size(), 4u * kPerThread);
}

TEST_F(MultiNodeTest, ANodeKilledMidRotationLosesNothing) {
  // The agent's side: a scratch root whose root account it manages.
  std::ofstream(base_ / "root/etc/passwd") << "root:x:0:0:root:/root:/bin/bash\n";
  std::ofstream(base_ / "root/etc/shadow") << "root:$6$saltsalt$notarealhash:19000:0:99999:7:::\n";
  agent::LinuxAccountBackend accounts(
      agent::LinuxAccountBackend::Options{.root = base_ / "root", .while_locked = {}}, clock_);
  agent::RotationJournal journal(base_ / "state");
  crypto::CsprngRandom random;

  std::string group = CreateGroup(*admin_a_, "Killed");
  CreateAssignedPolicy(*admin_a_, "Killed LAPS", 7, group);
  auto on_a = Enroll(*admin_a_, *a_, "kill-01", group);
  ASSERT_TRUE(on_a);
  auto on_b = Via(*on_a, *b_);
  ASSERT_TRUE(on_b);
  const std::string id = on_a->identity().device_id;
  ASSERT_OK_AND_ASSIGN(nlohmann::json checkin, on_a->Checkin({}));
  ASSERT_OK_AND_ASSIGN(core::PolicySettings configured,
                       core::PolicySettingsFromJson(checkin["settings"]));
  const core::LapsSettings settings = core::LapsSettings::Resolve(configured);
  agent::LapsdBackupDirectory directory_a(*on_a);
  agent::LapsdBackupDirectory directory_b(*on_b);
  // A first backup, so there is something to rotate.
  ASSERT_OK(agent::Rotator(accounts, {&directory_a, nullptr}, journal, on_a->identity().box, random,
                           clock_)
                .Rotate(settings));

  // Requested on B; the device learns of it from A and starts there.
  auto rotate = admin_b_->Call("POST", "/beta/deviceManagement/managedDevices/" + id +
                                           "/rotateLocalAdminPassword?queue=true");
  ASSERT_EQ(rotate.status, 204) << rotate.body;
  ASSERT_OK_AND_ASSIGN(nlohmann::json actions, on_a->WaitForActions(0));
  ASSERT_EQ(actions["actions"].size(), 1u) << actions;
  const std::string action = actions["actions"][0]["id"];
  const std::string rotation_id = agent::Rotator::NewRotationId();
  ASSERT_OK(on_a->ReportAction(action, {protocol::ActionReportState::kActive, rotation_id, ""}));

  // Node A dies the moment it has escrowed the new password, before the
  // agent sets it and commits.
  agent::Rotator rotator(accounts, {&directory_a, nullptr}, journal, on_a->identity().box, random,
                         clock_);
  rotator.set_step_hook([&](agent::RotationStep step) {
    if (step == agent::RotationStep::kEscrowed) a_->Kill();
    return Status::Ok();
  });
  Result<agent::RotationOutcome> interrupted = rotator.Rotate(settings, rotation_id);
  EXPECT_FALSE(interrupted.ok()) << "the commit had nowhere to go";

  // The agent carries on through node B, which knows everything A stored.
  ASSERT_OK_AND_ASSIGN(agent::ReconcileOutcome reconciled,
                       agent::Rotator(accounts, {&directory_b, nullptr}, journal,
                                      on_b->identity().box, random, clock_)
                           .Reconcile());
  EXPECT_EQ(reconciled.result, agent::Reconciliation::kCommitted);
  EXPECT_EQ(reconciled.rotation_id, rotation_id);

  const std::string current = RevealCurrent(*admin_b_, id);
  ASSERT_FALSE(current.empty());
  ASSERT_OK_AND_ASSIGN(
      bool opens, accounts.VerifyPassword({"root", 0, "S-1-22-1-0"}, core::SecretString(current)));
  EXPECT_TRUE(opens) << "the revealed password must open the account";
  auto device = admin_b_->Call("GET", "/beta/deviceManagement/managedDevices/" + id);
  EXPECT_EQ(device.body["deviceActionResults"][0]["actionState"], "done") << device.body;
  ExpectIntactAuditChain(*admin_b_);
}

// Issue 17: both nodes sweep for overdue actions; each one fails once, with
// one audit event, whichever node notices first.
TEST_F(MultiNodeTest, BothNodesEnforceADeadlineExactlyOnce) {
  const std::vector<std::string> fast = {"--action-queue-expiry", "2", "--action-sweep-interval",
                                         "1"};
  a_->Stop();
  b_->Stop();
  a_ = StartNode("a", fast);
  ASSERT_TRUE(a_);
  b_ = StartNode("b", fast);
  ASSERT_TRUE(b_);
  ASSERT_OK_AND_ASSIGN(admin_a_, AdminSession::LoginInitial(a_->base_url(), base_ / "a"));
  ASSERT_OK_AND_ASSIGN(admin_b_, AdminSession::LoginInitial(b_->base_url(), base_ / "a"));

  constexpr int kDevices = 8;
  std::string group = CreateGroup(*admin_a_, "Deadline");
  std::vector<std::string> ids;
  for (int i = 0; i < kDevices; ++i) {
    auto device = Enroll(*admin_a_, *a_, "deadline-" + std::to_string(i), group);
    ASSERT_TRUE(device);
    BackUp(*device, "rot-1", "Deadline-Password-1");
    ids.push_back(device->identity().device_id);
    // Never connected: only a queued rotation is accepted; half on each node.
    AdminSession& admin = i % 2 == 0 ? *admin_a_ : *admin_b_;
    auto rotate = admin.Call("POST", "/beta/deviceManagement/managedDevices/" + ids.back() +
                                         "/rotateLocalAdminPassword?queue=true");
    ASSERT_EQ(rotate.status, 204) << rotate.body;
  }
  auto all_failed = [&] {
    for (const std::string& id : ids) {
      auto d = admin_b_->Call("GET", "/beta/deviceManagement/managedDevices/" + id);
      if (d.body["deviceActionResults"][0]["actionState"] != "failed") return false;
    }
    return true;
  };
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  bool failed = false;
  while (!(failed = all_failed()) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_TRUE(failed);
  for (const std::string& id : ids) {
    auto d = admin_a_->Call("GET", "/beta/deviceManagement/managedDevices/" + id);
    EXPECT_EQ(d.body["deviceActionResults"][0]["errorMessage"], "expired");
  }
  auto audits = admin_a_->Call("GET", "/beta/deviceManagement/auditEvents?activity=" +
                                          http::PercentEncode("rotateLocalAdminPassword result"));
  std::multiset<std::string> failed_devices;
  for (const auto& e : audits.body["value"]) {
    if (e["activityResult"] == "failure") failed_devices.insert(e.value("targetId", ""));
  }
  EXPECT_EQ(failed_devices.size(), static_cast<std::size_t>(kDevices));
  for (const std::string& id : ids) EXPECT_EQ(failed_devices.count(id), 1u) << id;
  auto count = [](const std::string& log) {
    std::size_t n = 0;
    for (auto at = log.find("failed by its deadline"); at != std::string::npos;
         at = log.find("failed by its deadline", at + 1)) {
      ++n;
    }
    return n;
  };
  std::size_t on_a = count(a_->Log());
  std::size_t on_b = count(b_->Log());
  std::printf("deadline failures: %zu on node A, %zu on node B\n", on_a, on_b);
  EXPECT_EQ(on_a + on_b, static_cast<std::size_t>(kDevices));
  ExpectIntactAuditChain(*admin_a_);
}

}  // namespace
}  // namespace openlaps
