// The route x role x scope matrix, generated from lapsd's own route table
// (LapsServer::RouteTable): every registered route must have a row here,
// with the permission it is registered with, or the test fails; so a new
// route cannot be added without deciding who may call it and what a scoped
// admin sees. Each admin route is then called on a real lapsd by every
// built-in role unscoped, and by an Administrator scoped to one tag against
// an object in its tag and one outside it; no successful scoped answer may
// name an object outside the tag.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>

#include "agent/device_client.h"
#include "core/clock.h"
#include "crypto/csprng.h"
#include "server/config.h"
#include "server/laps_server.h"
#include "server/permissions.h"
#include "store/sqlite/sqlite_store.h"
#include "support/lapsd_fixture.h"
#include "support/lapsd_process.h"

namespace openlaps {
namespace {

using testing::AdminSession;
namespace p = server::permission;

// One way to call a route. Targets and bodies use placeholders filled per
// run: {device} {policy} {group} {tag} (the object set the run aims at),
// {member} (an admin with no roles) and {unique} (fresh per call).
struct Case {
  std::string target;
  std::string_view needs;  // the permission this case needs ("" = any admin)
  int ok = 200;            // unscoped, holding `needs`
  int in = 0;              // scoped, own tag (0: same as ok)
  int out = 404;           // scoped, another tag's object
  nlohmann::json body = nullptr;
};

struct Row {
  std::string auth;  // "admin", "device" or "none"
  std::vector<Case> cases;
  bool destructive = false;  // run after the others
  int order = 0;             // among destructive rows
};

const nlohmann::json kSettings = {{"backupDirectory", 1}, {"passwordLength", 20}};

// Keyed by "METHOD pattern", "{v}" standing for both /v1.0 and /beta.
std::map<std::string, Row> Matrix() {
  const std::string dm = "/beta/deviceManagement";
  const std::string devices = dm + "/managedDevices/{device}";
  const std::string policies = dm + "/configurationPolicies";
  const std::string credentials = "/beta/directory/deviceLocalCredentials";
  nlohmann::json policy_body = {
      {"name", "M {unique}"}, {"roleScopeTagIds", {"{tag}"}}, {"lapsSettings", kSettings}};
  nlohmann::json assign_body = {
      {"assignments",
       {{{"target",
          {{"@odata.type", "#microsoft.graph.groupAssignmentTarget"}, {"groupId", "{group}"}}}}}}};
  return {
      // Public and device routes: an admin's bearer token opens none of them.
      {"GET /healthz", {"none", {}}},
      {"POST /api/v1/login", {"none", {}}},
      {"POST /device/v1/enroll", {"none", {}}},
      {"POST /device/v1/session", {"device", {}}},
      {"POST /device/v1/checkin", {"device", {}}},
      {"POST /device/v1/credentials", {"device", {}}},
      {"GET /device/v1/actions", {"device", {}}},
      {"POST /device/v1/actions/{id}", {"device", {}}},

      {"POST /device/v1/goodbye", {"device", {}}},

      // Administrators, their tokens and sign-in lockouts. Acting on
      // another administrator (CanManage) and revoking are asserted case by
      // case in tests/security/access_attack_test.cpp; the destructive ones
      // (revoking, deleting) have no case here.
      {"GET /api/v1/admins", {"admin", {{"/api/v1/admins", p::kReadRoles, 200, 200, 200}}}},
      {"PATCH /api/v1/admins/{id}",
       {"admin", {{"/api/v1/admins/me", p::kManageRoles, 200, 200, 200, {{"displayName", "x"}}}}}},
      {"DELETE /api/v1/admins/{id}", {"admin", {}}},
      {"GET /api/v1/admins/{id}/tokens",
       {"admin", {{"/api/v1/admins/me/tokens", "", 200, 200, 200}}}},
      {"DELETE /api/v1/admins/{id}/tokens/{tokenId}", {"admin", {}}},
      {"POST /api/v1/admins/{id}/revokeSignInSessions", {"admin", {}}},
      {"DELETE {v}/deviceManagement/roleAssignments/{id}", {"admin", {}}},
      // Lockouts are not scoped: for unscoped role managers only.
      {"GET /api/v1/signInLockouts",
       {"admin", {{"/api/v1/signInLockouts", p::kManageRoles, 200, 403, 403}}}},
      {"DELETE /api/v1/signInLockouts/{id}",
       {"admin",
        {{"/api/v1/signInLockouts/account:nobody{unique}", p::kManageRoles, 404, 403, 403}}}},
      // Cancel: the device's scope first (an unknown action on a device in
      // scope is 404 too).
      {"POST {v}/deviceManagement/managedDevices/{id}/deviceActionResults/{actionId}/cancel",
       {"admin",
        {{devices + "/deviceActionResults/00000000-0000-0000-0000-000000000000/cancel",
          p::kRotatePassword, 404, 404, 404}}}},

      // Any signed-in admin.
      {"GET /api/v1/me", {"admin", {{"/api/v1/me", "", 200, 200, 200}}}},
      {"POST /api/v1/apiTokens",
       {"admin", {{"/api/v1/apiTokens", "", 201, 201, 201, {{"name", "m"}}}}}},
      {"GET /api/v1/policySettingDefinitions",
       {"admin", {{"/api/v1/policySettingDefinitions", "", 200, 200, 200}}}},
      {"POST /api/v1/logout", {"admin", {{"/api/v1/logout", "", 204, 204, 204}}, true, 9}},

      // Devices and credentials: out of scope is 404, collections omit it.
      {"GET {v}/deviceManagement/managedDevices",
       {"admin", {{dm + "/managedDevices", p::kReadDevices, 200, 200, 200}}}},
      {"GET {v}/deviceManagement/managedDevices/{id}", {"admin", {{devices, p::kReadDevices}}}},
      {"GET {v}/deviceManagement/managedDevices/{id}/deviceActionResults",
       {"admin", {{devices + "/deviceActionResults", p::kReadDevices}}}},
      {"POST {v}/deviceManagement/managedDevices/{id}/rotateLocalAdminPassword",
       {"admin", {{devices + "/rotateLocalAdminPassword", p::kRotatePassword, 204}}}},
      {"GET {v}/devices", {"admin", {{"/beta/devices", p::kReadDevices, 200, 200, 200}}}},
      {"GET {v}/devices/{id}", {"admin", {{"/beta/devices/{device}", p::kReadDevices}}}},
      {"GET {v}/directory/deviceLocalCredentials",
       {"admin", {{credentials, p::kReadCredentialMetadata, 200, 200, 200}}}},
      {"GET {v}/directory/deviceLocalCredentials/{id}",
       {"admin",
        {{credentials + "/{device}", p::kReadCredentialMetadata},
         {credentials + "/{device}?$select=credentials", p::kReadCredentialPassword}}}},

      // Policies: tagged; their assignments reach only groups in scope.
      {"GET {v}/deviceManagement/configurationPolicies",
       {"admin", {{policies, p::kReadPolicies, 200, 200, 200}}}},
      {"POST {v}/deviceManagement/configurationPolicies",
       {"admin", {{policies, p::kManagePolicies, 201, 201, 403, policy_body}}}},
      {"GET {v}/deviceManagement/configurationPolicies/{id}",
       {"admin", {{policies + "/{policy}", p::kReadPolicies}}}},
      {"PATCH {v}/deviceManagement/configurationPolicies/{id}",
       {"admin",
        {{policies + "/{policy}", p::kManagePolicies, 200, 200, 404, {{"description", "x"}}}}}},
      {"PUT {v}/deviceManagement/configurationPolicies/{id}",
       {"admin", {{policies + "/{policy}", p::kManagePolicies, 200, 200, 404, policy_body}}}},
      {"POST {v}/deviceManagement/configurationPolicies/{id}/assign",
       {"admin",
        {{policies + "/{policy}/assign", p::kManagePolicies, 200, 200, 404, assign_body}}}},
      {"GET {v}/deviceManagement/configurationPolicies/{id}/assignments",
       {"admin", {{policies + "/{policy}/assignments", p::kReadPolicies}}}},
      {"GET {v}/deviceManagement/configurationPolicies/{id}/deviceStatuses",
       {"admin", {{policies + "/{policy}/deviceStatuses", p::kReadPolicies}}}},
      {"DELETE {v}/deviceManagement/configurationPolicies/{id}",
       {"admin", {{policies + "/{policy}", p::kManagePolicies, 204}}, true, 1}},

      // Groups: tagged at creation; members only from the caller's scope.
      {"GET {v}/groups", {"admin", {{"/beta/groups", p::kReadGroups, 200, 200, 200}}}},
      {"POST {v}/groups",
       {"admin",
        {{"/beta/groups",
          p::kManageGroups,
          201,
          201,
          403,
          {{"displayName", "G {unique}"}, {"roleScopeTagIds", {"{tag}"}}}}}}},
      {"GET {v}/groups/{id}", {"admin", {{"/beta/groups/{group}", p::kReadGroups}}}},
      {"GET {v}/groups/{id}/members",
       {"admin", {{"/beta/groups/{group}/members", p::kReadGroups}}}},
      {"POST {v}/groups/{id}/members/$ref",
       {"admin",
        {{"/beta/groups/{group}/members/$ref",
          p::kManageGroups,
          204,
          204,
          404,
          {{"@odata.id", "{device}"}}}}}},
      {"DELETE {v}/groups/{id}/members/{member}/$ref",
       {"admin", {{"/beta/groups/{group}/members/{device}/$ref", p::kManageGroups, 204}}, true, 2}},
      {"DELETE {v}/groups/{id}",
       {"admin", {{"/beta/groups/{group}", p::kManageGroups, 204}}, true, 3}},
      {"GET {v}/users", {"admin", {{"/beta/users", p::kReadGroups, 200, 200, 200}}}},
      {"POST {v}/users",
       {"admin",
        {{"/beta/users",
          p::kManageGroups,
          201,
          201,
          201,
          {{"userPrincipalName", "u{unique}@example.org"}}}}}},

      // Roles: grant only what you hold where you hold it; tags and the
      // chain's verdict are for unscoped admins.
      {"GET {v}/deviceManagement/roleDefinitions",
       {"admin", {{dm + "/roleDefinitions", p::kReadRoles, 200, 200, 200}}}},
      {"POST {v}/deviceManagement/roleDefinitions",
       {"admin",
        {{dm + "/roleDefinitions",
          p::kManageRoles,
          201,
          201,
          201,
          {{"displayName", "R {unique}"},
           {"rolePermissions",
            {{{"allowedResourceActions", {"DeviceManagement.ManagedDevices.Read"}}}}}}}}}},
      {"GET {v}/deviceManagement/roleAssignments",
       {"admin", {{dm + "/roleAssignments", p::kReadRoles, 200, 200, 200}}}},
      {"POST {v}/deviceManagement/roleAssignments",
       {"admin",
        {{dm + "/roleAssignments",
          p::kManageRoles,
          201,
          201,
          403,
          {{"displayName", "A {unique}"},
           {"roleDefinitionId", "{readOnlyRole}"},
           {"members", {"{member}"}},
           {"roleScopeTagIds", {"{tag}"}}}}}}},
      {"GET {v}/deviceManagement/roleScopeTags",
       {"admin", {{dm + "/roleScopeTags", p::kReadRoles, 200, 200, 200}}}},
      {"POST {v}/deviceManagement/roleScopeTags",
       {"admin",
        {{dm + "/roleScopeTags",
          p::kManageRoles,
          201,
          403,
          403,
          {{"displayName", "T {unique}"}}}}}},
      {"POST /api/v1/admins",
       {"admin",
        {{"/api/v1/admins",
          p::kManageRoles,
          201,
          201,
          201,
          {{"userName", "a{unique}"}, {"password", "matrix-admin-password"}}}}}},

      // Audit: scoped readers see events about their tags' objects only.
      {"GET {v}/deviceManagement/auditEvents",
       {"admin", {{dm + "/auditEvents", p::kReadAudit, 200, 200, 200}}}},
      {"POST /api/v1/auditEvents/verify",
       {"admin", {{"/api/v1/auditEvents/verify", p::kReadAudit, 200, 403, 403}}}},

      // Enrollment: tokens carry tags and groups from the caller's scope.
      {"GET /api/v1/enrollmentTokens",
       {"admin", {{"/api/v1/enrollmentTokens", p::kManageEnrollment, 200, 200, 200}}}},
      {"POST /api/v1/enrollmentTokens",
       {"admin",
        {{"/api/v1/enrollmentTokens",
          p::kManageEnrollment,
          201,
          201,
          403,
          {{"name", "m"}, {"groupIds", {"{group}"}}, {"roleScopeTagIds", {"{tag}"}}}}}}},

      // Reports and their CSV: only the caller's devices and policies.
      {"GET /api/v1/reports/passwordRotation",
       {"admin",
        {{"/api/v1/reports/passwordRotation", p::kReadReports, 200, 200, 200},
         {"/api/v1/reports/passwordRotation?$format=csv", p::kReadReports, 200, 200, 200}}}},
      {"GET /api/v1/reports/policyStates",
       {"admin",
        {{"/api/v1/reports/policyStates", p::kReadReports, 200, 200, 200},
         {"/api/v1/reports/policyStates?deviceId={device}", p::kReadReports},
         {"/api/v1/reports/policyStates?$format=csv", p::kReadReports, 200, 200, 200}}}},
      {"GET /api/v1/reports/rotationHistory",
       {"admin",
        {{"/api/v1/reports/rotationHistory", p::kReadReports, 200, 200, 200},
         {"/api/v1/reports/rotationHistory?$format=csv", p::kReadReports, 200, 200, 200}}}},
  };
}

// The web console's own files: public, read-only, no data.
bool IsConsoleFile(const server::LapsServer::RouteInfo& route) {
  if (route.method != "GET" || route.auth != "none") return false;
  if (route.pattern == "/") return true;
  std::string_view last = std::string_view(route.pattern).substr(route.pattern.rfind('/') + 1);
  for (std::string_view ext : {".html", ".css", ".js", ".svg", ".png", ".ico"}) {
    if (last.ends_with(ext)) return true;
  }
  return false;
}

std::string Key(const server::LapsServer::RouteInfo& route) {
  std::string pattern = route.pattern;
  for (std::string_view version : {"/v1.0/", "/beta/"}) {
    if (pattern.starts_with(version)) pattern = "{v}/" + pattern.substr(version.size());
  }
  return route.method + " " + pattern;
}

// lapsd's route table, from a LapsServer on a scratch database.
std::vector<server::LapsServer::RouteInfo> RegisteredRoutes() {
  std::filesystem::path dir =
      std::filesystem::path(::testing::TempDir()) / ("routes-" + crypto::RandomToken(6));
  std::filesystem::create_directories(dir);
  server::ServerConfig config;
  config.data_dir = dir;
  config.database = dir / "lapsd.db";
  config.escrow_key_file = dir / "escrow.key";
  config.initial_admin_file = dir / "initial-admin.json";
  static core::SystemClock clock;
  std::vector<server::LapsServer::RouteInfo> routes;
  {
    auto store = store::OpenSqliteStore(config.database);
    EXPECT_TRUE(store.ok()) << store.status();
    if (!store.ok()) return routes;
    auto laps = server::LapsServer::Create(config, std::move(store).value(), clock);
    EXPECT_TRUE(laps.ok()) << laps.status();
    if (laps.ok()) routes = (*laps)->RouteTable();
  }
  std::filesystem::remove_all(dir);
  return routes;
}

TEST(RouteMatrixTest, EveryRegisteredRouteHasItsRows) {
  const auto matrix = Matrix();
  const auto routes = RegisteredRoutes();
  ASSERT_GT(routes.size(), 40u);
  std::set<std::string> used;
  for (const auto& route : routes) {
    if (IsConsoleFile(route)) continue;
    const std::string key = Key(route);
    auto row = matrix.find(key);
    if (row == matrix.end()) {
      ADD_FAILURE() << "route " << key << " (" << route.auth << ", permission '" << route.permission
                    << "') has no row in Matrix(): decide who may call it "
                    << "and what a scoped admin gets, and add its row";
      continue;
    }
    used.insert(key);
    EXPECT_EQ(row->second.auth, route.auth) << key;
    for (const Case& c : row->second.cases) {
      // A case may need more than the route (the reveal); never less.
      if (c.needs != route.permission) {
        EXPECT_TRUE(route.permission == p::kReadCredentialMetadata &&
                    c.needs == p::kReadCredentialPassword)
            << key << " is registered with '" << route.permission << "', the matrix says '"
            << c.needs << "'";
      }
    }
  }
  for (const auto& [key, row] : matrix) {
    EXPECT_TRUE(used.contains(key)) << "Matrix() has a row for " << key << ", no such route";
  }
}

class RouteMatrixOnLapsdTest : public testing::LapsdFixture {
 protected:
  void SetUp() override {
    StartLapsdWithRoot("matrix");
    if (HasFatalFailure()) return;
    for (std::string name : {"Paris", "Lyon"}) {
      auto tag =
          root_->Call("POST", "/beta/deviceManagement/roleScopeTags", {{"displayName", name}});
      ASSERT_EQ(tag.status, 201);
      tags_.push_back(tag.body["id"]);
    }
    auto roles = root_->Call("GET", "/beta/deviceManagement/roleDefinitions");
    for (const auto& r : roles.body["value"]) roles_[r["displayName"]] = r["id"];
  }

