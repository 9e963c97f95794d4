// A lab for agent tests: a real lapsd on a temporary directory, a policy
// assigned to a device group, one device enrolled over the signed protocol,
// and a scratch root whose etc/passwd and etc/shadow the agent manages.
#ifndef OPENLAPS_TESTS_AGENT_AGENT_LAB_H_
#define OPENLAPS_TESTS_AGENT_AGENT_LAB_H_

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <memory>
#include <sstream>

#include "agent/backup_directory_client.h"
#include "agent/device_client.h"
#include "agent/platform/linux/linux_account_backend.h"
#include "agent/rotator.h"
#include "core/policy_json.h"
#include "crypto/csprng.h"
#include "crypto/encoding.h"
#include "support/lapsd_process.h"
#include "testing/status_matchers.h"

namespace openlaps::agent {

using openlaps::testing::AdminSession;
using openlaps::testing::LapsdProcess;

inline constexpr const char* kLapsTemplate = "adc46e5a-f4aa-4ff6-aeff-4f27bc525796_1";
inline constexpr std::string_view kPasswd =
    "root:x:0:0:root:/root:/bin/bash\n"
    "alice:x:1000:1000:Alice:/home/alice:/bin/bash\n";
inline constexpr std::string_view kShadow =
    "root:$6$saltsalt$notarealhash:19000:0:99999:7:::\n"
    "alice:*:19000:0:99999:7:::\n";

inline std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// A crash right after a step took effect: nothing after it runs.
inline Status Crash() { return Status(StatusCode::kAborted, "injected crash"); }

class AgentLab : public ::testing::Test {
 protected:
  void SetUp() override {
    base_ = std::filesystem::path(::testing::TempDir()) / ("agent-" + crypto::RandomToken(6));
    std::filesystem::create_directories(base_ / "lapsd");
    std::filesystem::create_directories(base_ / "root/etc");
    std::filesystem::create_directories(base_ / "state");
    std::ofstream(base_ / "root/etc/passwd") << kPasswd;
    std::ofstream(base_ / "root/etc/shadow") << kShadow;
    backend_ = std::make_unique<LinuxAccountBackend>(
        LinuxAccountBackend::Options{.root = base_ / "root", .while_locked = {}}, clock_);
    journal_ = std::make_unique<RotationJournal>(base_ / "state");

    // The lab reveals passwords each time it polls: beyond the limit for people.
    lapsd_ = std::make_unique<LapsdProcess>(LAPSD_PATH, base_ / "lapsd",
                                            std::vector<std::string>{"--reveal-limit", "1000000"});
    ASSERT_OK(lapsd_->Start()) << lapsd_->Log();
    ASSERT_OK_AND_ASSIGN(admin_, AdminSession::LoginInitial(lapsd_->base_url(), base_ / "lapsd"));

    auto group = admin_->Call("POST", "/v1.0/groups",
                              {{"displayName", "Lab"}, {"openlapsGroupKind", "device"}});
    ASSERT_EQ(group.status, 201) << group.body;
    auto policy = admin_->Call(
        "POST", "/beta/deviceManagement/configurationPolicies",
        {{"name", "Lab LAPS"},
         {"platforms", "linux"},
         {"technologies", "mdm"},
         {"templateReference", {{"templateId", kLapsTemplate}}},
         {"lapsSettings",
          {{"backupDirectory", 1}, {"passwordAgeDays", 7}, {"passwordComplexity", 4}}}});
    ASSERT_EQ(policy.status, 201) << policy.body;
    policy_id_ = policy.body["id"].get<std::string>();
    auto assigned = admin_->Call("POST",
                                 "/beta/deviceManagement/configurationPolicies/" +
                                     policy.body["id"].get<std::string>() + "/assign",
                                 {{"assignments",
                                   {{{"target",
                                      {{"@odata.type", "#microsoft.graph.groupAssignmentTarget"},
                                       {"groupId", group.body["id"]}}}}}}});
    ASSERT_EQ(assigned.status, 200) << assigned.body;
    auto token = admin_->Call("POST", "/api/v1/enrollmentTokens",
                              {{"name", "lab"}, {"uses", 1}, {"groupIds", {group.body["id"]}}});
    ASSERT_EQ(token.status, 201) << token.body;

    EnrollRequest request;
    request.token = token.body["token"];
    request.device_name = "lab-01";
    ASSERT_OK_AND_ASSIGN(client_, DeviceClient::Enroll(lapsd_->base_url(), request, clock_));
    directory_ = std::make_unique<LapsdBackupDirectory>(*client_);

    ASSERT_OK_AND_ASSIGN(nlohmann::json answer, client_->Checkin({}));
    ASSERT_OK_AND_ASSIGN(core::PolicySettings configured,
                         core::PolicySettingsFromJson(answer["settings"]));
    settings_ = core::LapsSettings::Resolve(configured);
    ASSERT_EQ(settings_.backup_directory, core::BackupDirectory::kCloud);
  }

  void TearDown() override {
    if (lapsd_) lapsd_->Stop();
    std::filesystem::remove_all(base_);
  }

  // Replaces the policy's LAPS settings.
  void SetPolicySettings(const nlohmann::json& laps_settings) {
    auto r = admin_->Call("PATCH", "/beta/deviceManagement/configurationPolicies/" + policy_id_,
                          {{"lapsSettings", laps_settings}});
    ASSERT_EQ(r.status, 200) << r.body;
  }

  // A rotator as a freshly started agent builds it, over `accounts`.
  std::unique_ptr<Rotator> MakeRotator(AccountBackend& accounts) {
    return std::make_unique<Rotator>(accounts, BackupDirectories{directory_.get(), nullptr},
                                     *journal_, client_->identity().box, random_, clock_);
  }

  // The escrowed passwords by state ("current", "pending", "history").
  std::multimap<std::string, std::string> Escrowed() {
    auto r = admin_->Call("GET", "/v1.0/directory/deviceLocalCredentials/" +
                                     client_->identity().device_id + "?$select=credentials");
    std::multimap<std::string, std::string> out;
    if (r.status == 404) return out;  // never backed up
    EXPECT_EQ(r.status, 200) << r.body;
    for (const auto& c : r.body["credentials"]) {
      auto bytes = crypto::Base64Decode(c["passwordBase64"].get<std::string>());
      out.emplace(c["openlapsState"].get<std::string>(), std::string(bytes->begin(), bytes->end()));
    }
    return out;
  }

  std::string CurrentPassword() {
    auto escrowed = Escrowed();
    auto it = escrowed.find("current");
    return it == escrowed.end() ? std::string() : it->second;
  }

  bool Opens(const std::string& password) {
    auto result = backend_->VerifyPassword({"root", 0, "S-1-22-1-0"}, core::SecretString(password));
    return result.ok() && *result;
  }

  core::SystemClock clock_;  // lapsd checks request timestamps
  crypto::CsprngRandom random_;
  std::filesystem::path base_;
  std::unique_ptr<LapsdProcess> lapsd_;
  std::unique_ptr<AdminSession> admin_;
  std::unique_ptr<DeviceClient> client_;
  std::unique_ptr<LapsdBackupDirectory> directory_;
  core::LapsSettings settings_;
  std::string policy_id_;
  std::unique_ptr<LinuxAccountBackend> backend_;
  std::unique_ptr<RotationJournal> journal_;
};

}  // namespace openlaps::agent

#endif  // OPENLAPS_TESTS_AGENT_AGENT_LAB_H_
