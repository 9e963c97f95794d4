// Attacks on sign-in and revocation (issue 10 items 4 and 5), against a real
// lapsd: tokens that should die must fail on the very next request, API
// tokens cannot breed, guessing meets 429 with Retry-After per account and
// per source, unknown names cost the same Argon2id check as real ones,
// reveals are rate-limited and audited, and the last unscoped administrator
// cannot be removed.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "agent/device_client.h"
#include "core/clock.h"
#include "crypto/csprng.h"
#include "http/client.h"
#include "support/lapsd_process.h"
#include "testing/status_matchers.h"

namespace openlaps {
namespace {

using testing::LapsdProcess;

const std::string kDm = "/beta/deviceManagement";

// A bearer-token client that keeps the answer's headers (Retry-After).
class Api {
 public:
  struct Reply {
    int status = 0;
    nlohmann::json body;
    http::Headers headers;
  };

  explicit Api(std::string base_url) : base_url_(std::move(base_url)) {
    auto client = http::HttpClient::Create(base_url_);
    EXPECT_OK(client);
    http_ = std::move(client).value();
  }

  Reply Call(const std::string& method, const std::string& target,
             const nlohmann::json& body = nullptr, const std::string& token = "") const {
    http::Headers headers;
    const std::string& bearer = token.empty() ? token_ : token;
    if (!bearer.empty()) headers["Authorization"] = "Bearer " + bearer;
    std::string text = body.is_null() ? std::string() : body.dump();
    if (!text.empty()) headers["Content-Type"] = "application/json";
    auto response = http_->Send(method, target, headers, text);
    Reply reply;
    if (!response.ok()) {
      reply.status = -1;
      reply.body = response.status().ToString();
      return reply;
    }
    reply.status = response->status;
    reply.headers = response->headers;
    if (!response->body.empty()) reply.body = nlohmann::json::parse(response->body, nullptr, false);
    return reply;
  }

  Reply Login(const std::string& user, const std::string& password) {
    Reply reply = Call("POST", "/api/v1/login", {{"userName", user}, {"password", password}});
    if (reply.status == 200) token_ = reply.body["access_token"];
    return reply;
  }
  int Me(const std::string& token = "") const {
    return Call("GET", "/api/v1/me", nullptr, token).status;
  }
  const std::string& token() const { return token_; }

 private:
  std::string base_url_;
  std::unique_ptr<http::HttpClient> http_;
  std::string token_;
};

class AccessAttackTest : public ::testing::Test {
 protected:
  // Starts lapsd with `args` and signs in as the first administrator.
  void Start(std::vector<std::string> args = {}) {
    data_dir_ =
        std::filesystem::path(::testing::TempDir()) / ("access-attack-" + crypto::RandomToken(6));
    std::filesystem::create_directories(data_dir_);
    lapsd_ = std::make_unique<LapsdProcess>(LAPSD_PATH, data_dir_, std::move(args));
    ASSERT_OK(lapsd_->Start()) << lapsd_->Log();
    std::ifstream in(data_dir_ / "initial-admin.json");
    nlohmann::json creds = nlohmann::json::parse(in, nullptr, false);
    root_password_ = creds["password"];
    root_ = std::make_unique<Api>(lapsd_->base_url());
    ASSERT_EQ(root_->Login("admin", root_password_).status, 200);
    auto me = root_->Call("GET", "/api/v1/admins");
    ASSERT_EQ(me.status, 200);
    root_id_ = me.body["value"][0]["id"];
  }
  void TearDown() override {
    if (lapsd_) lapsd_->Stop();
    std::filesystem::remove_all(data_dir_);
  }

  std::string RoleId(const std::string& name) {
    auto roles = root_->Call("GET", kDm + "/roleDefinitions");
    for (const auto& r : roles.body["value"]) {
      if (r["displayName"] == name) return r["id"];
    }
    ADD_FAILURE() << "no role " << name;
    return "";
  }

