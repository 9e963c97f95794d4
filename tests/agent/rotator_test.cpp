// The rotator against a real lapsd (DESIGN.md §5): a device enrolled over
// the signed protocol rotates the managed account of a scratch root, and
// faults injected between the protocol's steps are reconciled so that the
// password lapsd reveals always opens the account.
#include "agent/rotator.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "agent/backup_directory_client.h"
#include "agent/device_client.h"
#include "agent/fault_injecting_account_backend.h"
#include "agent/platform/linux/linux_account_backend.h"
#include "core/policy_json.h"
#include "crypto/csprng.h"
#include "crypto/encoding.h"
#include "support/lapsd_process.h"
#include "testing/status_matchers.h"

namespace openlaps::agent {
namespace {

using openlaps::testing::AdminSession;
using openlaps::testing::LapsdProcess;

constexpr const char* kLapsTemplate = "adc46e5a-f4aa-4ff6-aeff-4f27bc525796_1";
constexpr std::string_view kPasswd =
    "root:x:0:0:root:/root:/bin/bash\n"
    "alice:x:1000:1000:Alice:/home/alice:/bin/bash\n";
constexpr std::string_view kShadow =
    "root:$6$saltsalt$notarealhash:19000:0:99999:7:::\n"
    "alice:*:19000:0:99999:7:::\n";

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// A crash right after a step took effect: nothing after it runs.
Status Crash() { return Status(StatusCode::kAborted, "injected crash"); }

class RotatorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    base_ = std::filesystem::path(::testing::TempDir()) / ("agent-" + crypto::RandomToken(6));
    std::filesystem::create_directories(base_ / "lapsd");
    std::filesystem::create_directories(base_ / "root/etc");
    std::filesystem::create_directories(base_ / "state");
    std::ofstream(base_ / "root/etc/passwd") << kPasswd;
    std::ofstream(base_ / "root/etc/shadow") << kShadow;
    backend_ = std::make_unique<LinuxAccountBackend>(
        LinuxAccountBackend::Options{.root = base_ / "root", .while_locked = {}}, clock_);
    journal_ = std::make_unique<RotationJournal>(base_ / "state");

    lapsd_ = std::make_unique<LapsdProcess>(LAPSD_PATH, base_ / "lapsd");
    ASSERT_OK(lapsd_->Start()) << lapsd_->Log();
    ASSERT_OK_AND_ASSIGN(admin_, AdminSession::LoginInitial(lapsd_->base_url(), base_ / "lapsd"));

    auto group = admin_->Call("POST", "/v1.0/groups",
                              {{"displayName", "Lab"}, {"openlapsGroupKind", "device"}});
    ASSERT_EQ(group.status, 201) << group.body;
    auto policy = admin_->Call(
        "POST", "/beta/deviceManagement/configurationPolicies",
        {{"name", "Lab LAPS"},
         {"platforms", "linux"},
         {"technologies", "mdm"},
         {"templateReference", {{"templateId", kLapsTemplate}}},
         {"lapsSettings",
          {{"backupDirectory", 1}, {"passwordAgeDays", 7}, {"passwordComplexity", 4}}}});
    ASSERT_EQ(policy.status, 201) << policy.body;
    auto assigned = admin_->Call("POST",
                                 "/beta/deviceManagement/configurationPolicies/" +
                                     policy.body["id"].get<std::string>() + "/assign",
                                 {{"assignments",
                                   {{{"target",
                                      {{"@odata.type", "#microsoft.graph.groupAssignmentTarget"},
                                       {"groupId", group.body["id"]}}}}}}});
    ASSERT_EQ(assigned.status, 200) << assigned.body;
    auto token = admin_->Call("POST", "/api/v1/enrollmentTokens",
                              {{"name", "lab"}, {"uses", 1}, {"groupIds", {group.body["id"]}}});
    ASSERT_EQ(token.status, 201) << token.body;