  // One device (backed up, online, in the group), policy and group per tag.
  struct Objects {
    std::string device, policy, group, tag;
    std::unique_ptr<agent::DeviceClient> client;
  };
  Objects Make(const std::string& tag) {
    Objects o;
    o.tag = tag;
    const std::string n = crypto::RandomToken(4);
    auto token = root_->Call("POST", "/api/v1/enrollmentTokens",
                             {{"name", "m"}, {"roleScopeTagIds", {tag}}});
    agent::EnrollRequest request;
    request.token = token.body.value("token", "");
    request.device_name = "matrix-" + n;
    auto client = agent::DeviceClient::Enroll(lapsd_->base_url(), request, clock_);
    EXPECT_TRUE(client.ok()) << client.status();
    if (!client.ok()) return o;
    o.client = std::move(client).value();
    o.device = o.client->identity().device_id;
    EXPECT_TRUE(
        o.client->EscrowPending("r1", "root", "S-1-22-1-0", core::SecretString("Pw-1")).ok());
    EXPECT_TRUE(o.client->Commit("r1").ok());
    EXPECT_TRUE(o.client->Checkin({}).ok());
    o.policy =
        root_
            ->Call("POST", "/beta/deviceManagement/configurationPolicies",
                   {{"name", "P " + n}, {"roleScopeTagIds", {tag}}, {"lapsSettings", kSettings}})
            .body.value("id", "");
    o.group =
        root_->Call("POST", "/beta/groups", {{"displayName", "G " + n}, {"roleScopeTagIds", {tag}}})
            .body.value("id", "");
    EXPECT_EQ(
        root_->Call("POST", "/beta/groups/" + o.group + "/members/$ref", {{"@odata.id", o.device}})
            .status,
        204);
    return o;
  }

