// The real binaries end to end: `laps-agent enroll`, then `laps-agent run`
// as a child process against a real lapsd; an admin's manual rotation ends
// `done` within one second and the revealed password opens the scratch
// root's shadow entry; SIGTERM stops the idle agent cleanly within half a
// second.
#include <gtest/gtest.h>

#include <chrono>

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

}  // namespace
}  // namespace openlaps::agent
