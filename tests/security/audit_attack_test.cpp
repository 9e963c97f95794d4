// Attacks on the audit trail (issue 10 items 6 and 8): someone who holds
// lapsd's database (a dump, the SQLite file, a PostgreSQL login) rewrites
// the audit table, or someone on the network floods it with failures.
//  - The chain is keyed: editing a row and recomputing the hashes after it
//    with the old public formula, or with any key but lapsd's, is caught.
//  - The head is checkpointed outside the database: deleting the newest
//    rows is caught against lapsd's checkpoint, on restart and live.
//  - Unauthenticated failures are coalesced: a flood writes a handful of
//    rows whose counts add up to the flood.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <thread>

#include "agent/device_client.h"
#include "core/clock.h"
#include "crypto/csprng.h"
#include "crypto/request_signing.h"
#include "store/audit_chain.h"
#include "store/postgres/postgres_store.h"
#include "store/sqlite/sqlite_store.h"
#include "support/lapsd_process.h"
#include "testing/status_matchers.h"

namespace openlaps {
namespace {

// The flood tests count failed sign-ins, so the sign-in throttle (which
// would answer 429 before counting) is raised out of their way.
std::vector<std::string> WithoutSignInLockouts(std::vector<std::string> args) {
  args.insert(args.end(),
              {"--sign-in-max-failures", "100000", "--sign-in-source-max-failures", "100000"});
  return args;
}

using testing::AdminSession;
using testing::LapsdProcess;

constexpr auto kDeadline = std::chrono::seconds(30);

// Polls `done` until it holds or the deadline passes (lapsd runs on the
// system clock: the tests wait on what it does, never on a fixed sleep).
bool Eventually(const std::function<bool()>& done) {
  const auto until = std::chrono::steady_clock::now() + kDeadline;
  while (std::chrono::steady_clock::now() < until) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return done();
}

class AuditAttackTest : public ::testing::Test {
 protected:
  void SetUp() override {
    data_dir_ = std::filesystem::path(::testing::TempDir()) / ("audit-" + crypto::RandomToken(6));
    std::filesystem::create_directories(data_dir_);
  }
  void TearDown() override {
    admin_.reset();
    if (lapsd_) lapsd_->Stop();
    std::filesystem::remove_all(data_dir_);
  }

  void StartLapsd(std::vector<std::string> args = {}) {
    if (!lapsd_) lapsd_ = std::make_unique<LapsdProcess>(LAPSD_PATH, data_dir_, std::move(args));
    ASSERT_OK(lapsd_->Start()) << lapsd_->Log();
    auto admin = AdminSession::LoginInitial(lapsd_->base_url(), data_dir_);
    ASSERT_OK(admin);
    admin_ = std::move(admin).value();
  }
  void StopLapsd() {
    admin_.reset();
    ASSERT_EQ(lapsd_->Stop(), 0) << lapsd_->Log();
  }

  // Audited admin actions: one row each.
  void MakeRows(int n) {
    for (int i = 0; i < n; ++i) {
      auto tag = admin_->Call("POST", "/beta/deviceManagement/roleScopeTags",
                              {{"displayName", "tag-" + crypto::RandomToken(4)}});
      ASSERT_EQ(tag.status, 201) << tag.body;
    }
  }

  nlohmann::json Verify() {
    auto verdict = admin_->Call("POST", "/api/v1/auditEvents/verify");
    EXPECT_EQ(verdict.status, 200) << verdict.body;
    return verdict.body;
  }

  // The attacker's view of the table: every row with its raw fields.
  std::vector<store::AuditEvent> RawRows() {
    auto opened = lapsd_->on_postgres() ? store::OpenPostgresStore(lapsd_->database_url(), 1)
                                        : store::OpenSqliteStore(data_dir_ / "lapsd.db");
    EXPECT_OK(opened);
    if (!opened.ok()) return {};
    store::AuditQuery all;
    all.limit = 1000000;
    auto rows = (*opened)->QueryAudit(all);
    EXPECT_OK(rows);
    return rows.ok() ? *rows : std::vector<store::AuditEvent>{};
  }

