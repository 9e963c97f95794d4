// The agent's check-in loop against a real lapsd, one iteration at a time.
#include "agent/agent.h"

#include <utmp.h>

#include <cstring>

#include "agent/authentication_records.h"
#include "agent_lab.h"

namespace openlaps::agent {
namespace {

// A clock `shift` ahead of the system's, for the agent's decisions only: the
// device client keeps signing with the real time lapsd checks.
class ShiftedClock final : public core::Clock {
 public:
  core::Timestamp Now() const override { return system_.Now() + shift; }
  std::chrono::seconds shift{0};

 private:
  core::SystemClock system_;
};

class AgentTest : public AgentLab {
 protected:
  void SetUp() override {
    AgentLab::SetUp();
    if (HasFatalFailure()) return;
    ASSERT_OK_AND_ASSIGN(StateDirectory dir, StateDirectory::Open(base_ / "agent-state"));
    state_dir_ = std::make_unique<StateDirectory>(std::move(dir));
    agent_ =
        std::make_unique<Agent>(*client_, *backend_, *state_dir_, system_actions_, clock_, random_);
  }

  std::string PolicyStatus() {
    auto r = admin_->Call(
        "GET", "/beta/deviceManagement/configurationPolicies/" + policy_id_ + "/deviceStatuses");
    EXPECT_EQ(r.status, 200) << r.body;
    return r.body["value"].empty() ? "" : r.body["value"][0]["status"].get<std::string>();
  }

