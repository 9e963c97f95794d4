// lapsd access control end to end: "no audit, no reveal", and a device that
// reaches for another's records. The route x role x scope matrix is in
// route_matrix_test.cpp.
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

  auto hijack =
      intruder->ReportAction(action, {protocol::ActionReportState::kFailed, "", "not yours"});
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
