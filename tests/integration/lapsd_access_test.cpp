// lapsd access control end to end: the matrix of routes x built-in roles,
// "no audit, no reveal", and a device that reaches for another's records.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "agent/device_client.h"
#include "core/clock.h"
#include "crypto/csprng.h"
#include "support/lapsd_process.h"
#include "testing/status_matchers.h"

namespace openlaps {
namespace {

using testing::AdminSession;
using testing::LapsdProcess;

// What LAPS-REFERENCE.md §7 gives each built-in role, written out here
// independently of the server's own table.
const std::map<std::string, std::set<std::string>>& RolePermissions() {
  static const std::map<std::string, std::set<std::string>> kRoles = {
      {"Administrator",
       {"readDevices", "rotate", "readBasic", "readPassword", "readPolicies", "managePolicies",
        "readGroups", "manageGroups", "readRoles", "manageRoles", "readAudit", "enrollment"}},
      {"Endpoint Security Manager",
       {"readDevices", "readBasic", "readPolicies", "managePolicies", "readGroups"}},
      {"Help Desk Operator",
       {"readDevices", "rotate", "readBasic", "readPassword", "readPolicies", "readGroups"}},
      {"Read Only Operator", {"readDevices", "readBasic", "readPolicies", "readGroups"}},
  };
  return kRoles;
}

struct RouteCase {
  std::string method;
  std::string target;  // {device}, {policy}, {group} are filled in
  std::string needs;
  nlohmann::json body = nullptr;
};

class LapsdAccessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    data_dir_ = std::filesystem::path(::testing::TempDir()) / ("access-" + crypto::RandomToken(6));
    std::filesystem::create_directories(data_dir_);
    lapsd_ = std::make_unique<LapsdProcess>(LAPSD_PATH, data_dir_);
    ASSERT_TRUE(lapsd_->Start().ok()) << lapsd_->Log();
    auto admin = AdminSession::LoginInitial(lapsd_->base_url(), data_dir_);
    ASSERT_TRUE(admin.ok()) << admin.status();
    admin_ = std::move(admin).value();
  }
  void TearDown() override {
    if (lapsd_) lapsd_->Stop();
    std::filesystem::remove_all(data_dir_);
  }

  std::unique_ptr<agent::DeviceClient> Enroll(const std::string& name) {
    auto token = admin_->Call("POST", "/api/v1/enrollmentTokens", {{"name", name}});
    agent::EnrollRequest request;
    request.token = token.body.value("token", "");
    request.device_name = name;
    auto device = agent::DeviceClient::Enroll(lapsd_->base_url(), request, clock_);
    EXPECT_TRUE(device.ok()) << device.status();
    return device.ok() ? std::move(device).value() : nullptr;
  }

  void BackUp(agent::DeviceClient& device, const std::string& rotation, const std::string& pw) {
    ASSERT_TRUE(device.EscrowPending(rotation, "root", "S-1-22-1-0", core::SecretString(pw)).ok());
    ASSERT_TRUE(device.Commit(rotation).ok());
  }

  core::SystemClock clock_;
  std::filesystem::path data_dir_;
  std::unique_ptr<LapsdProcess> lapsd_;
  std::unique_ptr<AdminSession> admin_;
};

std::string Fill(std::string target, const std::map<std::string, std::string>& ids) {
  for (const auto& [key, value] : ids) {
    for (std::size_t pos; (pos = target.find(key)) != std::string::npos;) {
      target.replace(pos, key.size(), value);
    }
  }
  return target;
}