  std::unique_ptr<StateDirectory> state_dir_;
  RecordingSystemActions system_actions_;
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

TEST_F(AgentTest, ActiveDirectoryEncryptionIsReportedAsAnErrorAndNothingRotates) {
  // ADPasswordEncryptionEnabled defaults to true: DPAPI-NG, which this agent
  // cannot do; it must neither rotate nor write the password in clear.
  SetPolicySettings({{"backupDirectory", 2}, {"passwordAgeDays", 7}});
  ASSERT_OK_AND_ASSIGN(IterationReport report, agent_->RunOnce());
  EXPECT_FALSE(report.rotated.has_value());
  EXPECT_NE(report.laps_state.find("set ADPasswordEncryptionEnabled to false"), std::string::npos)
      << report.laps_state;
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

// PostAuthenticationResetDelay 1 hour: a use of the account sets a deadline
// that survives a restart; at the deadline the account rotates and the
// PostAuthenticationActions run once, for each allowed value.
TEST_F(AgentTest, UseOfTheAccountRotatesAfterTheDelayThenRunsTheActionsOnce) {
  using std::chrono::hours;
  using std::chrono::minutes;
  struct Case {
    int actions;
    std::vector<std::string> expected;
  };
  const Case cases[] = {{1, {}},
                        {3, {"end-sessions root"}},
                        {5, {"reboot"}},
                        {11, {"end-sessions root", "end-processes root"}}};
  ShiftedClock clock;
  AgentOptions options;
  options.root = base_ / "root";
  for (const Case& c : cases) {
    SCOPED_TRACE("PostAuthenticationActions " + std::to_string(c.actions));
    SetPolicySettings({{"backupDirectory", 1},
                       {"passwordAgeDays", 7},
                       {"postAuthenticationResetDelay", 1},
                       {"postAuthenticationActions", c.actions}});
    RecordingSystemActions recorded;
    std::string used_password;
    core::Timestamp used_at;
    {
      Agent agent(*client_, *backend_, *state_dir_, recorded, clock, random_, options);
      ASSERT_OK(agent.RunOnce());  // the settings apply (the first case also backs up)
      clock.shift += minutes(10);
      used_password = CurrentPassword();
      used_at = clock.Now();
      // What pam_exec's `laps-agent notify-auth` does for a root session.
      ASSERT_OK_AND_ASSIGN(bool marked, NotifyAuthentication(state_dir_->path(), "root", "root",
                                                             "open_session", used_at));
      ASSERT_TRUE(marked);
      ASSERT_OK_AND_ASSIGN(IterationReport early, agent.RunOnce());
      EXPECT_FALSE(early.rotated.has_value()) << "the delay has not passed";
      ASSERT_OK_AND_ASSIGN(AgentState saved, state_dir_->LoadState());
      ASSERT_TRUE(saved.post_authentication_deadline.has_value());
      EXPECT_EQ(*saved.post_authentication_deadline, used_at + hours(1));
    }
    EXPECT_TRUE(recorded.actions().empty());
    EXPECT_EQ(CurrentPassword(), used_password);

    // A restarted agent past the deadline rotates and carries the actions out.
    clock.shift += hours(1);
    Agent restarted(*client_, *backend_, *state_dir_, recorded, clock, random_, options);
    ASSERT_OK_AND_ASSIGN(IterationReport report, restarted.RunOnce());
    ASSERT_TRUE(report.rotated.has_value());
    EXPECT_EQ(*report.rotated, core::RotationReason::kPostAuthentication);
    std::string current = CurrentPassword();
    EXPECT_NE(current, used_password);
    EXPECT_TRUE(Opens(current));
    EXPECT_FALSE(Opens(used_password));
    EXPECT_EQ(recorded.actions(), c.expected);
    ASSERT_OK_AND_ASSIGN(AgentState after, state_dir_->LoadState());
    EXPECT_FALSE(after.post_authentication_deadline.has_value());
    EXPECT_EQ(after.pending_post_authentication_actions, 0);

    // The same use does not count twice.
    ASSERT_OK_AND_ASSIGN(IterationReport again, restarted.RunOnce());
    EXPECT_FALSE(again.rotated.has_value());
    EXPECT_EQ(recorded.actions(), c.expected);
    clock.shift += minutes(1);
  }
}

TEST_F(AgentTest, LoginRecordsCountAndDelayZeroTurnsItOff) {
  using std::chrono::hours;
  ShiftedClock clock;
  AgentOptions options;
  options.root = base_ / "root";
  RecordingSystemActions recorded;
  Agent agent(*client_, *backend_, *state_dir_, recorded, clock, random_, options);
  SetPolicySettings({{"backupDirectory", 1},
                     {"passwordAgeDays", 7},
                     {"postAuthenticationResetDelay", 0},
                     {"postAuthenticationActions", 3}});
  ASSERT_OK(agent.RunOnce());
  std::string first = CurrentPassword();

  // A root login in wtmp while the feature is off: ignored, also later.
  clock.shift += hours(1);
  std::filesystem::create_directories(base_ / "root/var/log");
  auto append_login = [&](core::Timestamp at) {
    utmp record{};
    record.ut_type = USER_PROCESS;
    std::memcpy(record.ut_user, "root", 4);
    record.ut_tv.tv_sec = static_cast<std::int32_t>(at.time_since_epoch().count());
    std::ofstream(base_ / "root/var/log/wtmp", std::ios::binary | std::ios::app)
        .write(reinterpret_cast<const char*>(&record), sizeof record);
  };
  append_login(clock.Now());
  clock.shift += hours(2);
  ASSERT_OK_AND_ASSIGN(IterationReport off, agent.RunOnce());
  EXPECT_FALSE(off.rotated.has_value());

  // Turned on: a new login counts.
  SetPolicySettings({{"backupDirectory", 1},
                     {"passwordAgeDays", 7},
                     {"postAuthenticationResetDelay", 2},
                     {"postAuthenticationActions", 3}});
  ASSERT_OK(agent.RunOnce());
  clock.shift += std::chrono::minutes(1);
  append_login(clock.Now());
  ASSERT_OK_AND_ASSIGN(IterationReport before, agent.RunOnce());
  EXPECT_FALSE(before.rotated.has_value());
  clock.shift += hours(2);
  ASSERT_OK_AND_ASSIGN(IterationReport due, agent.RunOnce());
  ASSERT_TRUE(due.rotated.has_value());
  EXPECT_EQ(*due.rotated, core::RotationReason::kPostAuthentication);
  EXPECT_NE(CurrentPassword(), first);
  EXPECT_TRUE(Opens(CurrentPassword()));
  EXPECT_EQ(recorded.actions(), std::vector<std::string>{"end-sessions root"});
}

// The signed-in user goes with every check-in, so a policy assigned to a
// user group reaches the device its member uses (Intune's user targeting).
TEST_F(AgentTest, APolicyForAUserGroupAppliesWhileItsMemberIsSignedIn) {
  auto user = admin_->Call("POST", "/v1.0/users", {{"userPrincipalName", "ada@example.com"}});
  ASSERT_EQ(user.status, 201) << user.body;
  auto group = admin_->Call("POST", "/v1.0/groups",
                            {{"displayName", "Engineers"}, {"openlapsGroupKind", "user"}});
  ASSERT_EQ(group.status, 201) << group.body;
  const std::string group_id = group.body["id"];
  ASSERT_EQ(admin_
                ->Call("POST", "/v1.0/groups/" + group_id + "/members/$ref",
                       {{"@odata.id", "https://graph.microsoft.com/v1.0/directoryObjects/" +
                                          user.body["id"].get<std::string>()}})
                .status,
            204);
  auto policy = admin_->Call("POST", "/beta/deviceManagement/configurationPolicies",
                             {{"name", "Engineers' length"},
                              {"platforms", "linux"},
                              {"technologies", "mdm"},
                              {"templateReference", {{"templateId", kLapsTemplate}}},
                              {"lapsSettings", {{"passwordLength", 24}}}});
  ASSERT_EQ(policy.status, 201) << policy.body;
  ASSERT_EQ(admin_
                ->Call("POST",
                       "/beta/deviceManagement/configurationPolicies/" +
                           policy.body["id"].get<std::string>() + "/assign",
                       {{"assignments",
                         {{{"target",
                            {{"@odata.type", "#microsoft.graph.groupAssignmentTarget"},
                             {"groupId", group_id}}}}}}})
                .status,
            200);

  AgentOptions options;
  options.root = base_ / "root";
  options.principal_suffix = "example.com";
  Agent agent(*client_, *backend_, *state_dir_, system_actions_, clock_, random_, options);
  auto applied_length = [&]() -> std::optional<std::int64_t> {
    auto state = state_dir_->LoadState();
    if (!state.ok() || !state->applied_settings) return std::nullopt;
    return state->applied_settings->GetInt(core::SettingId::kPasswordLength);
  };
  ASSERT_OK(agent.RunOnce());
  EXPECT_EQ(applied_length(), std::nullopt) << "nobody is signed in";

  // ada at the console, as login(1) records her.
  std::filesystem::create_directories(base_ / "root/run");
  utmp session{};
  session.ut_type = USER_PROCESS;
  std::memcpy(session.ut_user, "ada", 3);
  std::memcpy(session.ut_line, "tty1", 4);
  session.ut_tv.tv_sec = 1'700'000'000;
  std::ofstream(base_ / "root/run/utmp", std::ios::binary)
      .write(reinterpret_cast<const char*>(&session), sizeof session);
  ASSERT_OK(agent.RunOnce());  // reports ada; the answer already counts her groups
  EXPECT_EQ(applied_length(), 24);

  // Signed out: the user's policy no longer applies.
  std::filesystem::remove(base_ / "root/run/utmp");
  ASSERT_OK(agent.RunOnce());
  EXPECT_EQ(applied_length(), std::nullopt);
}

}  // namespace
}  // namespace openlaps::agent
