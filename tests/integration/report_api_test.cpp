// The report routes and the console's files against a real lapsd with a
// seeded demo fleet (20 devices backed up over the last 35 days, two of them
// overdue, two in a conflict between the demo policies) and one enrolled
// device whose name needs CSV quoting.
#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "agent/device_client.h"
#include "core/clock.h"
#include "crypto/csprng.h"
#include "http/client.h"
#include "support/lapsd_process.h"

namespace openlaps {
namespace {

using testing::AdminSession;
using testing::LapsdProcess;

constexpr int kDemoDevices = 20;
// A device names itself: this one would be a formula in a spreadsheet and
// needs quoting for its comma and quote.
const std::string kAwkwardName = "=calc,\"pc\"";

std::vector<std::string> Lines(const std::string& csv) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < csv.size()) {
    std::size_t end = csv.find("\r\n", start);
    if (end == std::string::npos) end = csv.size();
    lines.push_back(csv.substr(start, end - start));
    start = end + 2;
  }
  return lines;
}

class ReportApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = std::filesystem::path(::testing::TempDir()) / ("reports-" + crypto::RandomToken(6));
    std::filesystem::create_directories(root_);
    lapsd_ = std::make_unique<LapsdProcess>(
        LAPSD_PATH, root_, std::vector<std::string>{"--demo-fleet", std::to_string(kDemoDevices)});
    ASSERT_TRUE(lapsd_->Start().ok()) << lapsd_->Log();
    auto admin = AdminSession::LoginInitial(lapsd_->base_url(), root_);
    ASSERT_TRUE(admin.ok()) << admin.status();
    admin_ = std::move(admin).value();
    auto token = admin_->Call("POST", "/api/v1/apiTokens", {{"name", "raw"}});
    ASSERT_EQ(token.status, 201) << token.body;
    token_ = token.body["token"];
    auto client = http::HttpClient::Create(lapsd_->base_url());
    ASSERT_TRUE(client.ok());
    http_ = std::move(client).value();
  }

  void TearDown() override {
    if (HasFailure() && lapsd_) std::cerr << "lapsd log:\n" << lapsd_->Log();
    if (lapsd_) lapsd_->Stop();
    std::filesystem::remove_all(root_);
  }

  // The raw response, for bodies that are not JSON.
  http::Response Raw(const std::string& target, http::Headers headers = {}) {
    headers["Authorization"] = "Bearer " + token_;
    auto response = http_->Send("GET", target, headers);
    EXPECT_TRUE(response.ok()) << response.status();
    return response.ok() ? *response : http::Response{};
  }

  void EnrollAwkwardDevice() {
    auto token = admin_->Call("POST", "/api/v1/enrollmentTokens", {{"name", "awkward"}});
    ASSERT_EQ(token.status, 201) << token.body;
    agent::EnrollRequest request;
    request.token = token.body["token"];
    request.device_name = kAwkwardName;
    auto device = agent::DeviceClient::Enroll(lapsd_->base_url(), request, clock_);
    ASSERT_TRUE(device.ok()) << device.status();
    ASSERT_TRUE(
        (*device)->Checkin({{"managedAccount", {{"name", "root"}, {"sid", "S-1-22-1-0"}}}}).ok());
    ASSERT_TRUE(
        (*device)
            ->EscrowPending("rot-1", "root", "S-1-22-1-0", core::SecretString("first-Password-1"))
            .ok());
    ASSERT_TRUE((*device)->Commit("rot-1").ok());
  }

  core::SystemClock clock_;
  std::filesystem::path root_;
  std::unique_ptr<LapsdProcess> lapsd_;
  std::unique_ptr<AdminSession> admin_;
  std::unique_ptr<http::HttpClient> http_;
  std::string token_;
};

