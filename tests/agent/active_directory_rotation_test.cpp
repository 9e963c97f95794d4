// BackupDirectory = 2 through the rotator, against a real lapsd and a
// scratch root, with Active Directory replaced by an in-memory stub of the
// computer object (hence "OnStubDirectory" in every name). What a real
// domain controller does is proven by tests/ad (label `ad`, Samba AD DC);
// these cover the order of the steps, roll-forward after a crash at each
// one, and refusals, which a real DC cannot be made to fail at on cue.
#include <nlohmann/json.hpp>

#include "agent/active_directory/active_directory_backup.h"
#include "agent_lab.h"

namespace openlaps::agent {
namespace {

// The computer object as a map of attributes, with failures on demand.
struct StubComputerObject {
  std::map<std::string, std::string, std::less<>> attributes;
  Status next_failure;             // returned once by the next Replace, then cleared
  bool unreachable = false;        // every connection fails
  bool schema_has_version = true;  // msLAPS-CurrentPasswordVersion exists
  bool schema_missing = false;     // no Windows LAPS attributes at all
  int writes = 0;
};

class StubConnection final : public ad::DirectoryConnection {
 public:
  explicit StubConnection(StubComputerObject& object)
      : DirectoryConnection({"LAB-01$", "LAB.TEST"}), object_(object) {}

  const std::string& naming_context() const override { return context_; }

  Result<std::optional<ad::DirectoryEntry>> FindOne(
      std::string_view filter, std::span<const std::string_view> attributes) override {
    EXPECT_NE(filter.find("(sAMAccountName=LAB-01$)"), std::string_view::npos) << filter;
    ad::DirectoryEntry entry{"CN=LAB-01,CN=Computers,DC=lab,DC=test", {}};
    for (std::string_view a : attributes) {
      if (auto it = object_.attributes.find(a); it != object_.attributes.end()) {
        entry.values[std::string(a)] = {it->second};
      }
    }
    return std::optional<ad::DirectoryEntry>(std::move(entry));
  }

  Status Replace(std::string_view /*dn*/, std::span<const ad::AttributeValues> values) override {
    if (!object_.next_failure.ok()) return std::exchange(object_.next_failure, Status::Ok());
    if (object_.schema_missing) return FailedPreconditionError("no such attribute type (stub)");
    for (const ad::AttributeValues& v : values) {
      if (v.attribute == "msLAPS-CurrentPasswordVersion" && !object_.schema_has_version) {
        return FailedPreconditionError("no such attribute type msLAPS-CurrentPasswordVersion");
      }
    }
    for (const ad::AttributeValues& v : values) {
      object_.attributes[std::string(v.attribute)] = std::string(v.values.at(0));
    }
    ++object_.writes;
    return Status::Ok();
  }

 private:
  StubComputerObject& object_;
  std::string context_ = "DC=lab,DC=test";
};

class ActiveDirectoryOnStubDirectoryTest : public AgentLab {
 protected:
  void SetUp() override {
    AgentLab::SetUp();
    if (HasFatalFailure()) return;
    SetPolicySettings({{"backupDirectory", 2},
                       {"passwordAgeDays", 7},
                       {"passwordComplexity", 4},
                       {"adPasswordEncryptionEnabled", false}});
    settings_.backup_directory = core::BackupDirectory::kActiveDirectory;
    settings_.ad_password_encryption_enabled = false;
    directory_ad_ = std::make_unique<ActiveDirectoryBackup>(
        [this]() -> Result<std::unique_ptr<ad::DirectoryConnection>> {
          if (object_.unreachable) return UnavailableError("no DC answers (stub)");
          return std::unique_ptr<ad::DirectoryConnection>(new StubConnection(object_));
        },
        *client_, clock_);
    directory_ad_->UseSettings(settings_);
  }

  std::unique_ptr<Rotator> MakeAdRotator() {
    return std::make_unique<Rotator>(*backend_,
                                     BackupDirectories{directory_.get(), directory_ad_.get()},
                                     *journal_, client_->identity().box, random_, clock_);
  }

  // msLAPS-Password's "p", as an admin reading AD would see it.
  std::string PasswordInDirectory() {
    auto it = object_.attributes.find("msLAPS-Password");
    if (it == object_.attributes.end()) return "";
    return nlohmann::json::parse(it->second).at("p").get<std::string>();
  }

  nlohmann::json Credentials() {
    auto r = admin_->Call("GET", "/v1.0/directory/deviceLocalCredentials/" +
                                     client_->identity().device_id + "?$select=credentials");
    return r.status == 200 ? r.body["credentials"] : nlohmann::json::array();
  }