    EnrollRequest request;
    request.token = token.body["token"];
    request.device_name = "lab-01";
    ASSERT_OK_AND_ASSIGN(client_, DeviceClient::Enroll(lapsd_->base_url(), request, clock_));
    directory_ = std::make_unique<LapsdBackupDirectory>(*client_);

    ASSERT_OK_AND_ASSIGN(nlohmann::json answer, client_->Checkin({}));
    ASSERT_OK_AND_ASSIGN(core::PolicySettings configured,
                         core::PolicySettingsFromJson(answer["settings"]));
    settings_ = core::LapsSettings::Resolve(configured);
    ASSERT_EQ(settings_.backup_directory, core::BackupDirectory::kCloud);
  }

  void TearDown() override {
    if (lapsd_) lapsd_->Stop();
    std::filesystem::remove_all(base_);
  }

  // A rotator as a freshly started agent builds it, over `accounts`.
  std::unique_ptr<Rotator> MakeRotator(AccountBackend& accounts) {
    return std::make_unique<Rotator>(accounts, *directory_, *journal_, client_->identity().box,
                                     random_, clock_);
  }

  // The escrowed passwords by state ("current", "pending", "history").
  std::multimap<std::string, std::string> Escrowed() {
    auto r = admin_->Call("GET", "/v1.0/directory/deviceLocalCredentials/" +
                                     client_->identity().device_id + "?$select=credentials");
    std::multimap<std::string, std::string> out;
    if (r.status == 404) return out;  // never backed up
    EXPECT_EQ(r.status, 200) << r.body;
    for (const auto& c : r.body["credentials"]) {
      auto bytes = crypto::Base64Decode(c["passwordBase64"].get<std::string>());
      out.emplace(c["openlapsState"].get<std::string>(), std::string(bytes->begin(), bytes->end()));
    }
    return out;
  }

  std::string CurrentPassword() {
    auto escrowed = Escrowed();
    auto it = escrowed.find("current");
    return it == escrowed.end() ? std::string() : it->second;
  }

  bool Opens(const std::string& password) {
    auto result = backend_->VerifyPassword({"root", 0, "S-1-22-1-0"}, core::SecretString(password));
    return result.ok() && *result;
  }

  core::SystemClock clock_;  // lapsd checks request timestamps
  crypto::CsprngRandom random_;
  std::filesystem::path base_;
  std::unique_ptr<LapsdProcess> lapsd_;
  std::unique_ptr<AdminSession> admin_;
  std::unique_ptr<DeviceClient> client_;
  std::unique_ptr<LapsdBackupDirectory> directory_;
  core::LapsSettings settings_;
  std::unique_ptr<LinuxAccountBackend> backend_;
  std::unique_ptr<RotationJournal> journal_;
};

TEST_F(RotatorTest, FullRotationEscrowsThePasswordTheAccountNowHas) {
  std::string before = ReadFile(base_ / "root/etc/shadow");
  auto rotator = MakeRotator(*backend_);
  ASSERT_OK_AND_ASSIGN(RotationOutcome outcome, rotator->Rotate(settings_));
  EXPECT_EQ(outcome.account, (ManagedAccount{"root", 0, "S-1-22-1-0"}));
  ASSERT_TRUE(outcome.next_rotation.has_value());
  EXPECT_EQ(*outcome.next_rotation - outcome.rotated_at, std::chrono::days(7));

  std::string current = CurrentPassword();
  ASSERT_EQ(current.size(), 14u) << "PasswordLength default";
  EXPECT_TRUE(Opens(current));
  EXPECT_EQ(Escrowed().count("pending"), 0u);
  EXPECT_FALSE(std::filesystem::exists(journal_->path()));
  EXPECT_NE(ReadFile(base_ / "root/etc/shadow"), before);

  // The device's view carries the account and the rotation dates.
  auto device = admin_->Call(
      "GET", "/v1.0/directory/deviceLocalCredentials/" + client_->identity().device_id);
  EXPECT_FALSE(device.body["refreshDateTime"].is_null()) << device.body;

  ASSERT_OK_AND_ASSIGN(RotationOutcome second, rotator->Rotate(settings_));
  EXPECT_NE(second.rotation_id, outcome.rotation_id);
  std::string newer = CurrentPassword();
  EXPECT_NE(newer, current);
  EXPECT_TRUE(Opens(newer));
  EXPECT_FALSE(Opens(current));
}