  struct Member {
    std::string id;             // admin guid
    std::string assignment_id;  // its role assignment
    std::unique_ptr<Api> api;   // signed in
  };
  // A new admin with `role` (scoped to `tags` when given), signed in.
  Member NewAdmin(const std::string& name, const std::string& role,
                  const nlohmann::json& tags = nullptr) {
    Member m;
    auto created =
        root_->Call("POST", "/api/v1/admins", {{"userName", name}, {"password", Password(name)}});
    EXPECT_EQ(created.status, 201) << created.body;
    m.id = created.body.value("id", "");
    nlohmann::json body = {
        {"displayName", name}, {"roleDefinitionId", RoleId(role)}, {"members", {name}}};
    if (!tags.is_null()) body["roleScopeTagIds"] = tags;
    auto assigned = root_->Call("POST", kDm + "/roleAssignments", body);
    EXPECT_EQ(assigned.status, 201) << assigned.body;
    m.assignment_id = assigned.body.value("id", "");
    m.api = std::make_unique<Api>(lapsd_->base_url());
    EXPECT_EQ(m.api->Login(name, Password(name)).status, 200);
    return m;
  }
  static std::string Password(const std::string& name) { return "long-password-of-" + name; }

  std::string MintApiToken(Api& api, nlohmann::json body = {{"name", "ci"}}) {
    auto minted = api.Call("POST", "/api/v1/apiTokens", body);
    EXPECT_EQ(minted.status, 201) << minted.body;
    return minted.body.value("token", "");
  }

  nlohmann::json Audit(const std::string& activity) {
    auto events = root_->Call("GET", kDm + "/auditEvents?$filter=" +
                                         http::PercentEncode("activity eq '" + activity + "'"));
    EXPECT_EQ(events.status, 200) << events.body;
    return events.body["value"];
  }

  // Waits (bounded) until lapsd's log holds `count` lines containing `needle`.
  int WaitForLogLines(const std::string& needle, int count) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    int found = 0;
    while (std::chrono::steady_clock::now() < deadline) {
      std::string log = lapsd_->Log();
      found = 0;
      for (std::size_t at = log.find(needle); at != std::string::npos;
           at = log.find(needle, at + 1)) {
        ++found;
      }
      if (found >= count) return found;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return found;
  }

