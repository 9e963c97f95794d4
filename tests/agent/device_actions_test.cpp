// Issue 17 with the real binaries: a truthful online state, deadlines that
// fail device actions, and cancel. A real lapsd (short deadlines where the
// test needs time to pass) and a real `laps-agent run`; every wait is on an
// observable state with a bounded deadline.
#include <gtest/gtest.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>

#include "agent/agent_state.h"
#include "agent/device_client.h"
#include "agent_process_lab.h"
#include "crypto/csprng.h"
#include "http/message.h"
#include "testing/status_matchers.h"

namespace openlaps::agent {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using std::chrono::steady_clock;

std::filesystem::path LabDir(const std::string& name) {
  return std::filesystem::path(::testing::TempDir()) / (name + "-" + crypto::RandomToken(6));
}

nlohmann::json Device(AgentProcessLab& lab) {
  return lab.admin().Call("GET", "/beta/deviceManagement/managedDevices/" + lab.device_id()).body;
}

// Polls (bounded) until the device's isOnline is `online`; how long it took.
std::optional<milliseconds> WaitOnline(AgentProcessLab& lab, bool online, milliseconds timeout) {
  auto start = steady_clock::now();
  while (steady_clock::now() - start < timeout) {
    if (Device(lab).value("isOnline", !online) == online) {
      return std::chrono::duration_cast<milliseconds>(steady_clock::now() - start);
    }
    std::this_thread::sleep_for(milliseconds(20));
  }
  return std::nullopt;
}

// The newest rotate action, as the admin API shows it.
nlohmann::json NewestAction(AgentProcessLab& lab) {
  auto actions = lab.admin().Call(
      "GET", "/beta/deviceManagement/managedDevices/" + lab.device_id() + "/deviceActionResults");
  if (actions.body["value"].empty()) return nlohmann::json::object();
  return actions.body["value"][0];
}

// Polls (bounded) until the newest action is in `state`.
bool WaitActionState(AgentProcessLab& lab, const std::string& state, milliseconds timeout) {
  auto deadline = steady_clock::now() + timeout;
  while (steady_clock::now() < deadline) {
    if (NewestAction(lab).value("actionState", "") == state) return true;
    std::this_thread::sleep_for(milliseconds(20));
  }
  return false;
}

// The audit events of one activity and result.
std::vector<nlohmann::json> Audits(AgentProcessLab& lab, const std::string& activity,
                                   const std::string& result) {
  auto r = lab.admin().Call(
      "GET", "/beta/deviceManagement/auditEvents?activity=" + http::PercentEncode(activity));
  std::vector<nlohmann::json> out;
  for (const auto& e : r.body["value"]) {
    if (e.value("activityResult", "") == result) out.push_back(e);
  }
  return out;
}

std::vector<nlohmann::json> FailureAudits(AgentProcessLab& lab) {
  return Audits(lab, "rotateLocalAdminPassword result", "failure");
}

int Cancel(AgentProcessLab& lab, const std::string& action_id, nlohmann::json* body = nullptr) {
  auto r = lab.admin().Call("POST", "/beta/deviceManagement/managedDevices/" + lab.device_id() +
                                        "/deviceActionResults/" + action_id + "/cancel");
  if (body) *body = r.body;
  return r.status;
}

// Started, backed up, and online (parked in its long-poll).
void StartOnline(AgentProcessLab& lab) {
  ASSERT_OK(lab.SetUp()) << lab.LapsdLog();
  ASSERT_OK(lab.StartAgent());
  ASSERT_TRUE(lab.WaitForBackup(seconds(30))) << lab.AgentLog();
  ASSERT_TRUE(WaitOnline(lab, true, seconds(30))) << lab.AgentLog();
}

TEST(DeviceActionsTest, AnAgentStoppedCleanlyIsOfflineWithinSeconds) {
  AgentProcessLab lab(LAPSD_PATH, LAPS_AGENT_PATH, LabDir("actions-goodbye"));
  // The default grace (45 s): only the goodbye can make it this quick.
  StartOnline(lab);
  nlohmann::json before = Device(lab);
  EXPECT_TRUE(before["openlapsLastSeenDateTime"].is_string()) << before.dump();
  ASSERT_EQ(lab.StopAgent(seconds(30)), 0) << lab.AgentLog();
  auto took = WaitOnline(lab, false, seconds(5));
  ASSERT_TRUE(took.has_value()) << "still online 5 s after a clean stop: " << Device(lab).dump();
  std::printf("clean stop: offline after %lld ms\n", static_cast<long long>(took->count()));
  // Offline is what rotation sees too: refused unless queued.
  EXPECT_EQ(lab.RequestRotation(), 409);
}

// Online although the last request is older than the grace: only a parked
// long-poll keeps it so (bounded wait).
bool WaitParkedPastTheGrace(AgentProcessLab& lab, seconds grace) {
  auto deadline = std::chrono::steady_clock::now() + seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    nlohmann::json device = Device(lab);
    auto seen = core::ParseUtc(device.value("openlapsLastSeenDateTime", ""));
    // Whole seconds on the wire: one more second covers the rounding.
    if (device.value("isOnline", false) && seen &&
        *seen + grace + seconds(1) < std::chrono::system_clock::now()) {
      return true;
    }
    std::this_thread::sleep_for(milliseconds(50));
  }
  return false;
}