TEST_F(LapsdAccessTest, EveryRouteChecksItsPermissionForEveryRole) {
  auto device = Enroll("matrix-01");
  ASSERT_TRUE(device);
  BackUp(*device, "rot-1", "Matrix-Password-1");
  ASSERT_TRUE(device->Checkin({}).ok());  // online, so rotation is not refused as offline
  auto group = admin_->Call("POST", "/v1.0/groups", {{"displayName", "Matrix"}});
  nlohmann::json policy_body = {{"name", "Matrix policy"},
                                {"lapsSettings", {{"backupDirectory", 1}}}};
  auto policy = admin_->Call("POST", "/beta/deviceManagement/configurationPolicies", policy_body);
  ASSERT_EQ(policy.status, 201);
  std::map<std::string, std::string> ids = {{"{device}", device->identity().device_id},
                                            {"{policy}", policy.body["id"]},
                                            {"{group}", group.body["id"]}};
  auto roles = admin_->Call("GET", "/beta/deviceManagement/roleDefinitions");
  std::map<std::string, std::string> role_ids;
  for (const auto& r : roles.body["value"]) role_ids[r["displayName"]] = r["id"];

  const std::string dm = "/beta/deviceManagement";
  const std::vector<RouteCase> routes = {
      {"GET", dm + "/managedDevices", "readDevices"},
      {"GET", dm + "/managedDevices/{device}", "readDevices"},
      {"GET", dm + "/managedDevices/{device}/deviceActionResults", "readDevices"},
      {"POST", dm + "/managedDevices/{device}/rotateLocalAdminPassword", "rotate"},
      {"GET", "/v1.0/directory/deviceLocalCredentials", "readBasic"},
      {"GET", "/v1.0/directory/deviceLocalCredentials/{device}", "readBasic"},
      {"GET", "/v1.0/directory/deviceLocalCredentials/{device}?$select=credentials",
       "readPassword"},
      {"GET", dm + "/configurationPolicies", "readPolicies"},
      {"GET", dm + "/configurationPolicies/{policy}", "readPolicies"},
      {"GET", dm + "/configurationPolicies/{policy}/assignments", "readPolicies"},
      {"GET", dm + "/configurationPolicies/{policy}/deviceStatuses", "readPolicies"},
      {"POST", dm + "/configurationPolicies", "managePolicies", policy_body},
      {"PATCH",
       dm + "/configurationPolicies/{policy}",
       "managePolicies",
       {{"description", "changed"}}},
      {"POST",
       dm + "/configurationPolicies/{policy}/assign",
       "managePolicies",
       {{"assignments", nlohmann::json::array()}}},
      {"GET", "/v1.0/groups", "readGroups"},
      {"GET", "/v1.0/groups/{group}/members", "readGroups"},
      {"POST", "/v1.0/groups", "manageGroups", {{"displayName", "G"}}},
      {"GET", "/v1.0/users", "readGroups"},
      {"GET", dm + "/roleDefinitions", "readRoles"},
      {"GET", dm + "/roleAssignments", "readRoles"},
      {"GET", dm + "/roleScopeTags", "readRoles"},
      {"POST", dm + "/roleScopeTags", "manageRoles", {{"displayName", "T"}}},
      {"GET", dm + "/auditEvents", "readAudit"},
      {"POST", "/api/v1/auditEvents/verify", "readAudit"},
      {"GET", "/api/v1/enrollmentTokens", "enrollment"},
      {"POST", "/api/v1/enrollmentTokens", "enrollment", {{"name", "m"}}},
      {"POST", "/v1.0/users", "manageGroups", {{"userPrincipalName", "m@example.org"}}},
      {"POST",
       dm + "/roleDefinitions",
       "manageRoles",
       {{"displayName", "Custom"},
        {"rolePermissions",
         {{{"allowedResourceActions", {"DeviceManagement.ManagedDevices.Read"}}}}}}},
      {"POST",
       "/api/v1/admins",
       "manageRoles",
       {{"userName", "extra"}, {"password", "another-long-password"}}},
      {"POST", "/v1.0/groups/{group}/members/$ref", "manageGroups", {{"@odata.id", "{device}"}}},
      {"DELETE", "/v1.0/groups/{group}/members/{device}/$ref", "manageGroups"},
      // Deletions last: once the Administrator has deleted, later roles that
      // may delete get 404, which is still not a refusal.
      {"DELETE", dm + "/configurationPolicies/{policy}", "managePolicies"},
      {"DELETE", "/v1.0/groups/{group}", "manageGroups"},
  };

  int admin_number = 0;
  for (const auto& [role, allowed] : RolePermissions()) {
    std::string name = "matrix" + std::to_string(admin_number++);
    std::string password = "matrix-password-" + name;
    ASSERT_EQ(
        admin_->Call("POST", "/api/v1/admins", {{"userName", name}, {"password", password}}).status,
        201);
    ASSERT_EQ(
        admin_
            ->Call(
                "POST", dm + "/roleAssignments",
                {{"displayName", name}, {"roleDefinitionId", role_ids[role]}, {"members", {name}}})
            .status,
        201);
    auto session = AdminSession::Login(lapsd_->base_url(), name, password);
    ASSERT_TRUE(session.ok());
    for (const RouteCase& route : routes) {
      nlohmann::json body = route.body;
      if (body.is_object() && body.contains("@odata.id"))
        body["@odata.id"] = Fill(body["@odata.id"], ids);
      auto reply = (*session)->Call(route.method, Fill(route.target, ids), body);
      bool permitted = allowed.contains(route.needs);
      if (permitted) {
        EXPECT_NE(reply.status, 403)
            << role << " " << route.method << " " << route.target << " " << reply.body;
        EXPECT_LT(reply.status, 500) << role << " " << route.target << " " << reply.body;
      } else {
        EXPECT_EQ(reply.status, 403) << role << " " << route.method << " " << route.target;
      }
    }
  }
}

