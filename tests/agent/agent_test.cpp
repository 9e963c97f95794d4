// The agent's check-in loop against a real lapsd, one iteration at a time.
#include "agent/agent.h"

#include "agent_lab.h"

namespace openlaps::agent {
namespace {

class AgentTest : public AgentLab {
 protected:
  void SetUp() override {
    AgentLab::SetUp();
    if (HasFatalFailure()) return;
    ASSERT_OK_AND_ASSIGN(StateDirectory dir, StateDirectory::Open(base_ / "agent-state"));
    state_dir_ = std::make_unique<StateDirectory>(std::move(dir));
    agent_ = std::make_unique<Agent>(*client_, *backend_, *state_dir_, clock_, random_);
  }

  std::string PolicyStatus() {
    auto r = admin_->Call(
        "GET", "/beta/deviceManagement/configurationPolicies/" + policy_id_ + "/deviceStatuses");
    EXPECT_EQ(r.status, 200) << r.body;
    return r.body["value"].empty() ? "" : r.body["value"][0]["status"].get<std::string>();
  }

  std::unique_ptr<StateDirectory> state_dir_;
  std::unique_ptr<Agent> agent_;
};

TEST_F(AgentTest, FirstIterationBacksUpAndReportsSuccess) {
  ASSERT_OK_AND_ASSIGN(IterationReport report, agent_->RunOnce());
  EXPECT_TRUE(report.checked_in);
  ASSERT_TRUE(report.rotated.has_value());
  EXPECT_EQ(*report.rotated, core::RotationReason::kNeverRotated);
  EXPECT_EQ(report.laps_state, "");
  EXPECT_TRUE(Opens(CurrentPassword()));
  EXPECT_EQ(PolicyStatus(), "succeeded");

  auto device =
      admin_->Call("GET", "/beta/deviceManagement/managedDevices/" + client_->identity().device_id);
  EXPECT_FALSE(device.body["lastPasswordRotationDateTime"].is_null()) << device.body;

  // Nothing is due on the next iteration.
  std::string current = CurrentPassword();
  ASSERT_OK_AND_ASSIGN(IterationReport again, agent_->RunOnce());
  EXPECT_FALSE(again.rotated.has_value());
  EXPECT_EQ(CurrentPassword(), current);
  ASSERT_OK_AND_ASSIGN(AgentState saved, state_dir_->LoadState());
  EXPECT_EQ(saved.managed_account, "root");
  EXPECT_TRUE(saved.applied_settings.has_value());
  EXPECT_TRUE(saved.last_rotation.has_value());
}

TEST_F(AgentTest, ManualRotationWakesTheLongPollAndEndsDone) {
  ASSERT_OK(agent_->RunOnce());
  std::string old_password = CurrentPassword();
  std::string device_id = client_->identity().device_id;
  auto requested = admin_->Call(
      "POST", "/beta/deviceManagement/managedDevices/" + device_id + "/rotateLocalAdminPassword");
  ASSERT_EQ(requested.status, 204) << requested.body;
  ASSERT_OK_AND_ASSIGN(bool woken, agent_->WaitForActions(5));
  EXPECT_TRUE(woken);
  ASSERT_OK_AND_ASSIGN(IterationReport report, agent_->RunOnce());
  EXPECT_EQ(report.actions_done.size(), 1u);
  ASSERT_TRUE(report.rotated.has_value());
  EXPECT_EQ(*report.rotated, core::RotationReason::kManual);
  auto device = admin_->Call("GET", "/beta/deviceManagement/managedDevices/" + device_id);
  EXPECT_EQ(device.body["deviceActionResults"][0]["actionState"], "done") << device.body;
  std::string current = CurrentPassword();
  EXPECT_NE(current, old_password);
  EXPECT_TRUE(Opens(current));
}

TEST_F(AgentTest, ActiveDirectoryIsReportedAsNotSupportedAndNothingRotates) {
  SetPolicySettings({{"backupDirectory", 2}, {"passwordAgeDays", 7}});
  ASSERT_OK_AND_ASSIGN(IterationReport report, agent_->RunOnce());
  EXPECT_FALSE(report.rotated.has_value());
  EXPECT_EQ(report.laps_state, "Active Directory backup is not yet supported");
  EXPECT_EQ(ReadFile(base_ / "root/etc/shadow"), kShadow);
  EXPECT_EQ(PolicyStatus(), "error");
}

TEST_F(AgentTest, MissingAccountIsReportedAndNothingIsCreated) {
  SetPolicySettings(
      {{"backupDirectory", 1}, {"passwordAgeDays", 7}, {"administratorAccountName", "ghost"}});
  ASSERT_OK_AND_ASSIGN(IterationReport report, agent_->RunOnce());
  EXPECT_FALSE(report.rotated.has_value());
  EXPECT_EQ(report.laps_state, "account 'ghost' not found: nothing is managed");
  EXPECT_EQ(ReadFile(base_ / "root/etc/passwd"), kPasswd);
  EXPECT_EQ(ReadFile(base_ / "root/etc/shadow"), kShadow);
}

TEST_F(AgentTest, DisabledBackupNeverRotates) {
  SetPolicySettings({{"backupDirectory", 0}});
  ASSERT_OK_AND_ASSIGN(IterationReport report, agent_->RunOnce());
  EXPECT_FALSE(report.rotated.has_value());
  EXPECT_EQ(report.laps_state, "");
  EXPECT_EQ(ReadFile(base_ / "root/etc/shadow"), kShadow);
}

TEST_F(AgentTest, UnreachableServerIsAnErrorAndBackoffGrowsWithJitter) {
  lapsd_->Stop();
  EXPECT_FALSE(agent_->RunOnce().ok());
  EXPECT_EQ(ReadFile(base_ / "root/etc/shadow"), kShadow);
  AgentOptions defaults;
  for (int failures = 1; failures <= 12; ++failures) {
    auto backoff = agent_->Backoff(failures);
    auto cap = std::min<std::chrono::milliseconds>(defaults.min_backoff * (1 << (failures - 1)),
                                                   defaults.max_backoff);
    EXPECT_GE(backoff, cap / 2);
    EXPECT_LE(backoff, cap);
  }
  lapsd_.reset();
}

}  // namespace
}  // namespace openlaps::agent
