#include "protocol/device_messages.h"

#include <gtest/gtest.h>

#include <functional>
#include <vector>

#include "core/policy_json.h"

namespace openlaps::protocol {
namespace {

const core::Timestamp kNoon = *core::ParseUtc("2026-05-01T12:00:00Z");

// A wrong member, and the message FromJson must give for it.
struct BadMember {
  std::string name;
  std::function<void(nlohmann::json&)> spoil;
  std::string message;
};

template <typename T>
void ExpectRefusals(const nlohmann::json& good, const std::vector<BadMember>& cases) {
  ASSERT_TRUE(T::FromJson(good).ok()) << T::FromJson(good).status().message();
  for (const BadMember& c : cases) {
    SCOPED_TRACE(c.name);
    nlohmann::json bad = good;
    c.spoil(bad);
    Result<T> read = T::FromJson(bad);
    ASSERT_FALSE(read.ok());
    EXPECT_TRUE(read.status().IsInvalidArgument());
    EXPECT_EQ(read.status().message(), c.message);
  }
}

CheckinRequest FullCheckin() {
  CheckinRequest m;
  m.device_name = "pc-1";
  m.os_version = "Debian 12";
  m.signed_in_user = "ada@example.com";
  core::PolicySettings settings;
  m.applied_settings = settings;
  m.managed_account = ManagedAccount{"root", "S-1-22-1-0"};
  m.laps_state = "";
  m.policy_reports = std::vector<PolicyReport>{{"p-1", 3, false, ""}, {"p-2", 1, true, "boom"}};
  return m;
}

TEST(DeviceMessagesTest, EnrollRoundTrips) {
  EnrollRequest m{"tok", "pc-1", "linux", "Debian 12", "SN1", "c2lnbg", "Ym94"};
  Result<EnrollRequest> back = EnrollRequest::FromJson(m.ToJson());
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(back->ToJson(), m.ToJson());
  EXPECT_EQ(back->serial_number, "SN1");

  EnrollAnswer a{"dev-1", "ZXNjcm93", 3600, 50, 300};
  Result<EnrollAnswer> answer = EnrollAnswer::FromJson(a.ToJson());
  ASSERT_TRUE(answer.ok()) << answer.status().message();
  EXPECT_EQ(answer->ToJson(), a.ToJson());
  EXPECT_EQ(answer->long_poll_seconds, 50);
}

TEST(DeviceMessagesTest, EnrollNamesTheBadMember) {
  EnrollRequest m{"tok", "pc-1", "linux", "Debian 12", "SN1", "c2lnbg", "Ym94"};
  ExpectRefusals<EnrollRequest>(
      m.ToJson(),
      {{"token missing", [](nlohmann::json& j) { j.erase("enrollmentToken"); },
        "enroll: 'enrollmentToken' is required"},
       {"name a number", [](nlohmann::json& j) { j["deviceName"] = 5; },
        "enroll: 'deviceName' must be a string"},
       {"os too long", [](nlohmann::json& j) { j["osVersion"] = std::string(129, 'x'); },
        "enroll: 'osVersion' is longer than 128 bytes"},
       {"key missing", [](nlohmann::json& j) { j["boxPublicKey"] = nullptr; },
        "enroll: 'boxPublicKey' is required"}});
  EXPECT_EQ(EnrollRequest::FromJson(nlohmann::json::array()).status().message(),
            "enroll: the body must be a JSON object");
}

TEST(DeviceMessagesTest, SessionAnswerRoundTrips) {
  SessionAnswer m{"abc.123", kNoon, "c2VhbGVk"};
  Result<SessionAnswer> back = SessionAnswer::FromJson(m.ToJson());
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(back->expires_at, kNoon);
  EXPECT_EQ(back->ToJson(), m.ToJson());
  ExpectRefusals<SessionAnswer>(
      m.ToJson(), {{"expiry not a time", [](nlohmann::json& j) { j["expiresAt"] = "soon"; },
                    "session answer: 'expiresAt' must be a UTC time (2024-05-01T10:00:00Z)"},
                   {"no key", [](nlohmann::json& j) { j.erase("sealedKey"); },
                    "session answer: 'sealedKey' is required"}});
}

TEST(DeviceMessagesTest, CheckinRoundTrips) {
  CheckinRequest m = FullCheckin();
  Result<CheckinRequest> back = CheckinRequest::FromJson(m.ToJson());
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(back->ToJson(), m.ToJson());
  ASSERT_TRUE(back->policy_reports);
  ASSERT_EQ(back->policy_reports->size(), 2u);
  EXPECT_TRUE((*back->policy_reports)[1].error);
  EXPECT_EQ((*back->policy_reports)[1].detail, "boom");
  EXPECT_EQ(back->managed_account->sid, "S-1-22-1-0");
}

TEST(DeviceMessagesTest, AnEmptyCheckinReportsNothing) {
  Result<CheckinRequest> empty = CheckinRequest::FromJson(nlohmann::json::object());
  ASSERT_TRUE(empty.ok());
  EXPECT_FALSE(empty->managed_account);
  EXPECT_FALSE(empty->applied_settings);
  EXPECT_FALSE(empty->policy_reports) << "absent reports keep the previous ones";
  CheckinRequest no_reports;
  no_reports.policy_reports = std::vector<PolicyReport>();
  Result<CheckinRequest> cleared = CheckinRequest::FromJson(no_reports.ToJson());
  ASSERT_TRUE(cleared.ok());
  EXPECT_TRUE(cleared->policy_reports && cleared->policy_reports->empty());
}

TEST(DeviceMessagesTest, CheckinNamesTheBadMember) {
  ExpectRefusals<CheckinRequest>(
      FullCheckin().ToJson(),
      {{"state a number", [](nlohmann::json& j) { j["policyReports"][1]["state"] = 2; },
        "checkin: 'policyReports[1].state' must be a string"},
       {"state unknown", [](nlohmann::json& j) { j["policyReports"][0]["state"] = "fine"; },
        "checkin: 'policyReports[0].state' must be succeeded or error"},
       {"state missing", [](nlohmann::json& j) { j["policyReports"][0].erase("state"); },
        "checkin: 'policyReports[0].state' is required"},
       {"version a string", [](nlohmann::json& j) { j["policyReports"][0]["version"] = "3"; },
        "checkin: 'policyReports[0].version' must be an integer"},
       {"detail too long",
        [](nlohmann::json& j) { j["policyReports"][1]["detail"] = std::string(1025, 'x'); },
        "checkin: 'policyReports[1].detail' is longer than 1024 bytes"},
       {"entry not an object", [](nlohmann::json& j) { j["policyReports"][0] = "p-1"; },
        "checkin: 'policyReports[0]' must be an object"},
       {"reports not an array", [](nlohmann::json& j) { j["policyReports"] = "all fine"; },
        "checkin: 'policyReports' must be an array"},
       {"too many reports",
        [](nlohmann::json& j) {
          j["policyReports"] = nlohmann::json::array();
          for (std::size_t i = 0; i <= kMaxPolicyReports; ++i) j["policyReports"].push_back({});
        },
        "checkin: 'policyReports' has more than 256 entries"},
       {"account sid a number", [](nlohmann::json& j) { j["managedAccount"]["sid"] = 0; },
        "checkin: 'managedAccount.sid' must be a string"},
       {"account not an object", [](nlohmann::json& j) { j["managedAccount"] = "root"; },
        "checkin: 'managedAccount' must be an object"},
       {"state too long", [](nlohmann::json& j) { j["lapsState"] = std::string(1025, 'x'); },
        "checkin: 'lapsState' is longer than 1024 bytes"},
       {"user a list", [](nlohmann::json& j) { j["signedInUser"] = nlohmann::json::array(); },
        "checkin: 'signedInUser' must be a string"},
       {"settings a string", [](nlohmann::json& j) { j["appliedSettings"] = "on"; },
        "checkin: 'appliedSettings' must be an object"}});
}

TEST(DeviceMessagesTest, CheckinAnswerRoundTrips) {
  CheckinAnswer m;
  m.device_id = "dev-1";
  m.settings = core::PolicySettings();
  m.conflict = true;
  m.conflicts = {{"BackupDirectory", {"p-1", "p-2"}}};
  m.policies = {{"p-1", 2, core::PolicyStateKind::kConflict, "two policies"}};
  m.actions = {{"a-1", std::string(kRotateAction), "pending"}};
  m.last_rotation = kNoon;
  m.rotate_after_reveal_at = kNoon + std::chrono::hours(2);
  m.checkin_interval_seconds = 900;
  m.policy_epoch = 41;
  Result<CheckinAnswer> back = CheckinAnswer::FromJson(m.ToJson());
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(back->ToJson(), m.ToJson());
  EXPECT_FALSE(back->next_rotation);
  EXPECT_EQ(back->policies[0].state, core::PolicyStateKind::kConflict);
  EXPECT_EQ(back->conflicts[0].policy_ids.size(), 2u);
  EXPECT_EQ(back->policy_epoch, 41);

  ExpectRefusals<CheckinAnswer>(
      m.ToJson(),
      {{"epoch a string", [](nlohmann::json& j) { j["policyEpoch"] = "41"; },
        "check-in answer: 'policyEpoch' must be an integer"},
       {"action without id", [](nlohmann::json& j) { j["actions"][0].erase("id"); },
        "check-in answer: 'actions[0].id' is required"},
       {"unknown policy state", [](nlohmann::json& j) { j["policies"][0]["state"] = "odd"; },
        "check-in answer: 'policies[0].state' is not a policy state"}});
}

TEST(DeviceMessagesTest, UnreadableSettingsAreKeptAsTheirStatus) {
  CheckinAnswer m;
  nlohmann::json json = m.ToJson();
  json["settings"] = {{"passwordAgeDays", "long"}};
  Result<CheckinAnswer> back = CheckinAnswer::FromJson(json);
  ASSERT_TRUE(back.ok()) << back.status().message();
  ASSERT_TRUE(back->settings);
  EXPECT_FALSE(back->settings->ok());
}

TEST(DeviceMessagesTest, CredentialsRoundTripPerPhase) {
  CredentialRequest pending{CredentialPhase::kPending, "r-1", "root", "S-1", "c2VhbGVk", 1};
  Result<CredentialRequest> back = CredentialRequest::FromJson(pending.ToJson());
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(back->ToJson(), pending.ToJson());
  CredentialRequest commit;
  commit.phase = CredentialPhase::kCommit;
  commit.rotation_id = "r-1";
  Result<CredentialRequest> committed = CredentialRequest::FromJson(commit.ToJson());
  ASSERT_TRUE(committed.ok()) << committed.status().message();
  EXPECT_EQ(committed->phase, CredentialPhase::kCommit);

  ExpectRefusals<CredentialRequest>(
      pending.ToJson(),
      {{"phase unknown", [](nlohmann::json& j) { j["phase"] = "later"; },
        "credentials: 'phase' must be pending, commit or abandon"},
       {"no rotation", [](nlohmann::json& j) { j.erase("rotationId"); },
        "credentials: 'rotationId' is required"},
       {"no password", [](nlohmann::json& j) { j.erase("sealedPassword"); },
        "credentials: 'sealedPassword' is required"},
       {"directory a string", [](nlohmann::json& j) { j["backupDirectory"] = "1"; },
        "credentials: 'backupDirectory' must be an integer"},
       {"directory unknown", [](nlohmann::json& j) { j["backupDirectory"] = 3; },
        "credentials: 'backupDirectory' must be 1 (cloud) or 2 (Active Directory)"},
       {"a password for Active Directory", [](nlohmann::json& j) { j["backupDirectory"] = 2; },
        "credentials: 'sealedPassword' must be absent when the password is backed up to Active "
        "Directory"}});

  // Active Directory holds the password: the record carries none.
  CredentialRequest in_directory{CredentialPhase::kPending, "r-2", "root", "S-1", "", 2};
  EXPECT_FALSE(in_directory.ToJson().contains("sealedPassword"));
  Result<CredentialRequest> recorded = CredentialRequest::FromJson(in_directory.ToJson());
  ASSERT_TRUE(recorded.ok()) << recorded.status().message();
  EXPECT_EQ(recorded->backup_directory, 2);

  CredentialAnswer answer{"r-1", CredentialState::kCurrent, kNoon};
  Result<CredentialAnswer> read = CredentialAnswer::FromJson(answer.ToJson());
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(read->ToJson(), answer.ToJson());
}

TEST(DeviceMessagesTest, ActionsRoundTrip) {
  ActionsAnswer m{{{"a-1", std::string(kRotateAction), "active"}}, true};
  Result<ActionsAnswer> back = ActionsAnswer::FromJson(m.ToJson());
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->ToJson(), m.ToJson());

