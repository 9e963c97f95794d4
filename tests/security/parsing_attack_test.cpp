// Attacks on lapsd's parsers (issue 10 items 1, 7 and 8), against a real
// lapsd over real HTTP: request bodies nested hundreds of thousands of levels
// deep, an OData $filter of 11,000 '(', Intune settings nested 7,500 deep, a
// $skiptoken near INT64_MAX, a 900 KB osVersion, overlong targets, headers
// and device authentication headers. Each must get a Graph error (400, 414,
// 431), and after each lapsd must still answer, and answer correctly.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <string>

#include "agent/device_client.h"
#include "core/clock.h"
#include "crypto/csprng.h"
#include "crypto/request_signing.h"
#include "http/client.h"
#include "support/lapsd_fixture.h"
#include "support/lapsd_process.h"

namespace openlaps {
namespace {

using testing::AdminSession;

const std::string kDm = "/beta/deviceManagement";

// What was seen killing lapsd: ~400k levels on admin routes, ~100k on the
// device check-in.
constexpr int kAdminAttackDepth = 400'000;
constexpr int kDeviceAttackDepth = 100'000;

std::string Repeat(std::string_view piece, int times) {
  std::string out;
  out.reserve(piece.size() * static_cast<std::size_t>(times));
  for (int i = 0; i < times; ++i) out += piece;
  return out;
}

// `depth` nested arrays, as text: building them as nlohmann::json and
// dumping would recurse as deep as the attack.
std::string DeepArrays(int depth) { return Repeat("[", depth) + Repeat("]", depth); }

std::string ErrorCode(const AdminSession::Reply& reply) {
  if (!reply.body.is_object() || !reply.body.contains("error")) return "";
  return reply.body["error"].value("code", "");
}

std::string ErrorMessage(const AdminSession::Reply& reply) {
  if (!reply.body.is_object() || !reply.body.contains("error")) return "";
  return reply.body["error"].value("message", "");
}

// The same as text, without the option values (the reader still walks the
// children of a choice without one), so 7,500 levels fit in a 1 MiB body.
std::string NestedIntuneSettingsText(int depth) {
  const std::string open =
      R"({"settingDefinitionId":"device_vendor_msft_laps_policies_backupdirectory",)"
      R"("choiceSettingValue":{"children":[)";
  return "[{\"settingInstance\":" + Repeat(open, depth + 1) + Repeat("]}}", depth + 1) + "}]";
}

// One nested Intune choice instance `depth` levels of children deep.
nlohmann::json NestedIntuneSettings(int depth) {
  const std::string id = "device_vendor_msft_laps_policies_backupdirectory";
  auto choice = [&](nlohmann::json inner) {
    nlohmann::json children = nlohmann::json::array();
    if (!inner.is_null()) children.push_back(std::move(inner));
    return nlohmann::json{
        {"settingDefinitionId", id},
        {"choiceSettingValue", {{"value", id + "_1"}, {"children", std::move(children)}}}};
  };
  nlohmann::json instance = choice(nullptr);
  for (int i = 0; i < depth; ++i) instance = choice(std::move(instance));
  return nlohmann::json::array({{{"settingInstance", std::move(instance)}}});
}

class ParsingAttackTest : public testing::LapsdFixture {
 protected:
  void SetUp() override {
    StartLapsdWithRoot("parsing");
    if (HasFatalFailure()) return;
    auto http = http::HttpClient::Create(lapsd_->base_url());
    ASSERT_TRUE(http.ok()) << http.status();
    http_ = std::move(http).value();
  }

  std::string NewEnrollmentToken() {
    auto token = root_->Call("POST", "/api/v1/enrollmentTokens", {{"name", "parsing"}});
    EXPECT_EQ(token.status, 201) << token.body;
    return token.body.value("token", "");
  }

  std::unique_ptr<agent::DeviceClient> NewDevice(const std::string& name) {
    agent::EnrollRequest request;
    request.token = NewEnrollmentToken();
    request.device_name = name;
    request.os_version = "Debian 12";
    auto device = agent::DeviceClient::Enroll(lapsd_->base_url(), request, clock_);
    EXPECT_TRUE(device.ok()) << device.status();
    return device.ok() ? std::move(device).value() : nullptr;
  }