  StubComputerObject object_;
  std::unique_ptr<ActiveDirectoryBackup> directory_ad_;
};

TEST_F(ActiveDirectoryOnStubDirectoryTest, WritesWindowsLapsAttributesAndLapsdKeepsNoPassword) {
  const std::string before = ReadFile(base_ / "root/etc/shadow");
  ASSERT_OK_AND_ASSIGN(RotationOutcome outcome, MakeAdRotator()->Rotate(settings_));
  EXPECT_EQ(object_.writes, 1) << "one modify";

  const auto document = nlohmann::json::parse(object_.attributes.at("msLAPS-Password"));
  EXPECT_EQ(document.at("n"), "root");
  const std::int64_t written = std::stoll(document.at("t").get<std::string>(), nullptr, 16);
  EXPECT_LE(std::llabs(written - ad::ToFileTime(outcome.rotated_at)), 600'000'000)
      << "t within a minute of the rotation";
  EXPECT_TRUE(Opens(PasswordInDirectory()));
  EXPECT_NE(ReadFile(base_ / "root/etc/shadow"), before);

  ASSERT_OK_AND_ASSIGN(core::Timestamp expires,
                       ad::ParseExpiration(object_.attributes.at("msLAPS-PasswordExpirationTime")));
  EXPECT_EQ(
      std::chrono::floor<std::chrono::days>(expires - outcome.rotated_at + std::chrono::hours(1)),
      std::chrono::days(settings_.password_age_days));
  ASSERT_TRUE(outcome.next_rotation.has_value());
  EXPECT_EQ(*outcome.next_rotation, expires) << "AD's expiry is the next rotation";
  const ad::PasswordVersion version = ad::PasswordVersionFor(outcome.rotation_id);
  EXPECT_EQ(object_.attributes.at("msLAPS-CurrentPasswordVersion"),
            std::string(version.begin(), version.end()));

  // lapsd: the rotation and the account, never the password.
  const nlohmann::json credentials = Credentials();
  ASSERT_EQ(credentials.size(), 1u) << credentials;
  EXPECT_EQ(credentials[0]["accountName"], "root");
  EXPECT_EQ(credentials[0]["openlapsState"], "current");
  EXPECT_TRUE(credentials[0]["passwordBase64"].is_null());
}

TEST_F(ActiveDirectoryOnStubDirectoryTest, LegacyAttributesHoldTheBarePassword) {
  settings_.ad_legacy_laps_attributes_enabled = true;
  settings_.ad_password_encryption_enabled = true;  // irrelevant to the legacy attributes
  directory_ad_->UseSettings(settings_);
  ASSERT_OK(MakeAdRotator()->Rotate(settings_));
  EXPECT_EQ(object_.attributes.count("msLAPS-Password"), 0u);
  EXPECT_TRUE(Opens(object_.attributes.at("ms-Mcs-AdmPwd")));
  EXPECT_OK(ad::ParseExpiration(object_.attributes.at("ms-Mcs-AdmPwdExpirationTime")).status());
}

TEST_F(ActiveDirectoryOnStubDirectoryTest, EncryptionOnChangesNothingAndSaysWhy) {
  settings_.ad_password_encryption_enabled = true;
  const std::string before = ReadFile(base_ / "root/etc/shadow");
  Status refused = MakeAdRotator()->Rotate(settings_).status();
  EXPECT_EQ(refused.code(), StatusCode::kUnimplemented);
  EXPECT_NE(refused.message().find("ADPasswordEncryptionEnabled"), std::string::npos);
  EXPECT_EQ(object_.writes, 0);
  EXPECT_EQ(ReadFile(base_ / "root/etc/shadow"), before);
  EXPECT_FALSE(std::filesystem::exists(journal_->path()));
}

TEST_F(ActiveDirectoryOnStubDirectoryTest, RefusedWriteChangesNothingLocally) {
  for (StatusCode refusal : {StatusCode::kPermissionDenied, StatusCode::kFailedPrecondition}) {
    const std::string before = ReadFile(base_ / "root/etc/shadow");
    if (refusal == StatusCode::kPermissionDenied) {
      object_.next_failure = PermissionDeniedError("insufficient access (stub)");
    }
    object_.schema_missing = refusal == StatusCode::kFailedPrecondition;
    Status failed = MakeAdRotator()->Rotate(settings_).status();
    EXPECT_EQ(failed.code(), refusal);
    EXPECT_EQ(ReadFile(base_ / "root/etc/shadow"), before);
    EXPECT_FALSE(std::filesystem::exists(journal_->path())) << "nothing left to finish";
    for (const auto& c : Credentials()) EXPECT_NE(c["openlapsState"], "pending") << c;
  }
}

TEST_F(ActiveDirectoryOnStubDirectoryTest, LapsdRefusesAnAdRecordWhenThePolicySaysLapsd) {
  SetPolicySettings({{"backupDirectory", 1}, {"passwordAgeDays", 7}});
  const std::string before = ReadFile(base_ / "root/etc/shadow");
  EXPECT_TRUE(MakeAdRotator()->Rotate(settings_).status().IsFailedPrecondition());
  EXPECT_EQ(object_.writes, 0) << "nothing written to AD either";
  EXPECT_EQ(ReadFile(base_ / "root/etc/shadow"), before);
  EXPECT_FALSE(std::filesystem::exists(journal_->path()));
}

TEST_F(ActiveDirectoryOnStubDirectoryTest, SchemaWithoutVersionStillGetsThePassword) {
  object_.schema_has_version = false;
  ASSERT_OK(MakeAdRotator()->Rotate(settings_));
  EXPECT_TRUE(Opens(PasswordInDirectory()));
  EXPECT_EQ(object_.attributes.count("msLAPS-CurrentPasswordVersion"), 0u);
}

// kill -9 is proven on a real DC by tests/ad; here each step's "crash" is the
// rotator stopping there, and a fresh rotator reconciling.
TEST_F(ActiveDirectoryOnStubDirectoryTest, CrashAtEveryStepRollsForwardToThePasswordInAd) {
  ASSERT_OK(MakeAdRotator()->Rotate(settings_));
  for (RotationStep step : {RotationStep::kJournaled, RotationStep::kEscrowed,
                            RotationStep::kSetLocally, RotationStep::kCommitted}) {
    SCOPED_TRACE(static_cast<int>(step));
    auto rotator = MakeAdRotator();
    rotator->set_step_hook([step](RotationStep at) { return at == step ? Crash() : Status::Ok(); });
    EXPECT_EQ(rotator->Rotate(settings_).status().code(), StatusCode::kAborted);
    if (step >= RotationStep::kSetLocally) {
      EXPECT_TRUE(Opens(PasswordInDirectory()));
    }

    ASSERT_OK_AND_ASSIGN(ReconcileOutcome reconciled, MakeAdRotator()->Reconcile());
    if (step != RotationStep::kCommitted) {
      EXPECT_EQ(reconciled.result, Reconciliation::kCommitted);
    }
    EXPECT_TRUE(Opens(PasswordInDirectory()));
    EXPECT_FALSE(std::filesystem::exists(journal_->path()));
  }
}

TEST_F(ActiveDirectoryOnStubDirectoryTest, AfterTheWriteTheAccountFollowsAdEvenWithTheDcGone) {
  ASSERT_OK(MakeAdRotator()->Rotate(settings_));
  auto rotator = MakeAdRotator();
  rotator->set_step_hook(
      [](RotationStep at) { return at == RotationStep::kEscrowed ? Crash() : Status::Ok(); });
  EXPECT_EQ(rotator->Rotate(settings_).status().code(), StatusCode::kAborted);
  const std::string in_ad = PasswordInDirectory();
  EXPECT_FALSE(Opens(in_ad)) << "crashed between the AD write and the local set";

  object_.unreachable = true;
  EXPECT_TRUE(MakeAdRotator()->Reconcile().status().IsUnavailable());
  EXPECT_TRUE(Opens(in_ad)) << "set locally although AD could not be reached again";

  object_.unreachable = false;
  ASSERT_OK_AND_ASSIGN(ReconcileOutcome reconciled, MakeAdRotator()->Reconcile());
  EXPECT_EQ(reconciled.result, Reconciliation::kCommitted);
  EXPECT_EQ(PasswordInDirectory(), in_ad);
  EXPECT_TRUE(Opens(in_ad));
}

TEST_F(ActiveDirectoryOnStubDirectoryTest, UnreachableBeforeTheWriteKeepsTheJournalAndTheAccount) {
  ASSERT_OK(MakeAdRotator()->Rotate(settings_));
  const std::string in_ad = PasswordInDirectory();
  object_.unreachable = true;
  EXPECT_TRUE(MakeAdRotator()->Rotate(settings_).status().IsUnavailable());
  EXPECT_TRUE(Opens(in_ad));
  EXPECT_TRUE(std::filesystem::exists(journal_->path())) << "unknown outcome: kept to finish";
  EXPECT_TRUE(MakeAdRotator()->Reconcile().status().IsUnavailable());
  EXPECT_TRUE(Opens(in_ad));

  object_.unreachable = false;
  ASSERT_OK_AND_ASSIGN(ReconcileOutcome reconciled, MakeAdRotator()->Reconcile());
  EXPECT_EQ(reconciled.result, Reconciliation::kCommitted) << "rolled forward";
  EXPECT_NE(PasswordInDirectory(), in_ad);
  EXPECT_TRUE(Opens(PasswordInDirectory()));
}

TEST_F(ActiveDirectoryOnStubDirectoryTest, ReadsTheExpiryAnAdminSetAndTheVersion) {
  ASSERT_OK_AND_ASSIGN(RotationOutcome outcome, MakeAdRotator()->Rotate(settings_));
  const core::Timestamp earlier = outcome.rotated_at - std::chrono::hours(1);
  object_.attributes["msLAPS-PasswordExpirationTime"] = ad::FormatExpiration(earlier);
  ASSERT_OK_AND_ASSIGN(DirectoryPasswordState state, directory_ad_->ReadPasswordState());
  EXPECT_EQ(state.expiration, earlier);
  EXPECT_EQ(state.version, ad::PasswordVersionFor(outcome.rotation_id));

  object_.attributes.clear();
  ASSERT_OK_AND_ASSIGN(state, directory_ad_->ReadPasswordState());
  EXPECT_FALSE(state.expiration.has_value());
  EXPECT_FALSE(state.version.has_value());
}

TEST_F(ActiveDirectoryOnStubDirectoryTest, LapsdShowsTheDeviceAsBackedUpToAdWithAdsExpiry) {
  ASSERT_OK_AND_ASSIGN(RotationOutcome outcome, MakeAdRotator()->Rotate(settings_));
  const std::string path =
      "/v1.0/directory/deviceLocalCredentials/" + client_->identity().device_id;
  auto info = admin_->Call("GET", path);
  ASSERT_EQ(info.status, 200) << info.body;
  EXPECT_EQ(info.body["openlapsBackupDirectory"], "activeDirectory");
  // lapsd reckons the expiry from its own clock at the commit, a moment after
  // the agent's (a second boundary may fall between); the check-in below
  // replaces it with AD's exactly.
  const auto refresh = core::ParseUtc(info.body.value("refreshDateTime", ""));
  ASSERT_TRUE(refresh.has_value()) << info.body;
  EXPECT_LE(std::chrono::abs(*refresh - *outcome.next_rotation), std::chrono::seconds(5))
      << info.body;
  auto listed = admin_->Call("GET", std::string("/v1.0/directory/deviceLocalCredentials?$filter=") +
                                        "openlapsBackupDirectory%20eq%20'activeDirectory'");
  ASSERT_EQ(listed.status, 200) << listed.body;
  EXPECT_EQ(listed.body["value"].size(), 1u);

  // An admin moved the expiry in AD; the agent reports what it read there.
  const core::Timestamp earlier = outcome.rotated_at + std::chrono::hours(2);
  core::PolicySettings applied;
  applied.Set(core::SettingId::kBackupDirectory, std::int64_t{2});
  protocol::CheckinRequest checkin;
  checkin.applied_settings = applied;
  checkin.directory_expiration = earlier;
  ASSERT_OK(client_->SendCheckin(checkin).status());
  EXPECT_EQ(admin_->Call("GET", path).body["refreshDateTime"], core::FormatUtc(earlier));

  // With lapsd's own escrow the device cannot move its next rotation.
  applied.Set(core::SettingId::kBackupDirectory, std::int64_t{1});
  checkin.applied_settings = applied;
  checkin.directory_expiration = earlier + std::chrono::days(300);
  ASSERT_OK(client_->SendCheckin(checkin).status());
  EXPECT_EQ(admin_->Call("GET", path).body["refreshDateTime"], core::FormatUtc(earlier));
}

// The password of an AD-backed device is in AD: listing its credentials in
// lapsd shows none, so it is not audited as a reveal, not throttled, and
// does not schedule a rotation after a reveal.
TEST_F(ActiveDirectoryOnStubDirectoryTest, ListingAnAdDevicesCredentialsIsNoReveal) {
  SetPolicySettings({{"backupDirectory", 2},
                     {"passwordAgeDays", 7},
                     {"adPasswordEncryptionEnabled", false},
                     {"rotateAfterRevealHours", 1}});
  ASSERT_OK(MakeAdRotator()->Rotate(settings_).status());
  const std::string device_id = client_->identity().device_id;
  auto listed = admin_->Call(
      "GET", "/v1.0/directory/deviceLocalCredentials/" + device_id + "?$select=credentials");
  ASSERT_EQ(listed.status, 200) << listed.body;
  ASSERT_EQ(listed.body["credentials"].size(), 1u) << listed.body;
  EXPECT_TRUE(listed.body["credentials"][0]["passwordBase64"].is_null());
  auto reveals = admin_->Call(
      "GET", "/beta/deviceManagement/auditEvents?$filter=" +
                 http::PercentEncode("activity eq 'Recover device local administrator password'"));
  ASSERT_EQ(reveals.status, 200) << reveals.body;
  EXPECT_TRUE(reveals.body["value"].empty()) << reveals.body;
  ASSERT_OK_AND_ASSIGN(nlohmann::json answer, client_->Checkin({}));
  EXPECT_TRUE(answer.value("rotateAfterRevealAt", nlohmann::json()).is_null()) << answer;
}

}  // namespace
}  // namespace openlaps::agent