TEST(DeviceActionsTest, AnAgentKilledIsOfflineWhenItsConnectionDrops) {
  AgentProcessLab lab(LAPSD_PATH, LAPS_AGENT_PATH, LabDir("actions-kill"));
  // A short grace, waited out while parked, so after the kill only the
  // dropped connection can take it offline (the long-poll lasts a minute).
  lab.SetLapsdArgs({"--online-grace", "1"});
  StartOnline(lab);
  ASSERT_TRUE(WaitParkedPastTheGrace(lab, seconds(1))) << Device(lab).dump();
  // No goodbye: the parked long-poll's connection closes with the process.
  lab.KillAgent();
  auto took = WaitOnline(lab, false, seconds(5));
  ASSERT_TRUE(took.has_value()) << "still online 5 s after SIGKILL: " << Device(lab).dump();
  std::printf("SIGKILL: offline after %lld ms\n", static_cast<long long>(took->count()));
}

// A device without a parked poll (one that checked in, then vanished
// without a goodbye or a connection to drop) is online for the grace only.
TEST(DeviceActionsTest, ADeviceSeenWithoutAPollIsOfflineAfterTheGrace) {
  AgentProcessLab lab(LAPSD_PATH, LAPS_AGENT_PATH, LabDir("actions-grace"));
  lab.SetLapsdArgs({"--online-grace", "2"});
  StartOnline(lab);
  ASSERT_EQ(lab.StopAgent(seconds(30)), 0);
  ASSERT_TRUE(WaitOnline(lab, false, seconds(5)));
  auto state = StateDirectory::Open(lab.state_dir());
  ASSERT_OK(state);
  auto identity = state->LoadIdentity();
  ASSERT_OK(identity);
  core::SystemClock clock;
  auto client =
      DeviceClient::FromIdentity(identity->server_url, std::move(identity->identity), clock);
  ASSERT_OK(client);
  auto start = steady_clock::now();
  ASSERT_OK((*client)->Checkin(nlohmann::json::object()));
  EXPECT_EQ(Device(lab)["isOnline"], true) << "a check-in is proof of life";
  auto took = WaitOnline(lab, false, seconds(10));
  ASSERT_TRUE(took.has_value()) << Device(lab).dump();
  auto since_checkin = std::chrono::duration_cast<milliseconds>(steady_clock::now() - start);
  EXPECT_GE(since_checkin, milliseconds(1000)) << "offline before the grace ended";
  std::printf("check-in then silence: offline after %lld ms (grace 2 s)\n",
              static_cast<long long>(since_checkin.count()));
}

