// The real binaries end to end: `laps-agent enroll`, then `laps-agent run`
// as a child process against a real lapsd; an admin's manual rotation ends
// `done` within one second and the revealed password opens the scratch
// root's shadow entry; SIGTERM stops the idle agent cleanly within half a
// second; the PAM hook marks uses of the managed account.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "agent_process_lab.h"
#include "crypto/csprng.h"
#include "testing/status_matchers.h"

namespace openlaps::agent {
namespace {

#ifdef OPENLAPS_SANITIZED
constexpr auto kStopBudget = std::chrono::seconds(3);
#else
constexpr auto kStopBudget = std::chrono::milliseconds(500);
#endif

TEST(AgentProcessTest, ManualRotationEndsDoneWithinOneSecond) {
  AgentProcessLab lab(
      LAPSD_PATH, LAPS_AGENT_PATH,
      std::filesystem::path(::testing::TempDir()) / ("agent-process-" + crypto::RandomToken(6)));
  ASSERT_OK(lab.SetUp()) << lab.LapsdLog();
  ASSERT_OK(lab.StartAgent());
  ASSERT_TRUE(lab.WaitForBackup(std::chrono::seconds(30))) << lab.AgentLog();
  std::string first = lab.CurrentPassword();
  EXPECT_TRUE(lab.Opens(first));

  std::size_t done_before = lab.DoneCount();
  auto start = std::chrono::steady_clock::now();
  ASSERT_EQ(lab.RequestRotation(), 204);
  bool done = lab.WaitForDone(done_before, std::chrono::seconds(30));
  auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(done) << lab.AgentLog();
#ifndef OPENLAPS_SANITIZED
  EXPECT_LT(elapsed, std::chrono::seconds(1))
      << std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count() << " ms";
#endif

  std::string second = lab.CurrentPassword();
  EXPECT_NE(second, first);
  EXPECT_TRUE(lab.Opens(second)) << "the revealed password must open the shadow entry";
  EXPECT_FALSE(lab.Opens(first));

  // Idle now, parked in a long-poll: SIGTERM must not wait it out (it took
  // ~50 s before HttpClient::Cancel).
  auto stop_start = std::chrono::steady_clock::now();
  EXPECT_EQ(lab.StopAgent(std::chrono::seconds(30)), 0) << lab.AgentLog();
  auto stop_elapsed = std::chrono::steady_clock::now() - stop_start;
  EXPECT_LT(stop_elapsed, kStopBudget)
      << std::chrono::duration_cast<std::chrono::milliseconds>(stop_elapsed).count() << " ms";
}

// The PAM hook as pam_exec runs it: `laps-agent notify-auth` with PAM_USER
// and PAM_TYPE marks a session of the managed account, and nothing else.
TEST(AgentProcessTest, NotifyAuthMarksOnlySessionsOfTheManagedAccount) {
  AgentProcessLab lab(
      LAPSD_PATH, LAPS_AGENT_PATH,
      std::filesystem::path(::testing::TempDir()) / ("agent-pam-" + crypto::RandomToken(6)));
  ASSERT_OK(lab.SetUp()) << lab.LapsdLog();
  ASSERT_OK(lab.StartAgent());
  ASSERT_TRUE(lab.WaitForBackup(std::chrono::seconds(30))) << lab.AgentLog();
  const std::filesystem::path mark = lab.state_dir() / "last-authentication.json";
  auto notify = [&](const std::string& user, const std::string& type) {
    pid_t pid =
        SpawnLogged({LAPS_AGENT_PATH, "notify-auth", "--state-dir", lab.state_dir().string()},
                    lab.state_dir() / "../pam.log", {"PAM_USER=" + user, "PAM_TYPE=" + type});
    return WaitExit(pid, std::chrono::seconds(30));
  };
  EXPECT_EQ(notify("alice", "open_session"), 0);
  EXPECT_EQ(notify("root", "auth"), 0);
  EXPECT_EQ(notify("root", "close_session"), 0);
  EXPECT_FALSE(std::filesystem::exists(mark)) << ReadLogFile(mark);
  EXPECT_EQ(notify("root", "open_session"), 0);
  ASSERT_TRUE(std::filesystem::exists(mark));
  std::string text = ReadLogFile(mark);
  EXPECT_NE(text.find("\"account\":\"root\""), std::string::npos) << text;
  EXPECT_EQ(std::filesystem::status(mark).permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  EXPECT_EQ(lab.StopAgent(std::chrono::seconds(30)), 0);
}

// A post-authentication deadline a previous run persisted (the lab's policy
// keeps the defaults: 24 hours, actions 3) that passed while the agent was
// down: the restarted process rotates at once and ends the account's
// sessions, observed through LAPS_AGENT_RECORD_SYSTEM_ACTIONS.
TEST(AgentProcessTest, PersistedPostAuthenticationDeadlineRotatesAndEndsSessions) {
  AgentProcessLab lab(
      LAPSD_PATH, LAPS_AGENT_PATH,
      std::filesystem::path(::testing::TempDir()) / ("agent-postauth-" + crypto::RandomToken(6)));
  ASSERT_OK(lab.SetUp()) << lab.LapsdLog();
  ASSERT_OK(lab.StartAgent());
  ASSERT_TRUE(lab.WaitForBackup(std::chrono::seconds(30))) << lab.AgentLog();
  std::string used = lab.CurrentPassword();
  ASSERT_EQ(lab.StopAgent(std::chrono::seconds(30)), 0);

  const std::filesystem::path state_file = lab.state_dir() / "state.json";
  nlohmann::json state = nlohmann::json::parse(ReadLogFile(state_file));
  state["postAuthenticationDeadline"] = "2000-01-01T00:00:00Z";
  std::ofstream(state_file) << state.dump();
  const std::filesystem::path recorded = lab.state_dir() / "../system-actions.log";
  ASSERT_OK(lab.StartAgent({"LAPS_AGENT_RECORD_SYSTEM_ACTIONS=" + recorded.string()}));

  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (ReadLogFile(recorded).empty() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(ReadLogFile(recorded), "end-sessions root\n") << lab.AgentLog();
  std::string current = lab.CurrentPassword();
  EXPECT_NE(current, used);
  EXPECT_TRUE(lab.Opens(current));
  EXPECT_FALSE(lab.Opens(used));
  EXPECT_EQ(lab.StopAgent(std::chrono::seconds(30)), 0);
  nlohmann::json after = nlohmann::json::parse(ReadLogFile(state_file));
  EXPECT_TRUE(after["postAuthenticationDeadline"].is_null()) << after;
  EXPECT_EQ(after["pendingPostAuthenticationActions"], 0);
}

}  // namespace
}  // namespace openlaps::agent