  Status DropAuditTriggers() {
    return lapsd_->ExecSql(lapsd_->on_postgres()
                               ? "DROP TRIGGER audit_events_no_update ON audit_events; "
                                 "DROP TRIGGER audit_events_no_delete ON audit_events;"
                               : "DROP TRIGGER audit_events_no_update; "
                                 "DROP TRIGGER audit_events_no_delete;");
  }

  // Rewrites row `edited` (its actor_name) and every link after it with `seal`.
  Status EditAndRehash(std::vector<store::AuditEvent> rows, std::size_t edited,
                       const std::function<std::string(const store::AuditEvent&)>& seal) {
    rows[edited].actor_name = "mallory";
    std::string sql = "UPDATE audit_events SET actor_name = 'mallory' WHERE sequence = " +
                      std::to_string(rows[edited].sequence) + "; ";
    for (std::size_t i = edited; i < rows.size(); ++i) {
      if (i > 0) rows[i].previous_hash = rows[i - 1].hash;
      rows[i].hash = seal(rows[i]);
      sql += "UPDATE audit_events SET previous_hash = '" + rows[i].previous_hash + "', hash = '" +
             rows[i].hash + "' WHERE sequence = " + std::to_string(rows[i].sequence) + "; ";
    }
    OPENLAPS_RETURN_IF_ERROR(DropAuditTriggers());
    return lapsd_->ExecSql(sql);
  }

  std::filesystem::path CheckpointFile() const { return data_dir_ / "audit-checkpoint.json"; }