  ActionReport report{ActionReportState::kFailed, "r-1", std::string(5000, 'x')};
  Result<ActionReport> read = ActionReport::FromJson(report.ToJson());
  ASSERT_TRUE(read.ok()) << read.status().message();
  EXPECT_EQ(read->error.size(), kMaxStatusTextBytes) << "ToJson cuts the error to the limit";
  ExpectRefusals<ActionReport>(report.ToJson(),
                               {{"state unknown", [](nlohmann::json& j) { j["state"] = "maybe"; },
                                 "action report: 'state' must be active, done or failed"},
                                {"error a number", [](nlohmann::json& j) { j["error"] = 1; },
                                 "action report: 'error' must be a string"}});
}

TEST(DeviceMessagesTest, ActionsQueryRoundTrips) {
  ActionsQuery q{30, 7};
  EXPECT_EQ(q.Target(), "/device/v1/actions?wait=30&policyEpoch=7");
  Result<ActionsQuery> read = ActionsQuery::FromParameters("30", "7");
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(read->wait_seconds, 30);
  EXPECT_EQ(read->policy_epoch, 7);
  EXPECT_EQ(ActionsQuery::FromParameters("-1", std::nullopt).status().message(),
            "wait must be a whole number of seconds");
  EXPECT_EQ(ActionsQuery::FromParameters(std::nullopt, "x").status().message(),
            "policyEpoch must be the number the last check-in returned");
}

}  // namespace
}  // namespace openlaps::protocol
