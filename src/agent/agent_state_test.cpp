#include "agent/agent_state.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <sstream>

#include "crypto/csprng.h"
#include "crypto/encoding.h"
#include "testing/status_matchers.h"

namespace openlaps::agent {
namespace {

class StateDirectoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::path(::testing::TempDir()) / ("agent-state-" + crypto::RandomToken(6));
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  static unsigned ModeOf(const std::filesystem::path& path) {
    struct stat st {};
    EXPECT_EQ(::stat(path.c_str(), &st), 0);
    return st.st_mode & 07777;
  }

  std::filesystem::path dir_;
};

TEST_F(StateDirectoryTest, KeepsTheIdentityPrivateAndRoundTripsIt) {
  ASSERT_OK_AND_ASSIGN(StateDirectory state, StateDirectory::Open(dir_));
  EXPECT_EQ(ModeOf(dir_), 0700u);
  ASSERT_TRUE(state.LoadIdentity().status().IsNotFound());

  EnrolledIdentity enrolled;
  enrolled.server_url = "http://lapsd.example:8443";
  enrolled.identity.device_id = "dev-1";
  enrolled.identity.signing = crypto::SigningKeyPair::Generate();
  enrolled.identity.box = crypto::BoxKeyPair::Generate();
  enrolled.identity.escrow_public_key = crypto::BoxKeyPair::Generate().public_key;
  ASSERT_OK(state.SaveIdentity(enrolled));
  EXPECT_EQ(ModeOf(dir_ / "identity.json"), 0600u);
  EXPECT_TRUE(state.SaveIdentity(enrolled).IsAlreadyExists());

  ASSERT_OK_AND_ASSIGN(EnrolledIdentity loaded, state.LoadIdentity());
  EXPECT_EQ(loaded.server_url, enrolled.server_url);
  EXPECT_EQ(loaded.identity.device_id, "dev-1");
  EXPECT_EQ(loaded.identity.signing.public_key, enrolled.identity.signing.public_key);
  EXPECT_TRUE(loaded.identity.signing.secret_key == enrolled.identity.signing.secret_key);
  EXPECT_TRUE(loaded.identity.box.secret_key == enrolled.identity.box.secret_key);
  EXPECT_EQ(loaded.identity.escrow_public_key, enrolled.identity.escrow_public_key);

  std::filesystem::permissions(dir_ / "identity.json", std::filesystem::perms(0644));
  EXPECT_TRUE(state.LoadIdentity().status().IsFailedPrecondition());
}

TEST_F(StateDirectoryTest, RefusesADirectoryOthersCanEnter) {
  std::filesystem::create_directories(dir_);
  std::filesystem::permissions(dir_, std::filesystem::perms(0755));
  EXPECT_TRUE(StateDirectory::Open(dir_).status().IsFailedPrecondition());
}

TEST_F(StateDirectoryTest, StateRoundTrips) {
  ASSERT_OK_AND_ASSIGN(StateDirectory state, StateDirectory::Open(dir_));
  ASSERT_OK_AND_ASSIGN(AgentState empty, state.LoadState());
  EXPECT_FALSE(empty.applied_settings.has_value());
  AgentState saved;
  saved.applied_settings.emplace();
  saved.applied_settings->Set(core::SettingId::kBackupDirectory, std::int64_t{1});
  saved.applied_settings->Set(core::SettingId::kPasswordAgeDays, std::int64_t{10});
  saved.managed_account = "root";
  saved.last_rotation = core::Timestamp(std::chrono::seconds(1'770'000'000));
  saved.laps_state = "account 'x' not found";
  ASSERT_OK(state.SaveState(saved));
  ASSERT_OK_AND_ASSIGN(AgentState loaded, state.LoadState());
  EXPECT_EQ(loaded.applied_settings, saved.applied_settings);
  EXPECT_EQ(loaded.managed_account, "root");
  EXPECT_EQ(loaded.last_rotation, saved.last_rotation);
  EXPECT_FALSE(loaded.next_rotation.has_value());
  EXPECT_EQ(loaded.laps_state, saved.laps_state);
}

TEST_F(StateDirectoryTest, KeepsThePostAuthenticationDeadlineAndActionsAcrossRestarts) {
  ASSERT_OK_AND_ASSIGN(StateDirectory state, StateDirectory::Open(dir_));
  ASSERT_OK_AND_ASSIGN(AgentState fresh, state.LoadState());
  EXPECT_FALSE(fresh.post_authentication_deadline.has_value());
  EXPECT_EQ(fresh.pending_post_authentication_actions, 0);

  AgentState saved;
  saved.post_authentication_deadline = core::ParseUtc("2026-03-11T10:00:00Z");
  saved.pending_post_authentication_actions = 4;
  ASSERT_OK(state.SaveState(saved));
  ASSERT_OK_AND_ASSIGN(StateDirectory reopened, StateDirectory::Open(dir_));
  ASSERT_OK_AND_ASSIGN(AgentState loaded, reopened.LoadState());
  EXPECT_EQ(loaded.post_authentication_deadline, saved.post_authentication_deadline);
  EXPECT_EQ(loaded.pending_post_authentication_actions, 4);
}

}  // namespace
}  // namespace openlaps::agent