TEST_F(RotatorTest, FaultAfterEscrowBeforeSetIsAbandonedAndTheOldPasswordStillOpens) {
  ASSERT_OK(MakeRotator(*backend_)->Rotate(settings_));
  std::string old_password = CurrentPassword();

  FaultInjectingAccountBackend faulty(*backend_);
  faulty.FailNth(AccountOp::kSetPassword, 1, Crash());
  auto rotator = MakeRotator(faulty);
  Result<RotationOutcome> failed = rotator->Rotate(settings_, "rot-crash-before-set");
  EXPECT_EQ(failed.status().code(), StatusCode::kAborted);
  ASSERT_OK_AND_ASSIGN(auto journaled, journal_->Load());
  ASSERT_TRUE(journaled.has_value());
  EXPECT_EQ(journaled->phase, RotationPhase::kEscrowed);
  EXPECT_EQ(Escrowed().count("pending"), 1u) << "an admin sees the pending one in flight";
  EXPECT_TRUE(Opens(CurrentPassword()));

  // A rotation cannot start over an unfinished one.
  EXPECT_TRUE(rotator->Rotate(settings_).status().IsFailedPrecondition());

  // "Restart": a fresh rotator reconciles.
  ASSERT_OK_AND_ASSIGN(ReconcileOutcome reconciled, MakeRotator(*backend_)->Reconcile());
  EXPECT_EQ(reconciled.result, Reconciliation::kAbandoned);
  EXPECT_EQ(reconciled.rotation_id, "rot-crash-before-set");
  EXPECT_FALSE(reconciled.rotate_now);
  EXPECT_EQ(CurrentPassword(), old_password);
  EXPECT_TRUE(Opens(old_password));
  EXPECT_EQ(Escrowed().count("pending"), 0u);
  EXPECT_FALSE(std::filesystem::exists(journal_->path()));
}

TEST_F(RotatorTest, FaultAfterSetBeforeCommitIsCommittedOnReconcile) {
  ASSERT_OK(MakeRotator(*backend_)->Rotate(settings_));
  std::string old_password = CurrentPassword();

  FaultInjectingAccountBackend faulty(*backend_);
  faulty.AfterNth(AccountOp::kSetPassword, 1, Crash);
  Result<RotationOutcome> failed = MakeRotator(faulty)->Rotate(settings_, "rot-crash-after-set");
  EXPECT_EQ(failed.status().code(), StatusCode::kAborted);
  EXPECT_FALSE(Opens(old_password)) << "the account already has P'";
  EXPECT_EQ(CurrentPassword(), old_password) << "not committed yet";
  auto escrowed = Escrowed();
  ASSERT_EQ(escrowed.count("pending"), 1u);
  EXPECT_TRUE(Opens(escrowed.find("pending")->second)) << "the pending one opens it meanwhile";

  ASSERT_OK_AND_ASSIGN(ReconcileOutcome reconciled, MakeRotator(*backend_)->Reconcile());
  EXPECT_EQ(reconciled.result, Reconciliation::kCommitted);
  std::string current = CurrentPassword();
  EXPECT_NE(current, old_password);
  EXPECT_TRUE(Opens(current));
  EXPECT_EQ(Escrowed().count("pending"), 0u);
  EXPECT_FALSE(std::filesystem::exists(journal_->path()));

  ASSERT_OK_AND_ASSIGN(ReconcileOutcome again, MakeRotator(*backend_)->Reconcile());
  EXPECT_EQ(again.result, Reconciliation::kNothingToDo);
}