  std::unique_ptr<AdminSession> NewAdmin(const std::string& role, std::vector<std::string> tags) {
    const std::string name = "m" + crypto::RandomToken(5);
    const std::string password = "matrix-password-" + name;
    EXPECT_EQ(
        root_->Call("POST", "/api/v1/admins", {{"userName", name}, {"password", password}}).status,
        201);
    nlohmann::json assignment = {
        {"displayName", name}, {"roleDefinitionId", roles_[role]}, {"members", {name}}};
    if (!tags.empty()) assignment["roleScopeTagIds"] = tags;
    EXPECT_EQ(root_->Call("POST", "/beta/deviceManagement/roleAssignments", assignment).status,
              201);
    auto session = AdminSession::Login(lapsd_->base_url(), name, password);
    EXPECT_TRUE(session.ok());
    return session.ok() ? std::move(session).value() : nullptr;
  }

  std::string NewMember() {
    const std::string name = "member" + crypto::RandomToken(5);
    root_->Call("POST", "/api/v1/admins",
                {{"userName", name}, {"password", "matrix-member-password"}});
    return name;
  }

  std::string Fill(std::string text, const Objects& o, const std::string& member) {
    const std::map<std::string, std::string> values = {
        {"{device}", o.device},
        {"{policy}", o.policy},
        {"{group}", o.group},
        {"{tag}", o.tag},
        {"{member}", member},
        {"{readOnlyRole}", roles_["Read Only Operator"]},
        {"{unique}", std::to_string(++unique_)}};
    for (const auto& [key, value] : values) {
      for (std::size_t pos; (pos = text.find(key)) != std::string::npos;)
        text.replace(pos, key.size(), value);
    }
    return text;
  }
  nlohmann::json FillJson(const nlohmann::json& body, const Objects& o, const std::string& member) {
    if (body.is_null()) return body;
    return nlohmann::json::parse(Fill(body.dump(), o, member));
  }