  // A device request signed with the device key, the body sent as given.
  AdminSession::Reply SignedDevicePost(const agent::DeviceClient& device, const std::string& target,
                                       const std::string& body, http::Headers headers = {}) {
    const std::int64_t now = clock_.Now().time_since_epoch().count();
    crypto::SignedHeaders sig =
        crypto::SignRequest(device.identity().signing, "POST", target, now, body);
    headers.emplace(std::string(crypto::kDeviceIdHeader), device.identity().device_id);
    headers.emplace(std::string(crypto::kTimestampHeader), sig.timestamp);
    headers.emplace(std::string(crypto::kNonceHeader), sig.nonce);
    headers.emplace(std::string(crypto::kSignatureHeader), sig.signature);
    headers["Content-Type"] = "application/json";
    return Exchange("POST", target, headers, body);
  }

  AdminSession::Reply Exchange(const std::string& method, const std::string& target,
                               const http::Headers& headers = {}, const std::string& body = "") {
    AdminSession::Reply reply;
    auto response = http_->Send(method, target, headers, body);
    if (!response.ok()) {
      reply.status = -1;
      reply.body = response.status().ToString();
      return reply;
    }
    reply.status = response->status;
    reply.body = nlohmann::json::parse(response->body, nullptr, false);
    return reply;
  }

  // lapsd is alive (its process answers /healthz) and still does its job
  // (an authenticated list answers with the records it holds).
  void ExpectAliveAndCorrect() {
    auto health = Exchange("GET", "/healthz");
    EXPECT_EQ(health.status, 200) << lapsd_->Log();
    auto roles = root_->Call("GET", kDm + "/roleDefinitions");
    EXPECT_EQ(roles.status, 200) << roles.body;
    EXPECT_TRUE(roles.body.contains("value") && roles.body["value"].is_array() &&
                !roles.body["value"].empty())
        << roles.body;
  }

  std::string NewPolicy() {
    auto policy = root_->Call("POST", kDm + "/configurationPolicies",
                              {{"name", "parsing-policy"},
                               {"lapsSettings", {{"backupDirectory", 1}, {"passwordLength", 20}}}});
    EXPECT_EQ(policy.status, 201) << policy.body;
    return policy.body.value("id", "");
  }