TEST_F(LapsdAccessTest, NoAuditNoReveal) {
  auto device = Enroll("audit-01");
  ASSERT_TRUE(device);
  const std::string password = "Never-Without-Audit-7";
  BackUp(*device, "rot-1", password);
  std::string reveal = "/v1.0/directory/deviceLocalCredentials/" + device->identity().device_id +
                       "?$select=credentials";
  // Break audit writes for reveals, from outside, in the live database.
  ASSERT_OK(lapsd_->ExecSql(
      lapsd_->on_postgres()
          ? "CREATE FUNCTION no_reveal_audit() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'audit unavailable'; END $$; "
            "CREATE TRIGGER no_reveal_audit BEFORE INSERT ON audit_events FOR EACH ROW "
            "WHEN (NEW.activity = 'Recover device local administrator password') "
            "EXECUTE FUNCTION no_reveal_audit();"
          : "CREATE TRIGGER no_reveal_audit BEFORE INSERT ON audit_events "
            "WHEN NEW.activity = 'Recover device local administrator password' "
            "BEGIN SELECT RAISE(ABORT, 'audit unavailable'); END;"));
  auto refused = admin_->Call("GET", reveal);
  EXPECT_GE(refused.status, 400);
  EXPECT_EQ(refused.body.dump().find("credentials\""), std::string::npos) << refused.body;

  ASSERT_OK(lapsd_->ExecSql(lapsd_->on_postgres() ? "DROP TRIGGER no_reveal_audit ON audit_events"
                                                  : "DROP TRIGGER no_reveal_audit"));
  auto revealed = admin_->Call("GET", reveal);
  EXPECT_EQ(revealed.status, 200);
  EXPECT_EQ(revealed.body["credentials"].size(), 1u);
}

TEST_F(LapsdAccessTest, ADeviceCannotTouchAnotherDevicesRecords) {
  auto victim = Enroll("victim");
  auto intruder = Enroll("intruder");
  ASSERT_TRUE(victim && intruder);
  BackUp(*victim, "rot-1", "Victim-Password-1");
  ASSERT_TRUE(victim->Checkin({}).ok());
  ASSERT_EQ(admin_
                ->Call("POST", "/beta/deviceManagement/managedDevices/" +
                                   victim->identity().device_id + "/rotateLocalAdminPassword")
                .status,
            204);
  auto actions = victim->Checkin({});
  ASSERT_EQ((*actions)["actions"].size(), 1u);
  std::string action = (*actions)["actions"][0]["id"];

  auto hijack = intruder->ReportAction(action, "failed", "", "not yours");
  EXPECT_TRUE(hijack.status().IsNotFound()) << hijack.status();
  // The intruder's commit of the victim's rotation id touches nothing of the victim's.
  EXPECT_FALSE(intruder->Commit("rot-1").ok());
  auto audit = admin_->Call("GET", "/beta/deviceManagement/auditEvents?$filter=" +
                                       http::PercentEncode("activity eq 'Refused device request'"));
  ASSERT_EQ(audit.body["value"].size(), 1u);
  EXPECT_EQ(audit.body["value"][0]["actorName"], "intruder");
  auto device =
      admin_->Call("GET", "/beta/deviceManagement/managedDevices/" + victim->identity().device_id);
  EXPECT_EQ(device.body["deviceActionResults"][0]["actionState"], "pending");
}

}  // namespace
}  // namespace openlaps
