#include "agent/rotation_journal.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <sstream>

#include "crypto/csprng.h"
#include "crypto/escrow_box.h"
#include "testing/status_matchers.h"

namespace openlaps::agent {
namespace {

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class RotationJournalTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::path(::testing::TempDir()) / ("state-" + crypto::RandomToken(6));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  JournalEntry Entry(std::string_view password) {
    JournalEntry entry;
    entry.rotation_id = "rot-1";
    entry.account_name = "root";
    entry.account_sid = "S-1-22-1-0";
    entry.sealed_password = crypto::Seal(keys_.public_key, password);
    entry.phase = RotationPhase::kEscrowed;
    entry.started_at = core::Timestamp(std::chrono::seconds(1'770'000'000));
    return entry;
  }

  std::filesystem::path dir_;
  crypto::BoxKeyPair keys_ = crypto::BoxKeyPair::Generate();
};

TEST_F(RotationJournalTest, EmptyUntilWrittenAndAfterClear) {
  RotationJournal journal(dir_);
  ASSERT_OK_AND_ASSIGN(auto none, journal.Load());
  EXPECT_FALSE(none.has_value());
  ASSERT_OK(journal.Write(Entry("P-1")));
  ASSERT_OK(journal.Clear());
  ASSERT_OK_AND_ASSIGN(auto cleared, journal.Load());
  EXPECT_FALSE(cleared.has_value());
  EXPECT_OK(journal.Clear()) << "clearing twice is harmless";
}

TEST_F(RotationJournalTest, RoundTripsPrivatelyWithOnlyTheSealedPassword) {
  RotationJournal journal(dir_);
  JournalEntry entry = Entry("Clear-Text-Password-9");
  ASSERT_OK(journal.Write(entry));
  ASSERT_OK_AND_ASSIGN(auto loaded, journal.Load());
  ASSERT_TRUE(loaded.has_value());
  EXPECT_EQ(*loaded, entry);
  ASSERT_OK_AND_ASSIGN(core::SecretString opened, crypto::Open(keys_, loaded->sealed_password));
  EXPECT_EQ(opened.Reveal(), "Clear-Text-Password-9");

  struct stat st {};
  ASSERT_EQ(::stat(journal.path().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  std::string text = ReadFile(journal.path());
  EXPECT_EQ(text.find("Clear-Text-Password"), std::string::npos);
  EXPECT_NE(text.find("\"phase\": \"escrowed\""), std::string::npos) << text;
  EXPECT_FALSE(std::filesystem::exists(journal.path().string() + ".tmp"));
}

TEST_F(RotationJournalTest, RewriteReplacesThePhase) {
  RotationJournal journal(dir_);
  JournalEntry entry = Entry("P-1");
  ASSERT_OK(journal.Write(entry));
  entry.phase = RotationPhase::kSet;
  ASSERT_OK(journal.Write(entry));
  ASSERT_OK_AND_ASSIGN(std::optional<JournalEntry> loaded, journal.Load());
  ASSERT_TRUE(loaded.has_value());
  EXPECT_EQ(RotationPhaseName(loaded->phase), "set");
}

TEST_F(RotationJournalTest, UnreadableJournalIsDataLossAndCanBeQuarantined) {
  RotationJournal journal(dir_);
  for (std::string_view bad : {"{not json", R"({"version":1})",
                               R"({"version":1,"rotationId":"r","accountName":"a",)"
                               R"("accountSid":"","phase":"bogus","startedAt":1,)"
                               R"("sealedPassword":"AAAA"})"}) {
    std::ofstream(journal.path(), std::ios::binary) << bad;
    auto loaded = journal.Load();
    EXPECT_EQ(loaded.status().code(), StatusCode::kDataLoss) << bad;
  }
  ASSERT_OK_AND_ASSIGN(auto moved, journal.Quarantine(core::Timestamp(std::chrono::seconds(5))));
  EXPECT_EQ(moved, dir_ / "journal.json.corrupt-5");
  EXPECT_TRUE(std::filesystem::exists(moved));
  ASSERT_OK_AND_ASSIGN(auto none, journal.Load());
  EXPECT_FALSE(none.has_value());
}

}  // namespace
}  // namespace openlaps::agent