  core::SystemClock clock_;
  std::unique_ptr<http::HttpClient> http_;
};

TEST_F(ParsingAttackTest, DeepJsonOnEveryAdminRouteIsRefusedAndLapsdSurvives) {
  const std::string policy = NewPolicy();
  const std::string deep = DeepArrays(kAdminAttackDepth);
  struct Attack {
    const char* name;
    std::string method;
    std::string target;
    std::string body;
  };
  const Attack attacks[] = {
      {"role definition permissions", "POST", kDm + "/roleDefinitions",
       R"({"displayName":"deep","rolePermissions":)" + deep + "}"},
      {"policy settings", "POST", kDm + "/configurationPolicies",
       R"({"name":"deep","lapsSettings":)" + deep + "}"},
      {"Intune settings", "POST", kDm + "/configurationPolicies",
       R"({"name":"deep","settings":)" + deep + "}"},
      {"enrollment groupIds", "POST", "/api/v1/enrollmentTokens",
       R"({"name":"deep","groupIds":)" + deep + "}"},
      {"policy scope tags", "PATCH", kDm + "/configurationPolicies/" + policy,
       R"({"roleScopeTagIds":)" + deep + "}"},
      {"a bare deep document", "POST", kDm + "/roleScopeTags", deep},
  };
  for (const Attack& attack : attacks) {
    SCOPED_TRACE(attack.name);
    auto reply = root_->CallRaw(attack.method, attack.target, attack.body);
    EXPECT_EQ(reply.status, 400) << reply.body;
    EXPECT_EQ(ErrorCode(reply), "BadRequest") << reply.body;
    EXPECT_NE(ErrorMessage(reply).find("nests deeper than"), std::string::npos) << reply.body;
    ExpectAliveAndCorrect();
  }
  // The policy the PATCH aimed at is as it was.
  auto unchanged = root_->Call("GET", kDm + "/configurationPolicies/" + policy);
  EXPECT_EQ(unchanged.status, 200);
  EXPECT_EQ(unchanged.body.value("name", ""), "parsing-policy");
}

TEST_F(ParsingAttackTest, DeepJsonOnDeviceEnrollAndCheckinIsRefusedAndLapsdSurvives) {
  auto device = NewDevice("deep-device");
  ASSERT_NE(device, nullptr);
  const std::string deep = DeepArrays(kDeviceAttackDepth);

  auto checkin =
      SignedDevicePost(*device, "/device/v1/checkin", R"({"policyReports":)" + deep + "}");
  EXPECT_EQ(checkin.status, 400) << checkin.body;
  ExpectAliveAndCorrect();

  // Enrollment needs no authentication at all: anyone can send this one.
  auto enroll = Exchange("POST", "/device/v1/enroll", {{"Content-Type", "application/json"}},
                         R"({"enrollmentToken":)" + deep + "}");
  EXPECT_EQ(enroll.status, 400) << enroll.body;
  ExpectAliveAndCorrect();

  // The device still checks in normally.
  auto normal = device->Checkin({{"lapsState", "ok"}});
  EXPECT_TRUE(normal.ok()) << normal.status();
}

TEST_F(ParsingAttackTest, FilterOfElevenThousandParenthesesIsRefusedOnEveryList) {
  auto device = NewDevice("filter-device");
  ASSERT_NE(device, nullptr);
  const std::string parens = Repeat("(", 11'000);
  for (const std::string& list :
       {kDm + "/managedDevices", kDm + "/roleDefinitions", kDm + "/auditEvents",
        std::string("/v1.0/deviceManagement/managedDevices")}) {
    SCOPED_TRACE(list);
    auto reply = root_->Call("GET", list + "?$filter=" + parens);
    EXPECT_EQ(reply.status, 400) << reply.body;
    EXPECT_EQ(ErrorCode(reply), "BadRequest");
    ExpectAliveAndCorrect();
  }
  // Nesting within the bound still filters.
  auto nested = root_->Call("GET", kDm + "/managedDevices?$filter=" + Repeat("(", 10) +
                                       http::PercentEncode("deviceName eq 'filter-device'") +
                                       Repeat(")", 10));
  ASSERT_EQ(nested.status, 200) << nested.body;
  ASSERT_EQ(nested.body["value"].size(), 1u);
  EXPECT_EQ(nested.body["value"][0]["deviceName"], "filter-device");
}

TEST_F(ParsingAttackTest, DeeplyNestedIntuneSettingsAreRefused) {
  // 7,500 levels: refused by the request JSON bound.
  const std::string body =
      R"({"name":"deep-intune","settings":)" + NestedIntuneSettingsText(7'500) + "}";
  ASSERT_LT(body.size(), std::size_t{1} << 20);
  auto deep = root_->CallRaw("POST", kDm + "/configurationPolicies", body);
  EXPECT_EQ(deep.status, 400) << ErrorMessage(deep);
  ExpectAliveAndCorrect();
  // 15 levels pass the JSON bound and meet the Intune reader's own.
  auto nested = root_->Call("POST", kDm + "/configurationPolicies",
                            {{"name", "nested-intune"}, {"settings", NestedIntuneSettings(15)}});
  EXPECT_EQ(nested.status, 400) << nested.body;
  EXPECT_NE(ErrorMessage(nested).find("nest deeper than"), std::string::npos) << nested.body;
  ExpectAliveAndCorrect();
  auto policies = root_->Call("GET", kDm + "/configurationPolicies");
  ASSERT_EQ(policies.status, 200);
  EXPECT_TRUE(policies.body["value"].empty()) << policies.body;
}

TEST_F(ParsingAttackTest, SkipTokenNearInt64MaxNeverGivesANegativeNextLink) {
  ASSERT_NE(NewDevice("page-1"), nullptr);
  ASSERT_NE(NewDevice("page-2"), nullptr);
  for (const char* token : {"9223372036854775807", "9223372036854775806", "2"}) {
    SCOPED_TRACE(token);
    auto reply = root_->Call("GET", kDm + "/managedDevices?$top=1&$skiptoken=" + token);
    ASSERT_EQ(reply.status, 200) << reply.body;
    EXPECT_TRUE(reply.body["value"].empty());
    EXPECT_FALSE(reply.body.contains("@odata.nextLink")) << reply.body;
  }
  auto past = root_->Call("GET", kDm + "/managedDevices?$skiptoken=9223372036854775808");
  EXPECT_EQ(past.status, 400) << past.body;
  // Paging still works and its link points forward.
  auto first = root_->Call("GET", kDm + "/managedDevices?$top=1");
  ASSERT_EQ(first.status, 200);
  ASSERT_EQ(first.body["value"].size(), 1u);
  const std::string link = first.body.value("@odata.nextLink", "");
  EXPECT_NE(link.find("$skiptoken=1"), std::string::npos) << link;
  ExpectAliveAndCorrect();
}

TEST_F(ParsingAttackTest, NineHundredKilobyteOsVersionIsRefusedAndNothingStored) {
  auto device = NewDevice("long-fields");
  ASSERT_NE(device, nullptr);
  const std::string huge(900 * 1024, 'x');

  auto checkin =
      SignedDevicePost(*device, "/device/v1/checkin", nlohmann::json{{"osVersion", huge}}.dump());
  EXPECT_EQ(checkin.status, 400);
  EXPECT_NE(ErrorMessage(checkin).find("osVersion"), std::string::npos) << ErrorMessage(checkin);
  auto renamed = SignedDevicePost(*device, "/device/v1/checkin",
                                  nlohmann::json{{"deviceName", std::string(64, 'n')}}.dump());
  EXPECT_EQ(renamed.status, 400);
  EXPECT_NE(ErrorMessage(renamed).find("deviceName"), std::string::npos);

  auto list = root_->Call("GET", kDm + "/managedDevices");
  ASSERT_EQ(list.status, 200);
  ASSERT_EQ(list.body["value"].size(), 1u);
  EXPECT_EQ(list.body["value"][0]["deviceName"], "long-fields");
  EXPECT_EQ(list.body["value"][0]["osVersion"], "Debian 12");

  // At enrollment too: refused before the token is spent, no device made.
  const std::string token = NewEnrollmentToken();
  for (const char* field : {"osVersion", "serialNumber", "deviceName"}) {
    SCOPED_TRACE(field);
    nlohmann::json body = {{"enrollmentToken", token},
                           {"deviceName", "enroll-long"},
                           {"platform", "linux"},
                           {"signPublicKey", "x"},
                           {"boxPublicKey", "x"}};
    body[field] = huge;
    auto enroll =
        Exchange("POST", "/device/v1/enroll", {{"Content-Type", "application/json"}}, body.dump());
    EXPECT_EQ(enroll.status, 400);
    EXPECT_NE(ErrorMessage(enroll).find(field), std::string::npos) << ErrorMessage(enroll);
  }
  auto after = root_->Call("GET", kDm + "/managedDevices");
  EXPECT_EQ(after.body["value"].size(), 1u);
  ExpectAliveAndCorrect();
}

TEST_F(ParsingAttackTest, OverlongTargetGets414AndHugeHeaderGets431) {
  for (std::size_t size :
       {std::size_t{14} * 1024, std::size_t{20} * 1024, std::size_t{256} * 1024}) {
    SCOPED_TRACE(size);
    auto reply = root_->Call("GET", kDm + "/managedDevices?$filter=" + std::string(size, 'a'));
    EXPECT_EQ(reply.status, 414);
    EXPECT_EQ(ErrorCode(reply), "uriTooLong");
    ExpectAliveAndCorrect();
  }
  // Many fields (one field is capped by the client library itself).
  http::Headers padding;
  for (int i = 0; i < 32; ++i) padding["X-Padding-" + std::to_string(i)] = std::string(4096, 'h');
  auto header = root_->CallRaw("GET", kDm + "/managedDevices", "", padding);
  EXPECT_EQ(header.status, 431) << header.body;
  EXPECT_EQ(ErrorCode(header), "requestHeaderFieldsTooLarge");
  ExpectAliveAndCorrect();
}

TEST_F(ParsingAttackTest, OverlongDeviceAuthenticationHeadersAreRefused) {
  auto device = NewDevice("headers");
  ASSERT_NE(device, nullptr);
  for (const crypto::DeviceHeaderLimit& limit : crypto::kDeviceHeaderLimits) {
    SCOPED_TRACE(std::string(limit.name));
    http::Headers headers{{std::string(limit.name), std::string(limit.max_bytes + 1, 'A')}};
    auto reply = SignedDevicePost(*device, "/device/v1/checkin", "{}", headers);
    EXPECT_EQ(reply.status, 400) << reply.body;
    EXPECT_NE(ErrorMessage(reply).find(std::string(limit.name)), std::string::npos) << reply.body;
  }
  // Garbage outside the base64url alphabet in the signature is refused too.
  auto garbage = SignedDevicePost(*device, "/device/v1/checkin", "{}",
                                  {{std::string(crypto::kSignatureHeader), "AAAA*AAA"}});
  EXPECT_EQ(garbage.status, 401);
  auto normal = device->Checkin({{"lapsState", "ok"}});
  EXPECT_TRUE(normal.ok()) << normal.status();
  ExpectAliveAndCorrect();
}

// Issue 14: a wrong method on a known path is 405 with Allow; an unknown
// path stays 404.
TEST_F(ParsingAttackTest, WrongMethodOnAKnownPathIs405WithAllow) {
  const std::string policy = NewPolicy();
  struct Probe {
    std::string method;
    std::string target;
    std::string allow;
  };
  const Probe probes[] = {
      {"POST", kDm + "/configurationPolicies/" + policy, "DELETE, GET, PATCH, PUT"},
      {"DELETE", "/device/v1/checkin", "POST"},
      {"PUT", "/api/v1/enrollmentTokens", "GET, POST"},
  };
  for (const Probe& probe : probes) {
    SCOPED_TRACE(probe.method + " " + probe.target);
    // No credentials needed: the method is refused before authentication.
    auto response = http_->Send(probe.method, probe.target, {}, "");
    ASSERT_TRUE(response.ok()) << response.status();
    EXPECT_EQ(response->status, 405);
    EXPECT_EQ(response->headers["Allow"], probe.allow);
    nlohmann::json body = nlohmann::json::parse(response->body, nullptr, false);
    ASSERT_TRUE(body.is_object() && body.contains("error")) << response->body;
    EXPECT_EQ(body["error"].value("code", ""), "MethodNotAllowed");
    EXPECT_NE(body["error"].value("message", "").find(probe.method), std::string::npos);
  }
  auto unknown = Exchange("POST", kDm + "/noSuchThing");
  EXPECT_EQ(unknown.status, 404) << unknown.body;
  ExpectAliveAndCorrect();
}

// A number where the protocol has a string used to throw inside the JSON
// library and came back as "the request could not be processed": now the
// 400 names the member, and nothing is stored.
TEST_F(ParsingAttackTest, CheckinWithTheWrongTypeNamesTheMember) {
  auto device = NewDevice("wrong-types");
  ASSERT_NE(device, nullptr);
  struct Case {
    nlohmann::json body;
    std::string message;
  };
  const Case cases[] = {
      {{{"osVersion", 12}}, "checkin: 'osVersion' must be a string"},
      {{{"policyReports", {{{"policyId", "p"}, {"state", 7}}}}},
       "checkin: 'policyReports[0].state' must be a string"},
      {{{"policyReports", {{{"policyId", "p"}, {"state", "error"}, {"version", "2"}}}}},
       "checkin: 'policyReports[0].version' must be an integer"},
      {{{"managedAccount", {{"name", true}}}}, "checkin: 'managedAccount.name' must be a string"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.body.dump());
    auto reply = SignedDevicePost(*device, "/device/v1/checkin", c.body.dump());
    EXPECT_EQ(reply.status, 400) << reply.body;
    EXPECT_EQ(ErrorCode(reply), "BadRequest");
    EXPECT_EQ(ErrorMessage(reply), c.message);
  }
  auto list = root_->Call("GET", kDm + "/managedDevices");
  ASSERT_EQ(list.status, 200);
  ASSERT_EQ(list.body["value"].size(), 1u);
  EXPECT_EQ(list.body["value"][0]["osVersion"], "Debian 12");
  EXPECT_TRUE(device->Checkin({{"osVersion", "Debian 13"}}).ok()) << "lapsd keeps serving";
  ExpectAliveAndCorrect();
}

TEST_F(ParsingAttackTest, AdminBodyWithTheWrongTypeNamesTheField) {
  struct Case {
    std::string target;
    nlohmann::json body;
    std::string field;
  };
  const Case cases[] = {
      {"/v1.0/groups", {{"displayName", 5}}, "displayName"},
      {"/v1.0/groups", {{"displayName", "g"}, {"openlapsGroupKind", {1}}}, "openlapsGroupKind"},
      {kDm + "/roleScopeTags", {{"displayName", {{"a", 1}}}}, "displayName"},
      {"/api/v1/enrollmentTokens", {{"name", 1.5}}, "name"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.target + " " + c.body.dump());
    auto reply = root_->Call("POST", c.target, c.body);
    EXPECT_EQ(reply.status, 400) << reply.body;
    EXPECT_EQ(ErrorMessage(reply), c.field + " must be a string") << reply.body;
  }
  ExpectAliveAndCorrect();
}

}  // namespace
}  // namespace openlaps