TEST(DeviceActionsTest, ARotationForAVanishedDeviceFailsByItsDeadline) {
  AgentProcessLab lab(LAPSD_PATH, LAPS_AGENT_PATH, LabDir("actions-vanished"));
  lab.SetLapsdArgs({"--action-delivery-deadline", "2", "--action-sweep-interval", "1"});
  StartOnline(lab);
  std::string password = lab.CurrentPassword();
  // Hung with its connection open: lapsd still counts it online and
  // accepts the rotation, but nobody takes it up.
  lab.FreezeAgent();
  ASSERT_EQ(lab.RequestRotation(), 204);
  auto start = steady_clock::now();
  ASSERT_TRUE(WaitActionState(lab, "failed", seconds(15))) << NewestAction(lab).dump();
  auto took = std::chrono::duration_cast<milliseconds>(steady_clock::now() - start);
  std::printf("vanished device: failed after %lld ms (deadline 2 s, sweep 1 s)\n",
              static_cast<long long>(took.count()));
  nlohmann::json action = NewestAction(lab);
  EXPECT_EQ(action["errorMessage"], "the device did not respond");
  std::vector<nlohmann::json> audits = FailureAudits(lab);
  ASSERT_EQ(audits.size(), 1u);
  EXPECT_NE(audits[0].dump().find("the device did not respond"), std::string::npos);

  // Back again, it does nothing with the failed action (its woken poll
  // still names it; the check-in that follows does not).
  lab.ContinueAgent();
  ASSERT_TRUE(WaitOnline(lab, true, seconds(30)));
  // A new rotation still works, and is the only one that ran.
  ASSERT_EQ(lab.RequestRotation(), 204);
  ASSERT_TRUE(WaitActionState(lab, "done", seconds(30))) << lab.AgentLog();
  std::vector<std::string> states = lab.ActionStates();
  ASSERT_EQ(states.size(), 2u);
  EXPECT_EQ(states[1], "failed");
  EXPECT_NE(lab.CurrentPassword(), password);
  std::size_t history = 0;
  for (const auto& [state, p] : lab.Escrowed()) history += state == "history" ? 1 : 0;
  EXPECT_EQ(history, 1u) << "one rotation ran, not two";
}

TEST(DeviceActionsTest, AQueuedRotationExpiresEvenAcrossALapsdRestart) {
  AgentProcessLab lab(LAPSD_PATH, LAPS_AGENT_PATH, LabDir("actions-queued"));
  lab.SetLapsdArgs({"--action-queue-expiry", "3", "--action-sweep-interval", "1"});
  StartOnline(lab);
  std::string password = lab.CurrentPassword();
  ASSERT_EQ(lab.StopAgent(seconds(30)), 0);
  ASSERT_TRUE(WaitOnline(lab, false, seconds(5)));
  ASSERT_EQ(lab.RequestRotation(/*queue=*/true), 204);
  nlohmann::json queued = NewestAction(lab);
  EXPECT_EQ(queued["actionState"], "pending");
  EXPECT_EQ(queued["openlapsQueued"], true);
  EXPECT_TRUE(queued["openlapsDeliverByDateTime"].is_string());
  // The deadline is in the store: a restarted lapsd enforces it.
  ASSERT_OK(lab.KillAndRestartLapsd());
  ASSERT_TRUE(WaitActionState(lab, "failed", seconds(15))) << NewestAction(lab).dump();
  EXPECT_EQ(NewestAction(lab)["errorMessage"], "expired");
  EXPECT_EQ(FailureAudits(lab).size(), 1u);
  // The device comes back and does not rotate for the expired request.
  ASSERT_OK(lab.StartAgent());
  ASSERT_TRUE(WaitOnline(lab, true, seconds(30)));
  EXPECT_EQ(lab.CurrentPassword(), password);
}

