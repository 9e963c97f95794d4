// The rotator against a real lapsd (DESIGN.md §5): a device enrolled over
// the signed protocol rotates the managed account of a scratch root, and
// faults injected between the protocol's steps are reconciled so that the
// password lapsd reveals always opens the account.
#include "agent/rotator.h"

#include "agent/fault_injecting_account_backend.h"
#include "agent_lab.h"

namespace openlaps::agent {
namespace {

using RotatorTest = AgentLab;

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
  ASSERT_OK(client_->ReportAction(
      action, protocol::ActionReport{protocol::ActionReportState::kActive, rotation_id, ""}));
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

TEST_F(RotatorTest, DisabledAndEncryptedActiveDirectoryNeverRotate) {
  core::LapsSettings disabled = settings_;
  disabled.backup_directory = core::BackupDirectory::kDisabled;
  EXPECT_TRUE(MakeRotator(*backend_)->Rotate(disabled).status().IsFailedPrecondition());
  core::LapsSettings ad = settings_;
  ad.backup_directory = core::BackupDirectory::kActiveDirectory;
  Status unsupported = MakeRotator(*backend_)->Rotate(ad).status();
  EXPECT_EQ(unsupported.code(), StatusCode::kUnimplemented);
  EXPECT_NE(unsupported.message().find("DPAPI-NG"), std::string::npos) << unsupported;
  EXPECT_EQ(ReadFile(base_ / "root/etc/shadow"), kShadow);
  EXPECT_FALSE(std::filesystem::exists(journal_->path()));
}

}  // namespace
}  // namespace openlaps::agent