  // Rows in order: non-destructive first, then destructive by their order.
  static std::vector<std::pair<std::string, Row>> Ordered() {
    auto matrix = Matrix();
    std::vector<std::pair<std::string, Row>> rows(matrix.begin(), matrix.end());
    std::stable_sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) {
      return std::pair(a.second.destructive, a.second.order) <
             std::pair(b.second.destructive, b.second.order);
    });
    return rows;
  }

  core::SystemClock clock_;
  std::vector<std::string> tags_;
  std::map<std::string, std::string> roles_;
  int unique_ = 0;
};

TEST_F(RouteMatrixOnLapsdTest, EveryRoleUnscopedGetsExactlyWhatItsPermissionsAllow) {
  for (const server::BuiltInRole& role : server::BuiltInRoles()) {
    auto session = NewAdmin(std::string(role.name), {});
    ASSERT_TRUE(session);
    Objects objects = Make(tags_[0]);
    const std::string member = NewMember();
    auto holds = [&](std::string_view permission) {
      return permission.empty() || std::find(role.permissions.begin(), role.permissions.end(),
                                             permission) != role.permissions.end();
    };
    for (const auto& [key, row] : Ordered()) {
      if (row.auth == "device") {
        // An admin's bearer token is no device signature.
        std::string path = key.substr(key.find(' ') + 1);
        auto reply = session->Call(key.substr(0, key.find(' ')), Fill(path, objects, member),
                                   nlohmann::json::object());
        EXPECT_EQ(reply.status, 401) << role.name << " " << key;
      }
      for (const Case& c : row.cases) {
        auto reply = session->Call(key.substr(0, key.find(' ')), Fill(c.target, objects, member),
                                   FillJson(c.body, objects, member));
        EXPECT_EQ(reply.status, holds(c.needs) ? c.ok : 403)
            << role.name << " " << key << " " << c.target << " " << reply.body;
      }
    }
  }
}

