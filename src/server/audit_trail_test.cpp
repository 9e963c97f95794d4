#include "server/audit_trail.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>

#include "store/sqlite/sqlite_store.h"
#include "testing/status_matchers.h"

namespace openlaps::server {
namespace {

namespace fs = std::filesystem;

core::Timestamp T(std::int64_t seconds) { return core::Timestamp(std::chrono::seconds(seconds)); }

constexpr store::AuditKey kKey = {7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7,
                                  7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7};

TEST(AuditCheckpointTest, RoundTripsAndRefusesAnotherKeyOrAnEdit) {
  AuditCheckpoint checkpoint{{12, std::string(64, 'a')}, T(1000)};
  const std::string text = FormatAuditCheckpoint(kKey, checkpoint);
  ASSERT_OK_AND_ASSIGN(AuditCheckpoint parsed, ParseAuditCheckpoint(kKey, text));
  EXPECT_EQ(parsed.head, checkpoint.head);
  EXPECT_EQ(parsed.time, checkpoint.time);

  store::AuditKey other = kKey;
  other[0] = 8;
  EXPECT_EQ(ParseAuditCheckpoint(other, text).status().code(), StatusCode::kDataLoss);
  std::string edited = text;
  edited.replace(edited.find("12"), 2, "11");
  EXPECT_EQ(ParseAuditCheckpoint(kKey, edited).status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(ParseAuditCheckpoint(kKey, "not json").status().code(), StatusCode::kDataLoss);
}

class AuditTrailTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(::testing::TempDir()) /
           ("openlaps_audit_trail_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    ASSERT_OK_AND_ASSIGN(store_, store::OpenSqliteStore(dir_ / "lapsd.db"));
    store_->SetAuditKey(kKey);
  }
  void TearDown() override { fs::remove_all(dir_); }

  AuditTrailOptions Options() const {
    return {.checkpoint_file = dir_ / "audit-checkpoint.json",
            .coalesce_interval = std::chrono::seconds(60)};
  }
  Status Append(int n) {
    for (int i = 0; i < n; ++i) {
      store::AuditEvent event;
      event.activity = "Reveal";
      event.time = T(i);
      OPENLAPS_RETURN_IF_ERROR(store_->AppendAudit(event).status());
    }
    return Status::Ok();
  }

  fs::path dir_;
  std::unique_ptr<store::Store> store_;
};

TEST_F(AuditTrailTest, WritesAPrivateCheckpointThatANewTrailComparesWith) {
  ASSERT_OK(Append(3));
  {
    AuditTrail trail(*store_, kKey, Options());
    ASSERT_OK(trail.WriteCheckpoint(T(50)));
  }
  struct stat st {};
  ASSERT_EQ(::stat((dir_ / "audit-checkpoint.json").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600);
  EXPECT_FALSE(fs::exists(dir_ / "audit-checkpoint.json.tmp"));

  AuditTrail reopened(*store_, kKey, Options());
  ASSERT_OK_AND_ASSIGN(nlohmann::json verdict, reopened.Verify());
  EXPECT_EQ(verdict["intact"], true) << verdict;
  EXPECT_EQ(verdict["count"], 3);
  EXPECT_EQ(verdict["head"]["sequence"], 3);
  EXPECT_EQ(verdict["checkpoint"]["sequence"], 3);
}

TEST_F(AuditTrailTest, AForgedCheckpointFileIsReportedAndNeverReplaced) {
  ASSERT_OK(Append(2));
  store::AuditKey other = kKey;
  other[5] = 0;
  ASSERT_OK(WriteAuditCheckpointFile(other, dir_ / "audit-checkpoint.json", {{1, "00"}, T(1)}));
  AuditTrail trail(*store_, kKey, Options());
  ASSERT_OK_AND_ASSIGN(nlohmann::json verdict, trail.Verify());
  EXPECT_EQ(verdict["intact"], false) << verdict;
  EXPECT_NE(verdict["problem"].get<std::string>().find("MAC"), std::string::npos) << verdict;
  EXPECT_EQ(trail.WriteCheckpoint(T(5)).code(), StatusCode::kDataLoss);
}

TEST_F(AuditTrailTest, CoalescedCountsAreWrittenWhenTheIntervalEndsOrAtTheEnd) {
  AuditTrail trail(*store_, kKey, Options());
  store::AuditEvent failure;
  failure.activity = "Sign in";
  failure.detail_json = R"({"reason":"bad password"})";
  for (int i = 0; i < 100; ++i) ASSERT_OK(trail.RecordUnauthenticated("k", failure, T(10 + i % 5)));
  ASSERT_OK_AND_ASSIGN(std::vector<store::AuditEvent> rows, store_->QueryAudit({}));
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(nlohmann::json::parse(rows[0].detail_json)["count"], 1);
  ASSERT_OK(trail.FlushDue(T(20)));  // interval not over
  ASSERT_OK(trail.FlushDue(T(70)));
  ASSERT_OK_AND_ASSIGN(rows, store_->QueryAudit({}));
  ASSERT_EQ(rows.size(), 2u);
  nlohmann::json detail = nlohmann::json::parse(rows[1].detail_json);
  EXPECT_EQ(detail["count"], 99);
  EXPECT_EQ(detail["reason"], "bad password");
  EXPECT_EQ(detail["firstTime"], core::FormatUtc(T(11)));

  ASSERT_OK(trail.RecordUnauthenticated("k", failure, T(100)));
  ASSERT_OK(trail.RecordUnauthenticated("k", failure, T(101)));
  ASSERT_OK(trail.FlushAll());
  ASSERT_OK_AND_ASSIGN(rows, store_->QueryAudit({}));
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(nlohmann::json::parse(rows[3].detail_json)["count"], 1);
  EXPECT_OK(store_->VerifyAudit(std::nullopt));
}

}  // namespace
}  // namespace openlaps::server