TEST_F(ReportApiTest, PasswordRotationCountsTheOverdueDevices) {
  auto all = admin_->Call("GET", "/api/v1/reports/passwordRotation");
  ASSERT_EQ(all.status, 200) << all.body;
  EXPECT_EQ(all.body["deviceCount"], kDemoDevices);
  EXPECT_EQ(all.body["overdueCount"], 2);
  ASSERT_EQ(all.body["value"].size(), static_cast<std::size_t>(kDemoDevices));
  for (const auto& row : all.body["value"]) {
    EXPECT_FALSE(row.contains("password")) << row;
    EXPECT_FALSE(row.contains("passwordBase64")) << row;
    EXPECT_TRUE(row["passwordAgeDays"].is_number_integer()) << row;
    // Overdue exactly when the age passed the demo policy's 30 days.
    EXPECT_EQ(row["overdue"].get<bool>(), row["passwordAgeDays"].get<int>() >= 30) << row;
  }
  auto overdue = admin_->Call("GET", "/api/v1/reports/passwordRotation?overdue=true");
  ASSERT_EQ(overdue.status, 200);
  ASSERT_EQ(overdue.body["value"].size(), 2u);
  for (const auto& row : overdue.body["value"]) EXPECT_TRUE(row["overdue"].get<bool>());
}

TEST_F(ReportApiTest, CsvExportQuotesAndDefusesDeviceNames) {
  EnrollAwkwardDevice();
  http::Response csv = Raw("/api/v1/reports/passwordRotation?$format=csv");
  ASSERT_EQ(csv.status, 200) << csv.body;
  EXPECT_EQ(csv.headers["Content-Type"], "text/csv; charset=utf-8");
  EXPECT_EQ(csv.headers["Content-Disposition"], "attachment; filename=\"password-rotation.csv\"");
  std::vector<std::string> lines = Lines(csv.body);
  ASSERT_EQ(lines.size(), static_cast<std::size_t>(kDemoDevices + 2)) << csv.body;
  EXPECT_EQ(lines[0],
            "deviceName,deviceId,operatingSystem,localAdminAccountName,"
            "lastPasswordRotationDateTime,nextPasswordRotationDateTime,passwordAgeDays,overdue,"
            "lastSyncDateTime,lapsState");
  bool found = false;
  for (const std::string& line : lines) {
    if (line.starts_with("\"'=calc,\"\"pc\"\"\",")) found = true;
  }
  EXPECT_TRUE(found) << csv.body;

  // Accept: text/csv asks for the same.
  http::Response by_accept = Raw("/api/v1/reports/passwordRotation", {{"Accept", "text/csv"}});
  EXPECT_EQ(by_accept.headers["Content-Type"], "text/csv; charset=utf-8");
  EXPECT_EQ(Lines(by_accept.body).size(), lines.size());
}

TEST_F(ReportApiTest, PolicyStatesCountAndListTheConflict) {
  auto summary = admin_->Call("GET", "/api/v1/reports/policyStates");
  ASSERT_EQ(summary.status, 200) << summary.body;
  std::string pilots_id;
  for (const auto& row : summary.body["value"]) {
    if (row["policyName"] == "Demo pilots (7 days)") {
      pilots_id = row["policyId"];
      EXPECT_EQ(row["conflict"], 2) << row;
      EXPECT_EQ(row["total"], 2) << row;
    } else {
      EXPECT_EQ(row["conflict"], 2) << row;
      EXPECT_EQ(row["total"], kDemoDevices) << row;
    }
  }
  ASSERT_FALSE(pilots_id.empty()) << summary.body;

  auto devices =
      admin_->Call("GET", "/api/v1/reports/policyStates?state=conflict&policyId=" + pilots_id);
  ASSERT_EQ(devices.status, 200) << devices.body;
  ASSERT_EQ(devices.body["value"].size(), 2u);
  std::vector<std::string> names;
  for (const auto& row : devices.body["value"]) names.push_back(row["deviceName"]);
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"demo-100", "demo-101"}));
  // The other policy by its name, not lapsd's internal id.
  EXPECT_EQ(devices.body["value"][0]["detail"],
            "PasswordAgeDays conflicts with policy \"Demo LAPS (30 days)\"");

  // One device across every policy: both of demo-100's, in conflict.
  std::string demo100 = devices.body["value"][0]["deviceName"] == "demo-100"
                            ? devices.body["value"][0]["deviceId"]
                            : devices.body["value"][1]["deviceId"];
  auto one = admin_->Call("GET", "/api/v1/reports/policyStates?deviceId=" + demo100);
  ASSERT_EQ(one.status, 200) << one.body;
  ASSERT_EQ(one.body["value"].size(), 2u) << one.body;
  for (const auto& row : one.body["value"]) {
    EXPECT_EQ(row["deviceName"], "demo-100");
    EXPECT_EQ(row["state"], "conflict");
  }
  EXPECT_EQ(admin_->Call("GET", "/api/v1/reports/policyStates?deviceId=nope").status, 404);

  http::Response csv = Raw("/api/v1/reports/policyStates?$format=csv");
  std::vector<std::string> lines = Lines(csv.body);
  ASSERT_EQ(lines.size(), 3u) << csv.body;
  EXPECT_EQ(lines[0], "policyName,policyId,succeeded,error,conflict,pending,notApplicable,total");

  EXPECT_EQ(admin_->Call("GET", "/api/v1/reports/policyStates?policyId=nope").status, 404);
}