  std::filesystem::path data_dir_;
  std::unique_ptr<LapsdProcess> lapsd_;
  std::unique_ptr<AdminSession> admin_;
  core::SystemClock clock_;
};

TEST_F(AuditAttackTest, VerifyReportsTheCountAndTheHead) {
  StartLapsd();
  MakeRows(3);
  nlohmann::json verdict = Verify();
  EXPECT_EQ(verdict["intact"], true) << verdict;
  const std::vector<store::AuditEvent> rows = RawRows();
  ASSERT_FALSE(rows.empty());
  EXPECT_EQ(verdict["count"], rows.size());
  EXPECT_EQ(verdict["head"]["sequence"], rows.back().sequence);
  EXPECT_EQ(verdict["head"]["hash"], rows.back().hash);
  // Keyed: not the public formula's value.
  EXPECT_NE(rows.back().hash, store::ComputeLegacyAuditHash(rows.back()));
}

TEST_F(AuditAttackTest, DeletingTheNewestRowsIsCaughtByTheCheckpointAfterARestart) {
  StartLapsd();
  MakeRows(6);
  StopLapsd();  // shutdown writes the last checkpoint
  ASSERT_TRUE(std::filesystem::exists(CheckpointFile()));
  EXPECT_EQ(std::filesystem::status(CheckpointFile()).permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  const std::vector<store::AuditEvent> rows = RawRows();
  ASSERT_GE(rows.size(), 6u);
  ASSERT_NE(lapsd_->Log().find("\"audit checkpoint\""), std::string::npos) << lapsd_->Log();

  ASSERT_OK(DropAuditTriggers());
  ASSERT_OK(lapsd_->ExecSql("DELETE FROM audit_events WHERE sequence > " +
                            std::to_string(rows.size() - 3)));
  StartLapsd();
  nlohmann::json verdict = Verify();
  EXPECT_EQ(verdict["intact"], false) << verdict;
  EXPECT_NE(verdict.value("problem", "").find("the newest events were removed"), std::string::npos)
      << verdict;
  EXPECT_EQ(verdict["checkpoint"]["sequence"], rows.back().sequence) << verdict;
}

TEST_F(AuditAttackTest, DeletingTheNewestRowsWhileLapsdRunsIsCaughtAndNotCheckpointed) {
  StartLapsd({"--audit-checkpoint-interval", "1"});
  MakeRows(5);
  const std::int64_t head = RawRows().back().sequence;
  // Its periodic checkpoint has reached the head.
  ASSERT_TRUE(Eventually([&] {
    auto verdict = admin_->Call("POST", "/api/v1/auditEvents/verify");
    return verdict.body["checkpoint"].is_object() &&
           verdict.body["checkpoint"]["sequence"].get<std::int64_t>() >= head;
  })) << lapsd_->Log();
  const std::int64_t checkpointed = Verify()["checkpoint"]["sequence"];

  ASSERT_OK(DropAuditTriggers());
  ASSERT_OK(lapsd_->ExecSql("DELETE FROM audit_events WHERE sequence > 2"));
  nlohmann::json verdict = Verify();
  EXPECT_EQ(verdict["intact"], false) << verdict;
  EXPECT_NE(verdict.value("problem", "").find("the newest events were removed"), std::string::npos)
      << verdict;
  // The next checkpoints refuse to follow the cut: the evidence stays.
  ASSERT_TRUE(Eventually([&] {
    return lapsd_->Log().find("audit checkpoint refused") != std::string::npos;
  })) << lapsd_->Log();
  EXPECT_EQ(Verify()["checkpoint"]["sequence"], checkpointed);
  StopLapsd();
  StartLapsd();
  EXPECT_EQ(Verify()["intact"], false);
}

TEST_F(AuditAttackTest, EditingARowAndRehashingWithThePublicFormulaIsCaught) {
  StartLapsd();
  MakeRows(5);
  StopLapsd();
  std::vector<store::AuditEvent> rows = RawRows();
  ASSERT_GE(rows.size(), 5u);
  // The attacker also got rid of the outside copy: the key alone catches it.
  std::filesystem::remove(CheckpointFile());
  ASSERT_OK(EditAndRehash(rows, 2, store::ComputeLegacyAuditHash));
  StartLapsd();
  nlohmann::json verdict = Verify();
  EXPECT_EQ(verdict["intact"], false) << verdict;
  EXPECT_NE(verdict.value("problem", "")
                .find("sequence " + std::to_string(rows[2].sequence) +
                      ": event was altered or rehashed without the audit key"),
            std::string::npos)
      << verdict;
}

TEST_F(AuditAttackTest, RehashingWithAnotherKeyAndForgingTheCheckpointIsCaught) {
  StartLapsd();
  MakeRows(5);
  StopLapsd();
  std::vector<store::AuditEvent> rows = RawRows();
  ASSERT_GE(rows.size(), 5u);
  store::AuditKey guessed{};
  for (auto& b : guessed) b = 0x5a;
  ASSERT_OK(EditAndRehash(
      rows, 1, [&](const store::AuditEvent& e) { return store::ComputeAuditMac(guessed, e); }));
  // A checkpoint of the forged head, MACed with the same guessed key.
  std::vector<store::AuditEvent> forged = RawRows();
  nlohmann::json checkpoint = {{"sequence", forged.back().sequence},
                               {"head", forged.back().hash},
                               {"time", clock_.Now().time_since_epoch().count()},
                               {"mac", std::string(64, 'a')}};
  std::ofstream(CheckpointFile()) << checkpoint.dump() << "\n";
  StartLapsd();
  nlohmann::json verdict = Verify();
  EXPECT_EQ(verdict["intact"], false) << verdict;
  EXPECT_NE(verdict.value("problem", "").find("sequence " + std::to_string(rows[1].sequence)),
            std::string::npos)
      << verdict;
  // The forged checkpoint is refused on its own too.
  EXPECT_NE(lapsd_->Log().find("the audit checkpoint is unusable"), std::string::npos)
      << lapsd_->Log();
}

// Sums the `count` of every row of `activity`; `rows` gets how many there were.
std::int64_t CountOf(AdminSession& admin, const std::string& activity, std::size_t* rows) {
  auto events = admin.Call("GET", "/beta/deviceManagement/auditEvents?$top=1000&$filter=" +
                                      http::PercentEncode("activity eq '" + activity + "'"));
  EXPECT_EQ(events.status, 200) << events.body;
  std::int64_t sum = 0;
  for (const auto& e : events.body["value"]) {
    if (e["actor"]["type"] != "anonymous" || e["activityResult"] == "success") continue;
    EXPECT_TRUE(e["detail"].contains("count")) << e;
    sum += e["detail"].value("count", 0);
    ++*rows;
  }
  return sum;
}

TEST_F(AuditAttackTest, AFloodOfUnauthenticatedFailuresWritesAHandfulOfRowsThatCountIt) {
  // An interval longer than the test: the counts are flushed at shutdown.
  StartLapsd(WithoutSignInLockouts({"--unauthenticated-audit-interval", "3600"}));
  auto token = admin_->Call("POST", "/api/v1/enrollmentTokens", {{"name", "victim"}});
  agent::EnrollRequest request;
  request.token = token.body.value("token", "");
  request.device_name = "victim";
  ASSERT_OK_AND_ASSIGN(auto victim,
                       agent::DeviceClient::Enroll(lapsd_->base_url(), request, clock_));
  const std::int64_t before = Verify()["count"];

  ASSERT_OK_AND_ASSIGN(auto http, http::HttpClient::Create(lapsd_->base_url()));
  // 600 check-ins naming the real device, signed with someone else's key.
  const auto forger = crypto::SigningKeyPair::Generate();
  for (int i = 0; i < 600; ++i) {
    auto signed_request = crypto::SignRequest(forger, "POST", "/device/v1/checkin",
                                              clock_.Now().time_since_epoch().count(), "{}");
    http::Headers headers = {{"X-Laps-Device", victim->identity().device_id},
                             {"X-Laps-Timestamp", signed_request.timestamp},
                             {"X-Laps-Nonce", signed_request.nonce},
                             {"X-Laps-Signature", signed_request.signature}};
    ASSERT_EQ(http->Send("POST", "/device/v1/checkin", headers, "{}")->status, 401);
  }
  // 300 enrollments with made-up tokens and ever-new device names.
  const auto box = crypto::BoxKeyPair::Generate();
  for (int i = 0; i < 300; ++i) {
    nlohmann::json body = {{"enrollmentToken", crypto::RandomToken(16)},
                           {"deviceName", "bogus-" + std::to_string(i)},
                           {"platform", "linux"},
                           {"signPublicKey", crypto::Base64UrlEncode(forger.public_key)},
                           {"boxPublicKey", crypto::Base64UrlEncode(box.public_key)}};
    auto answer = http->Send("POST", "/device/v1/enroll", {{"Content-Type", "application/json"}},
                             body.dump());
    ASSERT_TRUE(answer.ok());
    ASSERT_GE(answer->status, 400) << answer->body;
  }
  // 100 sign-ins with ever-new user names.
  for (int i = 0; i < 100; ++i) {
    nlohmann::json body = {{"userName", "guess-" + std::to_string(i)}, {"password", "x"}};
    auto answer =
        http->Send("POST", "/api/v1/login", {{"Content-Type", "application/json"}}, body.dump());
    ASSERT_TRUE(answer.ok());
    ASSERT_GE(answer->status, 400);
  }
  // A thousand failures, a row per source and reason so far.
  const std::int64_t during = Verify()["count"];
  EXPECT_LE(during - before, 5) << "rows written during the flood";
  EXPECT_GE(during - before, 3);

  // Authenticated rows are as before: one per action.
  MakeRows(1);
  EXPECT_EQ(Verify()["count"], during + 1);

  StopLapsd();  // flushes the counts
  StartLapsd();
  std::size_t rows = 0;
  EXPECT_EQ(CountOf(*admin_, "Refused device request", &rows), 600);
  EXPECT_EQ(CountOf(*admin_, "Enroll device", &rows), 300);
  EXPECT_EQ(CountOf(*admin_, "Sign in", &rows), 100);
  EXPECT_LE(rows, 10u);
  EXPECT_EQ(Verify()["intact"], true);
}

TEST_F(AuditAttackTest, CountsAreWrittenWhenTheirIntervalEnds) {
  StartLapsd(WithoutSignInLockouts({"--unauthenticated-audit-interval", "1"}));
  ASSERT_OK_AND_ASSIGN(auto http, http::HttpClient::Create(lapsd_->base_url()));
  for (int i = 0; i < 20; ++i) {
    nlohmann::json body = {{"userName", "nobody"}, {"password", "x"}};
    ASSERT_GE(
        http->Send("POST", "/api/v1/login", {{"Content-Type", "application/json"}}, body.dump())
            ->status,
        400);
  }
  // Without a shutdown, the timer writes the rest once the interval is over.
  ASSERT_TRUE(Eventually([&] {
    std::size_t rows = 0;
    return CountOf(*admin_, "Sign in", &rows) == 20;
  })) << lapsd_->Log();
}

}  // namespace
}  // namespace openlaps