  std::filesystem::path data_dir_;
  std::unique_ptr<LapsdProcess> lapsd_;
  std::unique_ptr<Api> root_;
  std::string root_password_;
  std::string root_id_;
};

// --- Revocation: each token dies on the next request ---

TEST_F(AccessAttackTest, LogoutEndsTheSessionButNotTheApiTokensItMade) {
  Start();
  Api session(lapsd_->base_url());
  ASSERT_EQ(session.Login("admin", root_password_).status, 200);
  std::string api_token = MintApiToken(session);
  ASSERT_EQ(session.Me(), 200);
  ASSERT_EQ(session.Call("POST", "/api/v1/logout").status, 204);
  EXPECT_EQ(session.Me(), 401);
  // Logout ends one session by design; the API token lives on until revoked.
  EXPECT_EQ(session.Me(api_token), 200);
}

TEST_F(AccessAttackTest, LogOutEverywhereRevokesEverySessionAndApiToken) {
  Start();
  Api other(lapsd_->base_url());
  ASSERT_EQ(other.Login("admin", root_password_).status, 200);
  std::string api_token = MintApiToken(*root_);
  auto revoked = root_->Call("POST", "/api/v1/admins/me/revokeSignInSessions");
  ASSERT_EQ(revoked.status, 200) << revoked.body;
  EXPECT_EQ(revoked.body["revokedTokens"], 3);
  EXPECT_EQ(root_->Me(), 401);
  EXPECT_EQ(other.Me(), 401);
  EXPECT_EQ(root_->Me(api_token), 401);
}

TEST_F(AccessAttackTest, RevokingOneTokenByIdEndsOnlyThatToken) {
  Start();
  std::string api_token = MintApiToken(*root_);
  auto tokens = root_->Call("GET", "/api/v1/admins/me/tokens");
  ASSERT_EQ(tokens.status, 200);
  ASSERT_EQ(tokens.body["value"].size(), 2u) << tokens.body;
  std::string api_id;
  for (const auto& t : tokens.body["value"]) {
    if (t["kind"] == "apiToken") api_id = t["id"];
    if (t["kind"] == "session") {
      EXPECT_TRUE(t["isCurrent"].get<bool>());
    }
  }
  ASSERT_FALSE(api_id.empty());
  EXPECT_EQ(root_->Call("DELETE", "/api/v1/admins/me/tokens/" + api_id).status, 204);
  EXPECT_EQ(root_->Me(api_token), 401);
  EXPECT_EQ(root_->Me(), 200);
  EXPECT_EQ(Audit("Revoke token").size(), 1u);
}

TEST_F(AccessAttackTest, DisablingAnAdminKillsItsTokensAndEnablingDoesNotRevive) {
  Start();
  Member bob = NewAdmin("bob", "Help Desk Operator");
  std::string bob_api = MintApiToken(*bob.api);
  ASSERT_EQ(bob.api->Me(), 200);
  auto disabled = root_->Call("PATCH", "/api/v1/admins/" + bob.id, {{"accountEnabled", false}});
  ASSERT_EQ(disabled.status, 200) << disabled.body;
  EXPECT_FALSE(disabled.body["accountEnabled"].get<bool>());
  EXPECT_EQ(bob.api->Me(), 401);
  EXPECT_EQ(bob.api->Me(bob_api), 401);
  Api again(lapsd_->base_url());
  EXPECT_EQ(again.Login("bob", Password("bob")).status, 401);

  ASSERT_EQ(root_->Call("PATCH", "/api/v1/admins/" + bob.id, {{"accountEnabled", true}}).status,
            200);
  EXPECT_EQ(bob.api->Me(), 401);
  EXPECT_EQ(bob.api->Me(bob_api), 401);
  EXPECT_EQ(again.Login("bob", Password("bob")).status, 200);
  EXPECT_EQ(Audit("Disable administrator").size(), 1u);
  EXPECT_EQ(Audit("Enable administrator").size(), 1u);
}

TEST_F(AccessAttackTest, DeletingAnAdminKillsItsTokens) {
  Start();
  Member bob = NewAdmin("bob", "Read Only Operator");
  std::string bob_api = MintApiToken(*bob.api);
  ASSERT_EQ(root_->Call("DELETE", "/api/v1/admins/" + bob.id).status, 204);
  EXPECT_EQ(bob.api->Me(), 401);
  EXPECT_EQ(bob.api->Me(bob_api), 401);
  Api again(lapsd_->base_url());
  EXPECT_EQ(again.Login("bob", Password("bob")).status, 401);
  EXPECT_EQ(Audit("Delete administrator").size(), 1u);
  EXPECT_EQ(root_->Call("DELETE", "/api/v1/admins/" + bob.id).status, 404);
}

TEST_F(AccessAttackTest, DeletingARoleAssignmentTakesTheRightsAwayOnTheNextRequest) {
  Start();
  Member bob = NewAdmin("bob", "Read Only Operator");
  ASSERT_EQ(bob.api->Call("GET", kDm + "/managedDevices").status, 200);
  ASSERT_EQ(root_->Call("DELETE", kDm + "/roleAssignments/" + bob.assignment_id).status, 204);
  EXPECT_EQ(bob.api->Call("GET", kDm + "/managedDevices").status, 403);
  EXPECT_EQ(Audit("Delete role assignment").size(), 1u);
  EXPECT_EQ(root_->Call("DELETE", kDm + "/roleAssignments/" + bob.assignment_id).status, 404);
}

// --- API tokens: capped, and they cannot mint more ---

TEST_F(AccessAttackTest, AnApiTokenCannotMintAnother) {
  Start();
  std::string api_token = MintApiToken(*root_);
  auto bred = root_->Call("POST", "/api/v1/apiTokens", {{"name", "child"}}, api_token);
  EXPECT_EQ(bred.status, 403) << bred.body;
  EXPECT_EQ(bred.body["error"]["code"], "Authorization_RequestDenied");
}

TEST_F(AccessAttackTest, ApiTokenLifetimeIsCappedByConfiguration) {
  Start({"--api-token-max-days", "30"});
  for (int days : {730, 31}) {
    auto refused =
        root_->Call("POST", "/api/v1/apiTokens", {{"name", "long"}, {"expiresInDays", days}});
    EXPECT_EQ(refused.status, 400) << days;
    EXPECT_EQ(refused.body["error"]["code"], "BadRequest");
  }
  auto capped = root_->Call("POST", "/api/v1/apiTokens", {{"name", "default"}});
  ASSERT_EQ(capped.status, 201);
  auto expires = core::ParseUtc(capped.body["expirationDateTime"].get<std::string>());
  ASSERT_TRUE(expires);
  auto days =
      std::chrono::duration_cast<std::chrono::hours>(*expires - core::SystemClock().Now()).count() /
      24.0;
  EXPECT_GT(days, 29.9);
  EXPECT_LE(days, 30.0);
  EXPECT_EQ(
      root_->Call("POST", "/api/v1/apiTokens", {{"name", "ok"}, {"expiresInDays", 30}}).status,
      201);
}

// --- Acting on others without the right ---

TEST_F(AccessAttackTest, AnAdminWithoutRoleManagementCannotTouchAnothersTokens) {
  Start();
  Member bob = NewAdmin("bob", "Help Desk Operator");
  auto root_tokens = root_->Call("GET", "/api/v1/admins/me/tokens");
  std::string root_token_id = root_tokens.body["value"][0]["id"];

  EXPECT_EQ(bob.api->Call("GET", "/api/v1/admins/" + root_id_ + "/tokens").status, 403);
  EXPECT_EQ(
      bob.api->Call("DELETE", "/api/v1/admins/" + root_id_ + "/tokens/" + root_token_id).status,
      403);
  EXPECT_EQ(bob.api->Call("POST", "/api/v1/admins/" + root_id_ + "/revokeSignInSessions").status,
            403);
  // Naming the victim's token under its own id finds nothing of the victim's.
  EXPECT_EQ(bob.api->Call("DELETE", "/api/v1/admins/me/tokens/" + root_token_id).status, 404);
  EXPECT_EQ(
      bob.api->Call("PATCH", "/api/v1/admins/" + root_id_, {{"accountEnabled", false}}).status,
      403);
  EXPECT_EQ(bob.api->Call("DELETE", "/api/v1/admins/" + root_id_).status, 403);
  EXPECT_EQ(bob.api->Call("DELETE", "/api/v1/signInLockouts/account:admin").status, 403);
  EXPECT_EQ(root_->Me(), 200);
  // An unknown admin id answers the same 403: no probing who exists.
  EXPECT_EQ(
      bob.api->Call("GET", "/api/v1/admins/00000000-0000-4000-8000-000000000000/tokens").status,
      403);
  EXPECT_GE(Audit("Act on administrator").size(), 4u);
}

TEST_F(AccessAttackTest, AScopedRoleManagerManagesOnlyAdminsWithinItsScope) {
  Start();
  auto tag = root_->Call("POST", kDm + "/roleScopeTags", {{"displayName", "Lyon"}});
  ASSERT_EQ(tag.status, 201);
  Member scoped = NewAdmin("scoped", "Administrator", nlohmann::json::array({tag.body["id"]}));
  Member bob = NewAdmin("bob", "Read Only Operator");
  EXPECT_EQ(
      scoped.api->Call("PATCH", "/api/v1/admins/" + bob.id, {{"accountEnabled", false}}).status,
      403);
  EXPECT_EQ(scoped.api->Call("DELETE", "/api/v1/admins/" + bob.id).status, 403);
  EXPECT_EQ(scoped.api->Call("DELETE", kDm + "/roleAssignments/" + bob.assignment_id).status, 403);
  EXPECT_EQ(scoped.api->Call("POST", "/api/v1/admins/" + bob.id + "/revokeSignInSessions").status,
            403);
  EXPECT_EQ(bob.api->Me(), 200);
  // Its own tokens it may always see and revoke.
  EXPECT_EQ(scoped.api->Call("GET", "/api/v1/admins/me/tokens").status, 200);

  // An admin whose rights all lie within Lyon it could have made, so it may
  // take them back.
  Member carol = NewAdmin("carol", "Read Only Operator", nlohmann::json::array({tag.body["id"]}));
  EXPECT_EQ(scoped.api->Call("GET", "/api/v1/admins/" + carol.id + "/tokens").status, 200);
  EXPECT_EQ(scoped.api->Call("POST", "/api/v1/admins/" + carol.id + "/revokeSignInSessions").status,
            200);
  EXPECT_EQ(carol.api->Me(), 401);
  EXPECT_EQ(scoped.api->Call("DELETE", kDm + "/roleAssignments/" + carol.assignment_id).status,
            204);
  EXPECT_EQ(
      scoped.api->Call("PATCH", "/api/v1/admins/" + carol.id, {{"accountEnabled", false}}).status,
      200);
}

TEST_F(AccessAttackTest, TheLastUnscopedAdministratorCannotBeRemoved) {
  Start();
  EXPECT_EQ(root_->Call("PATCH", "/api/v1/admins/me", {{"accountEnabled", false}}).status, 409);
  EXPECT_EQ(root_->Call("DELETE", "/api/v1/admins/" + root_id_).status, 409);
  auto assignments = root_->Call("GET", kDm + "/roleAssignments");
  std::string initial = assignments.body["value"][0]["id"];
  EXPECT_EQ(root_->Call("DELETE", kDm + "/roleAssignments/" + initial).status, 409);
  // A scoped role manager does not count as a way back.
  auto tag = root_->Call("POST", kDm + "/roleScopeTags", {{"displayName", "Lyon"}});
  Member scoped = NewAdmin("scoped", "Administrator", nlohmann::json::array({tag.body["id"]}));
  EXPECT_EQ(root_->Call("DELETE", kDm + "/roleAssignments/" + initial).status, 409);
  EXPECT_EQ(root_->Me(), 200);
  // With a second unscoped administrator, the first may go.
  Member carol = NewAdmin("carol", "Administrator");
  EXPECT_EQ(root_->Call("PATCH", "/api/v1/admins/me", {{"accountEnabled", false}}).status, 200);
  EXPECT_EQ(root_->Me(), 401);
  EXPECT_EQ(carol.api->Call("DELETE", "/api/v1/admins/me").status, 409);
}

// --- Sign-in throttling ---

TEST_F(AccessAttackTest, GuessingOneAccountGets429WithRetryAfterUntilAnAdminClearsIt) {
  Start({"--sign-in-max-failures", "3", "--sign-in-source-max-failures", "1000",
         "--sign-in-lockout", "600"});
  Member bob = NewAdmin("bob", "Read Only Operator");
  Api guesser(lapsd_->base_url());
  // Case does not split the counter: "Bob" and "BOB" are bob.
  for (std::string name : {"bob", "Bob", "BOB"}) {
    EXPECT_EQ(guesser.Login(name, "guess-" + name).status, 401);
  }
  auto locked = guesser.Login("bob", Password("bob"));  // even the right password
  EXPECT_EQ(locked.status, 429) << locked.body;
  EXPECT_EQ(locked.body["error"]["code"], "TooManyRequests");
  ASSERT_TRUE(locked.headers.contains("Retry-After"));
  int retry = std::stoi(locked.headers["Retry-After"]);
  EXPECT_GT(retry, 0);
  EXPECT_LE(retry, 600);
  // Other accounts from the same source are not locked.
  Api root_again(lapsd_->base_url());
  EXPECT_EQ(root_again.Login("admin", root_password_).status, 200);

  auto lockouts = root_->Call("GET", "/api/v1/signInLockouts");
  ASSERT_EQ(lockouts.status, 200);
  ASSERT_EQ(lockouts.body["value"].size(), 1u) << lockouts.body;
  EXPECT_EQ(lockouts.body["value"][0]["id"], "account:bob");
  EXPECT_EQ(root_->Call("DELETE", "/api/v1/signInLockouts/account:Bob").status, 204);
  EXPECT_EQ(guesser.Login("bob", Password("bob")).status, 200);
  EXPECT_EQ(Audit("Clear sign-in lockout").size(), 1u);
  bool audited_lockout = false;
  for (const auto& e : Audit("Sign in")) {
    if (e.dump().find("lockedOut\":true") != std::string::npos) audited_lockout = true;
  }
  EXPECT_TRUE(audited_lockout);
}

TEST_F(AccessAttackTest, GuessingFromOneSourceGets429AcrossAccountNames) {
  Start({"--sign-in-max-failures", "1000", "--sign-in-source-max-failures", "4"});
  Api guesser(lapsd_->base_url());
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(guesser.Login("user" + std::to_string(i), "guess").status, 401);
  }
  auto locked = guesser.Login("admin", root_password_);
  EXPECT_EQ(locked.status, 429);
  EXPECT_TRUE(locked.headers.contains("Retry-After"));
  // The session made before keeps working, and can lift the block.
  auto lockouts = root_->Call("GET", "/api/v1/signInLockouts");
  ASSERT_EQ(lockouts.body["value"].size(), 1u) << lockouts.body;
  std::string source = lockouts.body["value"][0]["id"];
  EXPECT_EQ(source.rfind("source:", 0), 0u);
  EXPECT_EQ(root_->Call("DELETE", "/api/v1/signInLockouts/" + http::PercentEncode(source)).status,
            204);
  EXPECT_EQ(guesser.Login("admin", root_password_).status, 200);
}

TEST_F(AccessAttackTest, UnknownDisabledAndRealNamesCostOneArgon2idCheckEach) {
  Start({"--log-level", "debug"});
  Member bob = NewAdmin("bob", "Read Only Operator");
  ASSERT_EQ(root_->Call("PATCH", "/api/v1/admins/" + bob.id, {{"accountEnabled", false}}).status,
            200);
  const std::string kLine = "sign-in argon2id verification";
  const std::string kDummy = "\"against\":\"dummy\"";
  const std::string kAccount = "\"against\":\"account\"";
  int lines = WaitForLogLines(kLine, 0);
  int dummy = WaitForLogLines(kDummy, 0);
  int account = WaitForLogLines(kAccount, 0);
  Api guesser(lapsd_->base_url());

  EXPECT_EQ(guesser.Login("nobody-" + crypto::RandomToken(4), "guess").status, 401);
  EXPECT_EQ(WaitForLogLines(kDummy, dummy + 1), dummy + 1);
  EXPECT_EQ(guesser.Login("bob", Password("bob")).status, 401);  // disabled
  EXPECT_EQ(WaitForLogLines(kDummy, dummy + 2), dummy + 2);
  EXPECT_EQ(guesser.Login("admin", "wrong-password").status, 401);
  EXPECT_EQ(WaitForLogLines(kAccount, account + 1), account + 1);
  // Exactly one verification per attempt, whichever the name.
  EXPECT_EQ(WaitForLogLines(kLine, lines + 3), lines + 3);
  EXPECT_EQ(WaitForLogLines(kDummy, 0), dummy + 2);
}

// --- Reveals ---

TEST_F(AccessAttackTest, RevealsOverTheLimitGet429AndAnAuditRow) {
  Start({"--reveal-limit", "3", "--reveal-window", "600"});
  auto token = root_->Call("POST", "/api/v1/enrollmentTokens", {{"name", "pc"}});
  agent::EnrollRequest request;
  request.token = token.body.value("token", "");
  request.device_name = "pc-1";
  core::SystemClock clock;
  auto device = agent::DeviceClient::Enroll(lapsd_->base_url(), request, clock);
  ASSERT_OK(device);
  ASSERT_OK(
      (*device)->EscrowPending("r1", "root", "S-1-22-1-0", core::SecretString("Pw-1-secret")));
  ASSERT_OK((*device)->Commit("r1"));
  std::string reveal = "/v1.0/directory/deviceLocalCredentials/" + (*device)->identity().device_id +
                       "?$select=credentials";
  for (int i = 0; i < 3; ++i) EXPECT_EQ(root_->Call("GET", reveal).status, 200) << i;
  auto refused = root_->Call("GET", reveal);
  EXPECT_EQ(refused.status, 429) << refused.body;
  EXPECT_EQ(refused.body["error"]["code"], "TooManyRequests");
  EXPECT_TRUE(refused.headers.contains("Retry-After"));
  EXPECT_EQ(refused.body.dump().find("passwordBase64"), std::string::npos);
  int denied = 0;
  int succeeded = 0;
  for (const auto& e : Audit("Recover device local administrator password")) {
    if (e["activityResult"] == "denied" &&
        e.dump().find("reveal rate limit") != std::string::npos) {
      ++denied;
    }
    if (e["activityResult"] == "success") ++succeeded;
  }
  EXPECT_EQ(denied, 1);
  EXPECT_EQ(succeeded, 3);
  // Metadata without the password stays readable.
  EXPECT_EQ(
      root_
          ->Call("GET", "/v1.0/directory/deviceLocalCredentials/" + (*device)->identity().device_id)
          .status,
      200);
  // The limit is per admin: another admin may still reveal.
  Member helper = NewAdmin("helper", "Help Desk Operator");
  EXPECT_EQ(helper.api->Call("GET", reveal).status, 200);
}

}  // namespace
}  // namespace openlaps