TEST_F(RouteMatrixOnLapsdTest, ScopedAdministratorReachesOnlyItsTag) {
  auto session = NewAdmin("Administrator", {tags_[0]});
  ASSERT_TRUE(session);
  Objects mine = Make(tags_[0]);
  Objects theirs = Make(tags_[1]);
  const std::string member = NewMember();
  const std::vector<std::string> foreign = {theirs.device, theirs.policy, theirs.group};
  for (bool own : {true, false}) {
    const Objects& objects = own ? mine : theirs;
    for (const auto& [key, row] : Ordered()) {
      if (row.destructive && key == "POST /api/v1/logout" && own) continue;  // keep the session
      for (const Case& c : row.cases) {
        const std::string target = Fill(c.target, objects, member);
        auto reply =
            session->Call(key.substr(0, key.find(' ')), target, FillJson(c.body, objects, member));
        const int expected = own ? (c.in ? c.in : c.ok) : c.out;
        EXPECT_EQ(reply.status, expected)
            << (own ? "own tag " : "other tag ") << key << " " << target << " " << reply.body;
        if (reply.status >= 200 && reply.status < 300) {
          const std::string text = reply.body.dump();
          for (const std::string& id : foreign) {
            EXPECT_EQ(text.find(id), std::string::npos)
                << key << " " << target << " shows another tag's object " << id << ": " << text;
          }
        }
      }
    }
  }
}

}  // namespace
}  // namespace openlaps