TEST(DeviceActionsTest, CancelBeforePickupAndAfter) {
  AgentProcessLab lab(LAPSD_PATH, LAPS_AGENT_PATH, LabDir("actions-cancel"));
  StartOnline(lab);
  std::string password = lab.CurrentPassword();
  ASSERT_EQ(lab.StopAgent(seconds(30)), 0);
  ASSERT_TRUE(WaitOnline(lab, false, seconds(5)));

  // Before pickup: queued for the offline device, canceled.
  ASSERT_EQ(lab.RequestRotation(/*queue=*/true), 204);
  std::string queued = NewestAction(lab)["id"];
  nlohmann::json canceled;
  ASSERT_EQ(Cancel(lab, queued, &canceled), 200) << canceled.dump();
  EXPECT_EQ(canceled["actionState"], "canceled");
  EXPECT_EQ(Cancel(lab, queued), 409) << "a canceled action cannot be canceled again";
  EXPECT_EQ(Cancel(lab, "no-such-action"), 404);

  // The device picks up what the check-in listed, a rotation that is then
  // canceled before it reports it active: lapsd refuses (409), nothing runs.
  {
    auto state = StateDirectory::Open(lab.state_dir());
    ASSERT_OK(state);
    auto identity = state->LoadIdentity();
    ASSERT_OK(identity);
    core::SystemClock clock;
    auto client =
        DeviceClient::FromIdentity(identity->server_url, std::move(identity->identity), clock);
    ASSERT_OK(client);
    ASSERT_EQ(lab.RequestRotation(/*queue=*/true), 204);
    auto listed = (*client)->Checkin(nlohmann::json::object());
    ASSERT_OK(listed);
    ASSERT_EQ((*listed)["actions"].size(), 1u) << listed->dump();
    std::string picked = (*listed)["actions"][0]["id"];
    ASSERT_EQ(Cancel(lab, picked), 200);
    auto started = (*client)->ReportAction(
        picked, protocol::ActionReport{protocol::ActionReportState::kActive, "r-late", ""});
    EXPECT_EQ(started.status().code(), StatusCode::kFailedPrecondition) << started.status();
    EXPECT_NE(started.status().message().find("canceled"), std::string::npos);
    auto again = (*client)->Checkin(nlohmann::json::object());
    ASSERT_OK(again);
    EXPECT_TRUE((*again)["actions"].empty()) << "a canceled action is never delivered";
    ASSERT_OK((*client)->Goodbye(milliseconds(3000)));
  }

  // The agent comes back: neither canceled rotation runs; the next one does.
  ASSERT_OK(lab.StartAgent());
  ASSERT_TRUE(WaitOnline(lab, true, seconds(30)));
  std::size_t done_before = lab.DoneCount();
  ASSERT_EQ(done_before, 0u);
  ASSERT_EQ(lab.RequestRotation(), 204);
  ASSERT_TRUE(lab.WaitForDone(done_before, seconds(30))) << lab.AgentLog();
  std::vector<std::string> states = lab.ActionStates();
  ASSERT_EQ(states.size(), 3u);
  EXPECT_EQ(states[0], "done");
  EXPECT_EQ(states[1], "canceled");
  EXPECT_EQ(states[2], "canceled");
  EXPECT_NE(lab.CurrentPassword(), password);
  std::size_t history = 0;
  for (const auto& [state, p] : lab.Escrowed()) history += state == "history" ? 1 : 0;
  EXPECT_EQ(history, 1u) << "one rotation ran, not three";

  // Cancel audited, both times.
  EXPECT_EQ(Audits(lab, "cancel deviceAction ManagedDevice", "success").size(), 2u);
}

TEST(DeviceActionsTest, AnActiveRotationCannotBeCanceledAndFailsIfNeverFinished) {
  AgentProcessLab lab(LAPSD_PATH, LAPS_AGENT_PATH, LabDir("actions-active"));
  lab.SetLapsdArgs({"--action-finish-deadline", "2", "--action-sweep-interval", "1"});
  StartOnline(lab);
  // The agent stops itself after it took the rotation up (reported active).
  ASSERT_EQ(lab.StopAgent(seconds(30)), 0);
  ASSERT_OK(lab.StartAgent({"LAPS_AGENT_TEST_PAUSE_AT=escrowed"}));
  ASSERT_TRUE(WaitOnline(lab, true, seconds(30)));
  std::size_t paused_before = lab.AgentLogCount("paused at");
  ASSERT_EQ(lab.RequestRotation(), 204);
  ASSERT_TRUE(lab.WaitForAgentLog("paused at", paused_before, seconds(30))) << lab.AgentLog();
  ASSERT_TRUE(WaitActionState(lab, "active", seconds(10)));
  nlohmann::json refused;
  EXPECT_EQ(Cancel(lab, NewestAction(lab)["id"], &refused), 409);
  EXPECT_NE(refused.dump().find("can no longer be canceled"), std::string::npos) << refused.dump();

  ASSERT_TRUE(WaitActionState(lab, "failed", seconds(15))) << NewestAction(lab).dump();
  EXPECT_EQ(NewestAction(lab)["errorMessage"], "the device did not finish");
  // It finishes after all: recorded (the escrowed password is real) and shown.
  lab.ContinueAgent();
  ASSERT_TRUE(WaitActionState(lab, "done", seconds(30))) << lab.AgentLog();
  nlohmann::json late = NewestAction(lab);
  EXPECT_EQ(late["openlapsLateCompletion"], true) << late.dump();
  EXPECT_TRUE(lab.WaitUntilSettled(seconds(30)));
}

}  // namespace
}  // namespace openlaps::agent