TEST_F(ReportApiTest, RotationHistoryHasBackupsAndRequestsNewestFirst) {
  EnrollAwkwardDevice();
  auto history = admin_->Call("GET", "/api/v1/reports/rotationHistory");
  ASSERT_EQ(history.status, 200) << history.body;
  ASSERT_EQ(history.body["value"].size(), static_cast<std::size_t>(kDemoDevices + 1));
  std::string previous = "9999";
  for (const auto& row : history.body["value"]) {
    EXPECT_EQ(row["event"], "passwordBackedUp");
    EXPECT_LE(row["dateTime"].get<std::string>(), previous);
    previous = row["dateTime"];
  }
  EXPECT_EQ(history.body["value"][0]["deviceName"], kAwkwardName);
}

TEST_F(ReportApiTest, ReportsNeedTheReportsPermission) {
  auto created = admin_->Call("POST", "/api/v1/admins",
                              {{"userName", "nobody"}, {"password", "nobody-password-1"}});
  ASSERT_EQ(created.status, 201) << created.body;
  auto nobody = AdminSession::Login(lapsd_->base_url(), "nobody", "nobody-password-1");
  ASSERT_TRUE(nobody.ok());
  EXPECT_EQ((*nobody)->Call("GET", "/api/v1/reports/passwordRotation").status, 403);
  EXPECT_EQ((*nobody)->Call("GET", "/api/v1/reports/rotationHistory").status, 403);
  // The console's setting definitions only need a signed-in admin.
  auto definitions = (*nobody)->Call("GET", "/api/v1/policySettingDefinitions");
  ASSERT_EQ(definitions.status, 200);
  EXPECT_EQ(definitions.body["value"][2]["cspName"], "PasswordAgeDays");
  EXPECT_EQ(definitions.body["value"][2]["min"], 1);
  EXPECT_FALSE(definitions.body["value"][2]["help"].get<std::string>().empty());
}

TEST_F(ReportApiTest, ConsoleIsServedWithoutSignIn) {
  auto index = http_->Send("GET", "/");
  ASSERT_TRUE(index.ok());
  EXPECT_EQ(index->status, 200);
  EXPECT_EQ(index->headers["Content-Type"], "text/html; charset=utf-8");
  EXPECT_NE(index->headers["Content-Security-Policy"].find("default-src 'none'"),
            std::string::npos);
  auto etag = index->headers["ETag"];
  auto again = http_->Send("GET", "/index.html", {{"If-None-Match", etag}});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->status, 304);
  auto missing = http_->Send("GET", "/js/missing.js");
  ASSERT_TRUE(missing.ok());
  EXPECT_EQ(missing->status, 404);
}

}  // namespace
}  // namespace openlaps