TEST_F(RotatorTest, EveryCrashPointLeavesAnEscrowedPasswordThatOpensTheAccount) {
  ASSERT_OK(MakeRotator(*backend_)->Rotate(settings_));
  for (RotationStep crash_at : {RotationStep::kJournaled, RotationStep::kEscrowed,
                                RotationStep::kSetLocally, RotationStep::kCommitted}) {
    SCOPED_TRACE(static_cast<int>(crash_at));
    auto rotator = MakeRotator(*backend_);
    rotator->set_step_hook(
        [&](RotationStep step) { return step == crash_at ? Crash() : Status(); });
    (void)rotator->Rotate(settings_).status();
    // In flight, an admin sees current and pending: one of them opens it.
    bool opened = false;
    for (const auto& [state, password] : Escrowed()) {
      if (state != "history" && Opens(password)) opened = true;
    }
    EXPECT_TRUE(opened);
    ASSERT_OK(MakeRotator(*backend_)->Reconcile());
    EXPECT_TRUE(Opens(CurrentPassword()));
    EXPECT_EQ(Escrowed().count("pending"), 0u);
  }
}

TEST_F(RotatorTest, ManualActionIsDoneWhenItsRotationCommits) {
  ASSERT_OK(MakeRotator(*backend_)->Rotate(settings_));
  std::string device_id = client_->identity().device_id;
  auto requested = admin_->Call("POST", "/beta/deviceManagement/managedDevices/" + device_id +
                                            "/rotateLocalAdminPassword?queue=true");
  ASSERT_EQ(requested.status, 204) << requested.body;
  ASSERT_OK_AND_ASSIGN(nlohmann::json answer, client_->Checkin({}));
  ASSERT_EQ(answer["actions"].size(), 1u) << answer;
  std::string action = answer["actions"][0]["id"];

  std::string rotation_id = Rotator::NewRotationId();
  ASSERT_OK(client_->ReportAction(action, "active", rotation_id));
  ASSERT_OK(MakeRotator(*backend_)->Rotate(settings_, rotation_id));
  auto device = admin_->Call("GET", "/beta/deviceManagement/managedDevices/" + device_id);
  EXPECT_EQ(device.body["deviceActionResults"][0]["actionState"], "done") << device.body;
  EXPECT_TRUE(Opens(CurrentPassword()));
}

TEST_F(RotatorTest, MissingAccountIsNotFoundAndNothingIsEscrowed) {
  core::LapsSettings settings = settings_;
  settings.administrator_account_name = "ghost";
  auto result = MakeRotator(*backend_)->Rotate(settings);
  EXPECT_TRUE(result.status().IsNotFound());
  EXPECT_EQ(result.status().message(), "account 'ghost' not found");
  EXPECT_TRUE(Escrowed().empty());
  EXPECT_FALSE(std::filesystem::exists(journal_->path()));
  EXPECT_EQ(ReadFile(base_ / "root/etc/shadow"), kShadow);
}

TEST_F(RotatorTest, DisabledAndActiveDirectoryNeverRotate) {
  core::LapsSettings disabled = settings_;
  disabled.backup_directory = core::BackupDirectory::kDisabled;
  EXPECT_TRUE(MakeRotator(*backend_)->Rotate(disabled).status().IsFailedPrecondition());
  core::LapsSettings ad = settings_;
  ad.backup_directory = core::BackupDirectory::kActiveDirectory;
  Status unsupported = MakeRotator(*backend_)->Rotate(ad).status();
  EXPECT_EQ(unsupported.code(), StatusCode::kUnimplemented);
  EXPECT_EQ(unsupported.message(), "Active Directory backup is not yet supported");
  EXPECT_EQ(ReadFile(base_ / "root/etc/shadow"), kShadow);
  EXPECT_FALSE(std::filesystem::exists(journal_->path()));
}

}  // namespace
}  // namespace openlaps::agent
