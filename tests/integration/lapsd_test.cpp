// lapsd end to end: a real server on a temporary SQLite file, real devices
// speaking the signed device protocol, admins calling the Graph-shaped API.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <future>
#include <iostream>
#include <sstream>

#include "agent/device_client.h"
#include "core/clock.h"
#include "crypto/csprng.h"
#include "crypto/encoding.h"
#include "crypto/escrow_box.h"
#include "crypto/request_signing.h"
#include "support/lapsd_process.h"
#include "testing/status_matchers.h"

namespace openlaps {
namespace {

using testing::AdminSession;
using testing::LapsdProcess;

constexpr const char* kLapsTemplate = "adc46e5a-f4aa-4ff6-aeff-4f27bc525796_1";

nlohmann::json CloudPolicyBody(const std::string& name, int age_days) {
  return {{"name", name},
          {"platforms", "windows10,linux"},
          {"technologies", "mdm"},
          {"templateReference", {{"templateId", kLapsTemplate}}},
          {"lapsSettings", {{"backupDirectory", 1}, {"passwordAgeDays", age_days}}}};
}

// An audit query for one activity (and optionally one result).
std::string AuditFilter(const std::string& activity, const std::string& result = "") {
  std::string filter = "activity eq '" + activity + "'";
  if (!result.empty()) filter += " and activityResult eq '" + result + "'";
  return "/beta/deviceManagement/auditEvents?$filter=" + http::PercentEncode(filter);
}

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class LapsdTest : public ::testing::Test {
 protected:
  void SetUp() override {
    data_dir_ = std::filesystem::path(::testing::TempDir()) / ("lapsd-" + crypto::RandomToken(6));
    std::filesystem::create_directories(data_dir_);
    lapsd_ = std::make_unique<LapsdProcess>(LAPSD_PATH, data_dir_,
                                            std::vector<std::string>{"--log-level", "debug"});
    ASSERT_TRUE(lapsd_->Start().ok()) << lapsd_->Log();
    auto admin = AdminSession::LoginInitial(lapsd_->base_url(), data_dir_);
    ASSERT_TRUE(admin.ok()) << admin.status() << lapsd_->Log();
    admin_ = std::move(admin).value();
  }

  void TearDown() override {
    if (HasFailure() && lapsd_) std::cerr << "lapsd log:\n" << lapsd_->Log();
    if (lapsd_) lapsd_->Stop();
    std::filesystem::remove_all(data_dir_);
  }

  std::string CreateGroup(const std::string& name, const std::string& kind = "device") {
    auto r =
        admin_->Call("POST", "/v1.0/groups", {{"displayName", name}, {"openlapsGroupKind", kind}});
    EXPECT_EQ(r.status, 201) << r.body;
    return r.body.value("id", "");
  }

  std::string CreatePolicy(const nlohmann::json& body) {
    auto r = admin_->Call("POST", "/beta/deviceManagement/configurationPolicies", body);
    EXPECT_EQ(r.status, 201) << r.body;
    return r.body.value("id", "");
  }

  void Assign(const std::string& policy, const std::vector<std::string>& groups) {
    nlohmann::json assignments = nlohmann::json::array();
    for (const auto& g : groups) {
      assignments.push_back(
          {{"target",
            {{"@odata.type", "#microsoft.graph.groupAssignmentTarget"}, {"groupId", g}}}});
    }
    auto r =
        admin_->Call("POST", "/beta/deviceManagement/configurationPolicies/" + policy + "/assign",
                     {{"assignments", assignments}});
    EXPECT_EQ(r.status, 200) << r.body;
  }

  std::unique_ptr<agent::DeviceClient> EnrollDevice(const std::string& name,
                                                    const std::vector<std::string>& groups = {},
                                                    const nlohmann::json& tags = nullptr) {
    nlohmann::json body = {{"name", name}, {"uses", 1}, {"groupIds", groups}};
    if (!tags.is_null()) body["roleScopeTagIds"] = tags;
    auto token = admin_->Call("POST", "/api/v1/enrollmentTokens", body);
    EXPECT_EQ(token.status, 201) << token.body;
    agent::EnrollRequest request;
    request.token = token.body.value("token", "");
    request.device_name = name;
    auto device = agent::DeviceClient::Enroll(lapsd_->base_url(), request, clock_);
    EXPECT_TRUE(device.ok()) << device.status();
    return device.ok() ? std::move(device).value() : nullptr;
  }

  // Escrows and commits a password as the agent would.
  void BackUp(agent::DeviceClient& device, const std::string& rotation_id,
              const std::string& password) {
    auto pending =
        device.EscrowPending(rotation_id, "root", "S-1-22-1-0", core::SecretString(password));
    ASSERT_TRUE(pending.ok()) << pending.status();
    auto commit = device.Commit(rotation_id);
    ASSERT_TRUE(commit.ok()) << commit.status();
  }

  std::string RevealCurrent(AdminSession& admin, const std::string& device_id, int* status) {
    auto r = admin.Call(
        "GET", "/v1.0/directory/deviceLocalCredentials/" + device_id + "?$select=credentials");
    *status = r.status;
    if (r.status != 200) return "";
    for (const auto& c : r.body["credentials"]) {
      if (c["openlapsState"] == "current") {
        auto bytes = crypto::Base64Decode(c["passwordBase64"].get<std::string>());
        return std::string(bytes->begin(), bytes->end());
      }
    }
    return "";
  }

  core::SystemClock clock_;
  std::filesystem::path data_dir_;
  std::unique_ptr<LapsdProcess> lapsd_;
  std::unique_ptr<AdminSession> admin_;
};

TEST_F(LapsdTest, FirstStartHandsOverAdminCredentialsPrivately) {
  struct stat st {};
  ASSERT_EQ(::stat((data_dir_ / "initial-admin.json").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600);
  ASSERT_EQ(::stat((data_dir_ / "escrow.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600);
  nlohmann::json creds = nlohmann::json::parse(ReadFile(data_dir_ / "initial-admin.json"));
  EXPECT_EQ(lapsd_->Log().find(creds["password"].get<std::string>()), std::string::npos);
  auto me = admin_->Call("GET", "/api/v1/me");
  EXPECT_EQ(me.status, 200);
  EXPECT_EQ(me.body["userName"], "admin");
  EXPECT_EQ(admin_->Call("POST", "/api/v1/logout").status, 204);
  EXPECT_EQ(admin_->Call("GET", "/api/v1/me").status, 401) << "the token is revoked";
}

TEST_F(LapsdTest, RejectsBadLoginsAndMissingTokensWithGraphErrors) {
  auto bad = AdminSession::Login(lapsd_->base_url(), "admin", "wrong-password");
  EXPECT_FALSE(bad.ok());
  auto anonymous = AdminSession::Login(lapsd_->base_url(), "nobody", "x");
  EXPECT_FALSE(anonymous.ok());
  auto http = http::HttpClient::Create(lapsd_->base_url());
  ASSERT_TRUE(http.ok());
  auto r = (*http)->Send("GET", "/beta/deviceManagement/managedDevices");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 401);
  auto body = nlohmann::json::parse(r->body);
  EXPECT_EQ(body["error"]["code"], "InvalidAuthenticationToken");
  EXPECT_TRUE(body["error"]["innerError"].contains("request-id"));
  auto events = admin_->Call("GET", AuditFilter("Sign in", "failure"));
  EXPECT_EQ(events.body["value"].size(), 2u) << events.body;
}

TEST_F(LapsdTest, EscrowRevealAndManualRotationEndToEnd) {
  std::string group = CreateGroup("Lab");
  std::string policy = CreatePolicy(CloudPolicyBody("LAPS lab", 10));
  Assign(policy, {group});
  auto device = EnrollDevice("lab-01", {group});
  ASSERT_TRUE(device);

  auto checkin = device->Checkin({{"managedAccount", {{"name", "root"}, {"sid", "S-1-22-1-0"}}}});
  ASSERT_TRUE(checkin.ok()) << checkin.status();
  EXPECT_FALSE((*checkin)["conflict"].get<bool>());
  EXPECT_EQ((*checkin)["settings"]["passwordAgeDays"], 10);
  EXPECT_EQ((*checkin)["policies"][0]["state"], "pending");

  BackUp(*device, "rot-1", "First-Secret-Password-1");
  std::string device_id = device->identity().device_id;
  int status = 0;
  EXPECT_EQ(RevealCurrent(*admin_, device_id, &status), "First-Secret-Password-1");
  EXPECT_EQ(status, 200);

  // Metadata without credentials, and the reveal was audited.
  auto meta = admin_->Call("GET", "/v1.0/directory/deviceLocalCredentials/" + device_id);
  EXPECT_EQ(meta.status, 200);
  EXPECT_FALSE(meta.body.contains("credentials"));
  EXPECT_FALSE(meta.body["refreshDateTime"].is_null());
  auto audit = admin_->Call("GET", AuditFilter("Recover device local administrator password"));
  ASSERT_EQ(audit.body["value"].size(), 1u);
  EXPECT_EQ(audit.body["value"][0]["targetId"], device_id);

  // A parked long-poll gets the rotation at once.
  auto poller = agent::DeviceClient::FromIdentity(
      lapsd_->base_url(),
      agent::DeviceIdentity{device->identity().device_id, device->identity().signing.Clone(),
                            device->identity().box.Clone(), device->identity().escrow_public_key},
      clock_);
  ASSERT_TRUE(poller.ok());
  std::thread rotate([&] {
    // The device checked in moments ago, so it counts as online.
    auto r = admin_->Call(
        "POST", "/beta/deviceManagement/managedDevices/" + device_id + "/rotateLocalAdminPassword");
    EXPECT_EQ(r.status, 204) << r.body;
  });
  auto woken = (*poller)->WaitForActions(30);
  rotate.join();
  ASSERT_TRUE(woken.ok()) << woken.status();
  if ((*woken)["actions"].empty()) woken = (*poller)->WaitForActions(30);
  ASSERT_EQ((*woken)["actions"].size(), 1u) << *woken;
  std::string action = (*woken)["actions"][0]["id"];

  auto second = admin_->Call(
      "POST", "/beta/deviceManagement/managedDevices/" + device_id + "/rotateLocalAdminPassword");
  EXPECT_EQ(second.status, 409) << "a second rotation while one is outstanding";

  ASSERT_TRUE(
      device->ReportAction(action, {protocol::ActionReportState::kActive, "rot-2", ""}).ok());
  auto active = admin_->Call("GET", "/beta/deviceManagement/managedDevices/" + device_id);
  EXPECT_EQ(active.body["deviceActionResults"][0]["actionState"], "active");
  BackUp(*device, "rot-2", "Second-Secret-Password-2");
  auto done = admin_->Call("GET", "/beta/deviceManagement/managedDevices/" + device_id);
  EXPECT_EQ(done.body["deviceActionResults"][0]["actionState"], "done") << done.body;
  EXPECT_FALSE(done.body["lastPasswordRotationDateTime"].is_null());
  EXPECT_EQ(RevealCurrent(*admin_, device_id, &status), "Second-Secret-Password-2");

  auto verify = admin_->Call("POST", "/api/v1/auditEvents/verify");
  EXPECT_EQ(verify.body["intact"], true) << verify.body;
}

TEST_F(LapsdTest, RotationRefusedWhenNeverBackedUpOrOffline) {
  auto device = EnrollDevice("fresh-01");
  ASSERT_TRUE(device);
  std::string id = device->identity().device_id;
  std::string rotate = "/beta/deviceManagement/managedDevices/" + id + "/rotateLocalAdminPassword";
  auto never = admin_->Call("POST", rotate);
  EXPECT_EQ(never.status, 409);
  EXPECT_NE(never.body["error"]["message"].get<std::string>().find("never backed up"),
            std::string::npos);

  // Backed up, but never checked in and not long-polling: offline.
  BackUp(*device, "rot-1", "Offline-Password-1");
  EXPECT_TRUE(device->Abandon("never-escrowed").ok()) << "abandon is idempotent";
  auto offline = admin_->Call("POST", rotate);
  EXPECT_EQ(offline.status, 409);
  EXPECT_NE(offline.body["error"]["message"].get<std::string>().find("offline"), std::string::npos);
  auto queued = admin_->Call("POST", rotate + "?queue=true");
  EXPECT_EQ(queued.status, 204) << queued.body;
  auto checkin = device->Checkin({});
  ASSERT_TRUE(checkin.ok());
  EXPECT_EQ((*checkin)["actions"].size(), 1u);
}

TEST_F(LapsdTest, ForgedAndReplayedDeviceRequestsAreRefused) {
  auto device = EnrollDevice("dev-01");
  ASSERT_TRUE(device);
  auto http = http::HttpClient::Create(lapsd_->base_url());
  ASSERT_TRUE(http.ok());
  std::int64_t now = clock_.Now().time_since_epoch().count();
  std::string body = "{}";
  auto sig =
      crypto::SignRequest(device->identity().signing, "POST", "/device/v1/checkin", now, body);
  http::Headers headers{{"X-Laps-Device", device->identity().device_id},
                        {"X-Laps-Timestamp", sig.timestamp},
                        {"X-Laps-Nonce", sig.nonce},
                        {"X-Laps-Signature", sig.signature}};
  auto first = (*http)->Send("POST", "/device/v1/checkin", headers, body);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->status, 200) << first->body;
  auto replay = (*http)->Send("POST", "/device/v1/checkin", headers, body);
  EXPECT_EQ(replay->status, 401);

  auto other_key = crypto::SigningKeyPair::Generate();
  auto forged = crypto::SignRequest(other_key, "POST", "/device/v1/checkin", now, body);
  headers["X-Laps-Nonce"] = forged.nonce;
  headers["X-Laps-Signature"] = forged.signature;
  EXPECT_EQ((*http)->Send("POST", "/device/v1/checkin", headers, body)->status, 401);

  auto stale = crypto::SignRequest(device->identity().signing, "POST", "/device/v1/checkin",
                                   now - 3600, body);
  headers = {{"X-Laps-Device", device->identity().device_id},
             {"X-Laps-Timestamp", stale.timestamp},
             {"X-Laps-Nonce", stale.nonce},
             {"X-Laps-Signature", stale.signature}};
  EXPECT_EQ((*http)->Send("POST", "/device/v1/checkin", headers, body)->status, 401);

  auto refused = admin_->Call("GET", AuditFilter("Refused device request"));
  EXPECT_EQ(refused.body["value"].size(), 3u) << refused.body;
}

TEST_F(LapsdTest, SessionMacsAuthenticateAndForgeriesAreRefused) {
  auto device = EnrollDevice("session-01");
  ASSERT_TRUE(device);
  device->UseSessions(false);
  auto opened = device->Send("POST", "/device/v1/session", nlohmann::json::object());
  ASSERT_TRUE(opened.ok()) << opened.status();
  std::string session = (*opened)["session"];
  auto sealed = crypto::Base64UrlDecode((*opened)["sealedKey"].get<std::string>());
  ASSERT_TRUE(sealed.ok());
  auto key = crypto::Open(device->identity().box, *sealed);
  ASSERT_TRUE(key.ok());
  auto http = http::HttpClient::Create(lapsd_->base_url());
  ASSERT_TRUE(http.ok());
  auto send = [&](const std::string& target, const std::string& session_header,
                  std::string_view mac_key) {
    std::string body = "{}";
    auto mac = crypto::MacRequest(crypto::AsBytes(mac_key), "POST", target,
                                  clock_.Now().time_since_epoch().count(), body);
    http::Headers headers{{"X-Laps-Device", device->identity().device_id},
                          {"X-Laps-Session", session_header},
                          {"X-Laps-Timestamp", mac.timestamp},
                          {"X-Laps-Nonce", mac.nonce},
                          {"X-Laps-Mac", mac.mac}};
    return (*http)->Send("POST", target, headers, body)->status;
  };
  EXPECT_EQ(send("/device/v1/checkin", session, key->Reveal()), 200);
  std::string wrong(32, 'k');
  EXPECT_EQ(send("/device/v1/checkin", session, wrong), 401);
  std::string stretched = session.substr(0, session.rfind('.') + 1) + "99999999999";
  EXPECT_EQ(send("/device/v1/checkin", stretched, key->Reveal()), 401)
      << "the expiry is bound into the key";
  EXPECT_EQ(send("/device/v1/session", session, key->Reveal()), 401)
      << "a session cannot open another";
  // Both forged MACs come from one source for one reason: one row now, the
  // second counted until the interval ends (security_audit_test).
  auto refused = admin_->Call("GET", AuditFilter("Refused device request"));
  ASSERT_EQ(refused.body["value"].size(), 1u) << refused.body;
  EXPECT_EQ(refused.body["value"][0]["detail"]["reason"], "bad request MAC");
  EXPECT_EQ(refused.body["value"][0]["detail"]["count"], 1);
}

TEST_F(LapsdTest, ConflictingPoliciesFollowBothRules) {
  std::string group = CreateGroup("Everyone");
  std::string a = CreatePolicy(CloudPolicyBody("A", 10));
  Assign(a, {group});
  auto configured = EnrollDevice("configured", {group});
  auto first = configured->Checkin({});
  ASSERT_TRUE(first.ok());
  nlohmann::json applied = (*first)["settings"];
  ASSERT_EQ(applied["passwordAgeDays"], 10);
  ASSERT_TRUE(configured->Checkin({{"appliedSettings", applied}}).ok());

  std::string b = CreatePolicy(CloudPolicyBody("B", 20));
  Assign(b, {group});
  auto fresh = EnrollDevice("fresh", {group});
  auto fresh_view = fresh->Checkin({});
  ASSERT_TRUE(fresh_view.ok());
  EXPECT_TRUE((*fresh_view)["conflict"].get<bool>());
  EXPECT_TRUE((*fresh_view)["settings"].is_null()) << "a fresh device gets nothing";
  for (const auto& p : (*fresh_view)["policies"]) EXPECT_EQ(p["state"], "conflict");

  auto kept = configured->Checkin({{"appliedSettings", applied}});
  ASSERT_TRUE(kept.ok());
  EXPECT_TRUE((*kept)["conflict"].get<bool>());
  EXPECT_EQ((*kept)["settings"]["passwordAgeDays"], 10) << "a configured device keeps its values";

  auto statuses =
      admin_->Call("GET", "/beta/deviceManagement/configurationPolicies/" + b + "/deviceStatuses");
  EXPECT_EQ(statuses.body["openlapsCounts"]["conflict"], 2) << statuses.body;

  // Aligning the values clears the conflict on the next check-in.
  auto aligned =
      admin_->Call("PATCH", "/beta/deviceManagement/configurationPolicies/" + b,
                   {{"lapsSettings", {{"backupDirectory", 1}, {"passwordAgeDays", 10}}}});
  EXPECT_EQ(aligned.status, 200) << aligned.body;
  auto cleared = fresh->Checkin({});
  EXPECT_FALSE((*cleared)["conflict"].get<bool>());
  EXPECT_EQ((*cleared)["settings"]["passwordAgeDays"], 10);
}

TEST_F(LapsdTest, PolicyValidationReportsEveryBadValue) {
  nlohmann::json body = CloudPolicyBody("bad", 3);
  body["lapsSettings"]["passwordLength"] = 100;
  auto r = admin_->Call("POST", "/beta/deviceManagement/configurationPolicies", body);
  EXPECT_EQ(r.status, 400);
  std::string message = r.body["error"]["message"];
  EXPECT_NE(message.find("PasswordAgeDays"), std::string::npos) << message;
  EXPECT_NE(message.find("PasswordLength"), std::string::npos) << message;
}

TEST_F(LapsdTest, RolesLimitWhatEachAdminMaySeeAndDo) {
  auto device = EnrollDevice("hd-01");
  BackUp(*device, "rot-1", "Helpdesk-Visible-1");
  auto roles = admin_->Call("GET", "/beta/deviceManagement/roleDefinitions");
  std::map<std::string, std::string> role_ids;
  for (const auto& r : roles.body["value"]) role_ids[r["displayName"]] = r["id"];
  ASSERT_EQ(role_ids.size(), 4u);

  auto make_admin = [&](const std::string& name, const std::string& role, nlohmann::json tags) {
    auto created = admin_->Call("POST", "/api/v1/admins",
                                {{"userName", name}, {"password", "a-long-password-" + name}});
    ASSERT_EQ(created.status, 201) << created.body;
    auto assigned = admin_->Call("POST", "/beta/deviceManagement/roleAssignments",
                                 {{"displayName", name},
                                  {"roleDefinitionId", role_ids[role]},
                                  {"members", {name}},
                                  {"roleScopeTagIds", tags}});
    ASSERT_EQ(assigned.status, 201) << assigned.body;
  };
  make_admin("reader", "Read Only Operator", {"0"});
  make_admin("helpdesk", "Help Desk Operator", {"0"});
  auto tag =
      admin_->Call("POST", "/beta/deviceManagement/roleScopeTags", {{"displayName", "Paris"}});
  ASSERT_EQ(tag.status, 201);
  make_admin("paris", "Help Desk Operator", {tag.body["id"]});

  auto reader = AdminSession::Login(lapsd_->base_url(), "reader", "a-long-password-reader");
  auto helpdesk = AdminSession::Login(lapsd_->base_url(), "helpdesk", "a-long-password-helpdesk");
  auto paris = AdminSession::Login(lapsd_->base_url(), "paris", "a-long-password-paris");
  ASSERT_TRUE(reader.ok() && helpdesk.ok() && paris.ok());
  std::string id = device->identity().device_id;
  int status = 0;

  EXPECT_EQ((*reader)->Call("GET", "/beta/deviceManagement/managedDevices/" + id).status, 200);
  EXPECT_EQ(RevealCurrent(**reader, id, &status), "");
  EXPECT_EQ(status, 403);
  EXPECT_EQ((*reader)
                ->Call("POST",
                       "/beta/deviceManagement/managedDevices/" + id + "/rotateLocalAdminPassword")
                .status,
            403);
  EXPECT_EQ(
      (*reader)
          ->Call("POST", "/beta/deviceManagement/configurationPolicies", CloudPolicyBody("x", 30))
          .status,
      403);

  EXPECT_EQ(RevealCurrent(**helpdesk, id, &status), "Helpdesk-Visible-1");
  EXPECT_EQ((*helpdesk)->Call("GET", "/beta/deviceManagement/auditEvents").status, 403);

  // Out of scope is invisible: 404, and absent from lists.
  EXPECT_EQ((*paris)->Call("GET", "/beta/deviceManagement/managedDevices/" + id).status, 404);
  EXPECT_EQ(RevealCurrent(**paris, id, &status), "");
  EXPECT_EQ(status, 404);
  EXPECT_TRUE((*paris)->Call("GET", "/beta/deviceManagement/managedDevices").body["value"].empty());
}

TEST_F(LapsdTest, RestartKeepsEverythingAndTheDatabaseHoldsNoPlainPassword) {
  std::string group = CreateGroup("Kept");
  std::string policy = CreatePolicy(CloudPolicyBody("Kept policy", 30));
  Assign(policy, {group});
  auto device = EnrollDevice("kept-01", {group});
  const std::string password = "Plaintext-Must-Not-Leak-42";
  BackUp(*device, "rot-1", password);

  EXPECT_EQ(lapsd_->Stop(), 0);
  for (const char* file : {"lapsd.db", "lapsd.db-wal"}) {
    std::string bytes = ReadFile(data_dir_ / file);
    EXPECT_EQ(bytes.find(password), std::string::npos) << file;
  }
  EXPECT_EQ(lapsd_->Log().find(password), std::string::npos);

  ASSERT_TRUE(lapsd_->Start().ok()) << lapsd_->Log();
  auto admin = AdminSession::LoginInitial(lapsd_->base_url(), data_dir_);
  ASSERT_TRUE(admin.ok());
  int status = 0;
  EXPECT_EQ(RevealCurrent(**admin, device->identity().device_id, &status), password);
  auto policies = (*admin)->Call(
      "GET", "/beta/deviceManagement/configurationPolicies/" + policy + "/assignments");
  EXPECT_EQ(policies.body["value"][0]["target"]["groupId"], group);
  // The device's identity survives too: a signed check-in still works.
  auto again = agent::DeviceClient::FromIdentity(
      lapsd_->base_url(),
      agent::DeviceIdentity{device->identity().device_id, device->identity().signing.Clone(),
                            device->identity().box.Clone(), device->identity().escrow_public_key},
      clock_);
  ASSERT_TRUE(again.ok());
  auto checkin = (*again)->Checkin({});
  ASSERT_TRUE(checkin.ok()) << checkin.status();
  EXPECT_EQ((*checkin)["settings"]["passwordAgeDays"], 30);
}

TEST_F(LapsdTest, RefusesToStartWithoutItsEscrowKeyOnceInUse) {
  auto device = EnrollDevice("key-01", {});
  ASSERT_TRUE(device);
  BackUp(*device, "rot-1", "Escrowed-Before-The-Key-Went-1");
  EXPECT_EQ(lapsd_->Stop(), 0);
  const auto key = data_dir_ / "escrow.key";
  const auto aside = data_dir_ / "escrow.key.aside";
  std::filesystem::rename(key, aside);
  // A fresh key would make every escrowed password unrevealable.
  EXPECT_FALSE(lapsd_->Start().ok());
  EXPECT_NE(lapsd_->Log().find("escrow key file"), std::string::npos) << lapsd_->Log();
  EXPECT_FALSE(std::filesystem::exists(key));
  // With the key restored, everything is back.
  std::filesystem::rename(aside, key);
  ASSERT_TRUE(lapsd_->Start().ok()) << lapsd_->Log();
  auto admin = AdminSession::LoginInitial(lapsd_->base_url(), data_dir_);
  ASSERT_TRUE(admin.ok());
  int status = 0;
  EXPECT_EQ(RevealCurrent(**admin, device->identity().device_id, &status),
            "Escrowed-Before-The-Key-Went-1");
}

TEST_F(LapsdTest, APolicyChangeWakesAParkedDeviceAtOnce) {
  std::string group = CreateGroup("Wake");
  auto device = EnrollDevice("wake-01", {group});
  ASSERT_TRUE(device);
  std::string id = device->identity().device_id;
  std::promise<Result<nlohmann::json>> answer;
  std::thread poller([&] { answer.set_value(device->WaitForActions(60)); });
  // Parked once lapsd reports the never-checked-in device online.
  bool parked = false;
  for (int i = 0; i < 2000 && !parked; ++i) {
    parked =
        admin_->Call("GET", "/beta/deviceManagement/managedDevices/" + id).body["isOnline"] == true;
  }
  ASSERT_TRUE(parked);
  auto started = std::chrono::steady_clock::now();
  Assign(CreatePolicy(CloudPolicyBody("Wake policy", 30)), {group});
  auto result = answer.get_future().get();
  poller.join();
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_TRUE((*result)["woken"].get<bool>());
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(30));
  auto checkin = device->Checkin({});
  EXPECT_EQ((*checkin)["settings"]["passwordAgeDays"], 30);
}

TEST_F(LapsdTest, APolicyChangeWhileNotParkedEndsTheNextLongPollAtOnce) {
  std::string group = CreateGroup("Between polls");
  auto device = EnrollDevice("between-01", {group});
  ASSERT_TRUE(device);
  auto first = device->Checkin({});
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_TRUE((*first)["policyEpoch"].is_number_integer()) << *first;
  // Unchanged policies: the long-poll parks and runs out (1 s) unwoken. On
  // PostgreSQL the notices of the enrollment's own changes arrive
  // asynchronously and may still wake the first one; they do not go on.
  bool quiet_seen = false;
  for (int i = 0; i < 5 && !quiet_seen; ++i) {
    auto quiet = device->WaitForActions(1);
    ASSERT_TRUE(quiet.ok()) << quiet.status();
    quiet_seen = !(*quiet)["woken"].get<bool>();
    if (!quiet_seen) {
      ASSERT_TRUE(device->Checkin({}).ok());
    }
  }
  ASSERT_TRUE(quiet_seen) << "five quiet long-polls in a row were woken";
  // The policy changes while the device is between two long-polls: nothing
  // is parked to be woken, so the next long-poll must answer at once,
  // not after its 60 s.
  Assign(CreatePolicy(CloudPolicyBody("Between polls policy", 45)), {group});
  auto started = std::chrono::steady_clock::now();
  auto next = device->WaitForActions(60);
  ASSERT_TRUE(next.ok()) << next.status();
  EXPECT_TRUE((*next)["woken"].get<bool>());
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(30));
  auto checkin = device->Checkin({});
  ASSERT_TRUE(checkin.ok()) << checkin.status();
  EXPECT_EQ((*checkin)["settings"]["passwordAgeDays"], 45);
  EXPECT_NE((*checkin)["policyEpoch"], (*first)["policyEpoch"]);
}

TEST_F(LapsdTest, RevealSchedulesARotationWhenThePolicyAsksForIt) {
  std::string group = CreateGroup("Reveal");
  nlohmann::json body = CloudPolicyBody("Rotate after reveal", 30);
  body["lapsSettings"]["rotateAfterRevealHours"] = 2;
  Assign(CreatePolicy(body), {group});
  auto device = EnrollDevice("reveal-01", {group});
  ASSERT_TRUE(device);
  auto before = device->Checkin({});
  EXPECT_TRUE((*before)["rotateAfterRevealAt"].is_null());
  BackUp(*device, "rot-1", "Reveal-Me-Then-Rotate-1");
  int status = 0;
  auto revealed_at = clock_.Now();
  EXPECT_EQ(RevealCurrent(*admin_, device->identity().device_id, &status),
            "Reveal-Me-Then-Rotate-1");
  auto after = device->Checkin({});
  auto due = core::ParseUtc((*after)["rotateAfterRevealAt"].get<std::string>());
  ASSERT_TRUE(due.has_value());
  EXPECT_GE(*due, revealed_at + std::chrono::hours(2));
  EXPECT_LE(*due, clock_.Now() + std::chrono::hours(2));
  // The next backup clears it.
  BackUp(*device, "rot-2", "Rotated-After-Reveal-2");
  EXPECT_TRUE((*device->Checkin({}))["rotateAfterRevealAt"].is_null());
}

TEST_F(LapsdTest, GroupMembersAreManagedGraphStyle) {
  std::string group = CreateGroup("Members");
  auto device = EnrollDevice("member-01");
  ASSERT_TRUE(device);
  std::string id = device->identity().device_id;
  std::string members = "/v1.0/groups/" + group + "/members";
  EXPECT_EQ(admin_
                ->Call("POST", members + "/$ref",
                       {{"@odata.id", "https://graph.microsoft.com/v1.0/directoryObjects/" + id}})
                .status,
            204);
  auto listed = admin_->Call("GET", members);
  ASSERT_EQ(listed.body["value"].size(), 1u);
  EXPECT_EQ(listed.body["value"][0]["id"], id);
  EXPECT_EQ(admin_->Call("POST", members + "/$ref", {{"@odata.id", "no-such-device"}}).status, 400);
  EXPECT_EQ(admin_->Call("DELETE", members + "/" + id + "/$ref").status, 204);
  EXPECT_EQ(admin_->Call("DELETE", members + "/" + id + "/$ref").status, 404);
  EXPECT_TRUE(admin_->Call("GET", members).body["value"].empty());
}

TEST(LapsdTlsTest, ServesTheApiOverTls) {
  if (!std::filesystem::exists("/usr/bin/openssl")) GTEST_SKIP() << "no openssl CLI";
  auto dir = std::filesystem::path(::testing::TempDir()) / ("tls-" + crypto::RandomToken(6));
  std::filesystem::create_directories(dir);
  std::string cert = (dir / "cert.pem").string(), key = (dir / "key.pem").string();
  std::string command =
      "openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=localhost "
      "-addext subjectAltName=IP:127.0.0.1 -days 1 -keyout " +
      key + " -out " + cert + " 2>/dev/null";
  ASSERT_EQ(std::system(command.c_str()), 0);
  LapsdProcess lapsd(LAPSD_PATH, dir, {"--tls-cert", cert, "--tls-key", key});
  ASSERT_TRUE(lapsd.Start().ok()) << lapsd.Log();
  std::string url = "https://127.0.0.1:" + std::to_string(lapsd.port());
  http::ClientOptions trusting;
  trusting.ca_file = cert;
  auto client = http::HttpClient::Create(url, trusting);
  ASSERT_TRUE(client.ok());
  auto health = (*client)->Send("GET", "/healthz");
  ASSERT_TRUE(health.ok()) << health.status();
  EXPECT_EQ(health->status, 200);
  auto untrusting = http::HttpClient::Create(url);
  ASSERT_TRUE(untrusting.ok());
  EXPECT_FALSE((*untrusting)->Send("GET", "/healthz").ok()) << "an unknown CA must be refused";
  EXPECT_EQ(lapsd.Stop(), 0);
  std::filesystem::remove_all(dir);
}

// What Get-LapsAADPassword does: the device's name to its Entra deviceId
// (GET /devices?$filter=displayName eq ...), then deviceLocalCredentials by
// that id, metadata first, the password when asked.
TEST_F(LapsdTest, EntraDevicesLeadFromANameToTheCredentials) {
  auto pc01 = EnrollDevice("PC01");
  auto pc02 = EnrollDevice("PC02-lab");
  ASSERT_TRUE(pc01 && pc02);
  BackUp(*pc01, "rot-1", "Entra-Lookup-Password-1");
  const std::string device_id = pc01->identity().device_id;

  auto found = admin_->Call("GET", "/v1.0/devices?$filter=displayName%20eq%20'PC01'");
  ASSERT_EQ(found.status, 200) << found.body;
  ASSERT_EQ(found.body["value"].size(), 1u) << found.body;
  const nlohmann::json device = found.body["value"][0];
  EXPECT_EQ(device["displayName"], "PC01");
  EXPECT_EQ(device["deviceId"], device_id) << "deviceId is managedDevice.azureADDeviceId";
  EXPECT_NE(device["id"], device_id) << "the directory object's id is its own";
  EXPECT_EQ(device["operatingSystem"], "Linux");
  EXPECT_EQ(device["@odata.type"], "#microsoft.graph.device");
  auto managed = admin_->Call("GET", "/beta/deviceManagement/managedDevices/" + device_id);
  EXPECT_EQ(managed.body["azureADDeviceId"], device["deviceId"]);

  auto metadata = admin_->Call(
      "GET", "/v1.0/directory/deviceLocalCredentials/" + device["deviceId"].get<std::string>());
  ASSERT_EQ(metadata.status, 200) << metadata.body;
  EXPECT_EQ(metadata.body["deviceName"], "PC01");
  EXPECT_FALSE(metadata.body.contains("credentials")) << "no password unless asked";
  int status = 0;
  EXPECT_EQ(RevealCurrent(*admin_, device["deviceId"], &status), "Entra-Lookup-Password-1");
  EXPECT_EQ(status, 200);

  // One device, by its object id or by its deviceId.
  for (const std::string& key : {device["id"].get<std::string>(), device_id}) {
    auto one = admin_->Call("GET", "/v1.0/devices/" + key + "?$select=id,displayName");
    ASSERT_EQ(one.status, 200) << one.body;
    EXPECT_EQ(one.body, (nlohmann::json{{"id", device["id"]}, {"displayName", "PC01"}}));
  }
  EXPECT_EQ(admin_->Call("GET", "/v1.0/devices/00000000-0000-0000-0000-000000000000").status, 404);

  auto starts = admin_->Call("GET", "/beta/devices?$filter=startswith(displayName,'pc0')");
  ASSERT_EQ(starts.status, 200) << starts.body;
  EXPECT_EQ(starts.body["value"].size(), 2u);

  // $search and $count on directory objects need ConsistencyLevel, as in Entra.
  const std::string search = "/v1.0/devices?$search=%22displayName:lab%22&$count=true";
  auto refused = admin_->Call("GET", search);
  EXPECT_EQ(refused.status, 400) << refused.body;
  EXPECT_NE(refused.body.dump().find("ConsistencyLevel"), std::string::npos) << refused.body;
  auto searched = admin_->CallRaw("GET", search, "", {{"ConsistencyLevel", "eventual"}});
  ASSERT_EQ(searched.status, 200) << searched.body;
  ASSERT_EQ(searched.body["value"].size(), 1u) << searched.body;
  EXPECT_EQ(searched.body["value"][0]["displayName"], "PC02-lab");
  EXPECT_EQ(searched.body["@odata.count"], 1);

  // $top=0: no items and no next page (a page iterator would never end).
  auto none = admin_->Call("GET", "/v1.0/devices?$top=0");
  ASSERT_EQ(none.status, 200) << none.body;
  EXPECT_TRUE(none.body["value"].empty());
  EXPECT_FALSE(none.body.contains("@odata.nextLink")) << none.body;
}

// Every collection honours a query option or refuses it: a script that takes
// value[0] of a filtered list must never get someone else's object.
TEST_F(LapsdTest, EveryCollectionHonoursOrRefusesItsQueryOptions) {
  auto pc01 = EnrollDevice("PC01");
  auto pc02 = EnrollDevice("PC02");
  ASSERT_TRUE(pc01 && pc02);
  BackUp(*pc01, "rot-1", "Query-Options-Password-1");
  for (const char* name : {"Paris", "Lyon"}) {
    ASSERT_EQ(admin_->Call("POST", "/beta/deviceManagement/roleScopeTags", {{"displayName", name}})
                  .status,
              201);
  }
  const std::string group = CreateGroup("Query");
  for (const auto* device : {pc01.get(), pc02.get()}) {
    ASSERT_EQ(admin_
                  ->Call("POST", "/v1.0/groups/" + group + "/members/$ref",
                         {{"@odata.id", device->identity().device_id}})
                  .status,
              204);
  }
  const std::string pc01_id = pc01->identity().device_id;
  for (int i = 0; i < 2; ++i) {
    auto rotate = admin_->Call("POST", "/beta/deviceManagement/managedDevices/" + pc01_id +
                                           "/rotateLocalAdminPassword?queue=true");
    ASSERT_EQ(rotate.status, i == 0 ? 204 : 409) << rotate.body;
  }

  struct Query {
    std::string target;
    std::size_t expected;
  };
  const Query queries[] = {
      // Graph beta's bare form is the same option.
      {"/beta/deviceManagement/managedDevices?filter=deviceName%20eq%20'PC02'", 1},
      {"/beta/deviceManagement/managedDevices?top=1", 1},
      {"/beta/deviceManagement/roleScopeTags?$filter=displayName%20eq%20'Lyon'", 1},
      {"/beta/deviceManagement/roleScopeTags?$top=2", 2},
      {"/v1.0/groups/" + group + "/members?$filter=displayName%20eq%20'PC01'", 1},
      {"/v1.0/groups/" + group + "/members?$top=1", 1},
      {"/beta/deviceManagement/managedDevices/" + pc01_id +
           "/deviceActionResults?$filter=actionState%20eq%20'done'",
       0},
      {"/beta/deviceManagement/roleAssignments?$filter=displayName%20eq%20'nobody'", 0},
      {"/api/v1/admins?$filter=userName%20eq%20'admin'", 1},
  };
  for (const Query& q : queries) {
    auto r = admin_->Call("GET", q.target);
    ASSERT_EQ(r.status, 200) << q.target << ": " << r.body;
    EXPECT_EQ(r.body["value"].size(), q.expected) << q.target << ": " << r.body;
  }
  for (const std::string& refused : std::vector<std::string>{
           "/beta/deviceManagement/roleScopeTags?$filter=color%20eq%20'red'",
           "/beta/deviceManagement/roleScopeTags?$expand=assignments",
           "/beta/deviceManagement/managedDevices?expand=deviceActionResults",
           "/beta/deviceManagement/managedDevices/" + pc01_id + "/deviceActionResults?$search=x"}) {
    auto r = admin_->Call("GET", refused);
    EXPECT_EQ(r.status, 400) << refused << ": " << r.body;
  }
}

// Behind a TLS proxy lapsd's own links use the URL clients reach it at, and
// a client's request id comes back with the answer, as Graph does.
TEST_F(LapsdTest, LinksUseThePublicUrlAndTheClientRequestIdIsEchoed) {
  for (const char* name : {"PROXY-01", "PROXY-02"}) ASSERT_TRUE(EnrollDevice(name));
  const std::string client_id = "5b3c2a1e-9d4f-4e8a-b7c6-0123456789ab";
  auto echoed = admin_->CallRaw("GET", "/beta/deviceManagement/managedDevices", "",
                                {{"client-request-id", client_id}});
  ASSERT_EQ(echoed.status, 200) << echoed.body;
  EXPECT_EQ(echoed.headers["client-request-id"], client_id);
  EXPECT_FALSE(echoed.headers["request-id"].empty());
  auto odd = admin_->CallRaw("GET", "/beta/deviceManagement/managedDevices", "",
                             {{"client-request-id", "not an id; <script>"}});
  EXPECT_EQ(odd.headers.count("client-request-id"), 0u);

  EXPECT_EQ(lapsd_->Stop(), 0);
  lapsd_ = std::make_unique<LapsdProcess>(
      LAPSD_PATH, data_dir_, std::vector<std::string>{"--public-url", "https://laps.example.com"});
  ASSERT_TRUE(lapsd_->Start().ok()) << lapsd_->Log();
  ASSERT_OK_AND_ASSIGN(admin_, AdminSession::LoginInitial(lapsd_->base_url(), data_dir_));
  auto page = admin_->Call("GET", "/beta/deviceManagement/managedDevices?$top=1");
  ASSERT_EQ(page.status, 200) << page.body;
  EXPECT_TRUE(page.body.value("@odata.nextLink", "")
                  .starts_with("https://laps.example.com/beta/deviceManagement/managedDevices?"))
      << page.body;
}

// A name that is taken is 409 in our words, never the database's.
TEST_F(LapsdTest, ATakenNameIsAConflictNamedPlainly) {
  struct Create {
    std::string target;
    nlohmann::json body;
    nlohmann::json again;  // the same name, as the store compares it
  };
  const nlohmann::json role_permissions = {
      {{"allowedResourceActions", {"DeviceManagement.ManagedDevices.Read"}}}};
  const Create creates[] = {
      {"/beta/deviceManagement/roleScopeTags",
       {{"displayName", "Paris"}},
       {{"displayName", "Paris"}}},
      {"/v1.0/users",
       {{"userPrincipalName", "ada@example.com"}},
       {{"userPrincipalName", "ADA@example.com"}}},
      {"/beta/deviceManagement/roleDefinitions",
       {{"displayName", "Readers"}, {"rolePermissions", role_permissions}},
       {{"displayName", "Readers"}, {"rolePermissions", role_permissions}}},
  };
  for (const Create& c : creates) {
    auto first = admin_->Call("POST", c.target, c.body);
    ASSERT_EQ(first.status, 201) << c.target << ": " << first.body;
    auto again = admin_->Call("POST", c.target, c.again);
    EXPECT_EQ(again.status, 409) << c.target << ": " << again.body;
    const std::string message = again.body["error"].value("message", "");
    EXPECT_NE(message.find("already exists"), std::string::npos) << message;
    for (const char* leak : {"sqlite", "UNIQUE", "constraint", "duplicate key"}) {
      EXPECT_EQ(message.find(leak), std::string::npos) << c.target << ": " << message;
    }
  }
}

}  // namespace
}  // namespace openlaps
