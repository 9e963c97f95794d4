// laps-agent backing up to a real Active Directory: a Samba AD DC provisioned
// on loopback by samba_dc.sh (schema extended from the LDIF admins use), a
// computer account with its keytab, a real lapsd and the real laps-agent on
// a scratch root. The DC needs root to provision; without it every test
// skips and says so.
#include <gtest/gtest.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>

#include "agent/active_directory/windows_laps_attributes.h"
#include "agent_process_lab.h"
#include "crypto/csprng.h"
#include "crypto/encoding.h"
#include "testing/status_matchers.h"

namespace openlaps::agent {
namespace {

constexpr auto kSettle = std::chrono::seconds(60);

// Runs a command line; its stdout, and its exit code in `code`.
std::string Run(const std::string& command, int* code = nullptr) {
  std::string out;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return out;
  char buffer[4096];
  for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0;) out.append(buffer, n);
  const int status = ::pclose(pipe);
  if (code != nullptr) *code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return out;
}

std::string Quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// The DC the ctest fixture ad_dc_up started (tests/ad/CMakeLists.txt): one
// for every test, each of which makes a computer account of its own.
class DomainController {
 public:
  // nullptr when the fixture did not provision one (not root).
  static DomainController* Attach() {
    auto dc = std::unique_ptr<DomainController>(new DomainController());
    std::ifstream env(dc->dir_ / "dc.env");
    if (!env) return nullptr;
    for (std::string line; std::getline(env, line);) {
      auto eq = line.find('=');
      if (eq == std::string::npos) continue;
      std::string value = line.substr(eq + 1);
      if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'')) {
        value = value.substr(1, value.size() - 2);
      }
      dc->env_[line.substr(0, eq)] = value;
    }
    return dc.release();
  }

  const std::string& Env(const std::string& key) { return env_[key]; }

  // A fresh computer account; its keytab's path.
  std::filesystem::path Computer(const std::string& name) {
    int code = 0;
    std::string out = Script("computer " + name, &code);
    EXPECT_EQ(code, 0) << out;
    return dir_ / (name + ".keytab");
  }
  void GrantSelf(const std::string& name) {
    int code = 0;
    std::string out = Script("grant-self " + name, &code);
    EXPECT_EQ(code, 0) << out;
  }

  // `attributes` of computer `name` as an admin reads them (ldapsearch).
  std::map<std::string, std::string> Read(const std::string& name,
                                          const std::vector<std::string>& attributes) {
    std::string command = "admin-search '(sAMAccountName=" + name + "$)'";
    for (const std::string& a : attributes) command += " " + a;
    int code = 0;
    std::string out = Script(command, &code);
    EXPECT_EQ(code, 0) << out;
    std::map<std::string, std::string> values;
    std::istringstream lines(out);
    for (std::string line; std::getline(lines, line);) {
      auto colon = line.find(": ");
      if (colon == std::string::npos || line.find(":: ") != std::string::npos) continue;
      values[line.substr(0, colon)] = line.substr(colon + 2);
    }
    return values;
  }

  // Replaces one attribute of computer `name` as an admin (ldapmodify).
  void Write(const std::string& name, const std::string& attribute, const std::string& value) {
    int code = 0;
    std::string out = Script("admin-replace " + name + " " + attribute + " " + Quote(value), &code);
    EXPECT_EQ(code, 0) << out;
  }

  std::vector<std::string> AgentArgs(const std::filesystem::path& keytab) {
    return {"--ad-server", Env("AD_LDAP_URI"), "--ad-keytab", keytab.string()};
  }
  std::vector<std::string> AgentEnv() { return {"KRB5_CONFIG=" + Env("AD_KRB5_CONFIG")}; }

 private:
  DomainController() = default;
  std::string Script(const std::string& args, int* code) {
    return Run("bash " + Quote(script_) + " " + args.substr(0, args.find(' ')) + " " +
                   Quote(dir_.string()) + args.substr(args.find(' ')) + " 2>&1",
               code);
  }

  std::string script_ = SAMBA_DC_SCRIPT;
  std::filesystem::path dir_ = SAMBA_DC_DIR;
  std::map<std::string, std::string> env_;
};

DomainController* dc = nullptr;

class ActiveDirectoryTest : public ::testing::Test {
 protected:
  // A computer account starts without the SELF write ACEs, as in AD.
  virtual bool GrantsSelfWrite() const { return true; }

  static void SetUpTestSuite() {
    if (::geteuid() == 0) dc = DomainController::Attach();
  }
  static void TearDownTestSuite() {
    delete dc;
    dc = nullptr;
  }

  void SetUp() override {
    if (::geteuid() != 0) {
      GTEST_SKIP() << "skipped: provisioning a Samba AD DC needs root (CI runs as root)";
    }
    ASSERT_NE(dc, nullptr) << "no domain controller: run through ctest (fixture ad_dc_up)";
    // ctest runs each test in a process of its own against the one DC: a
    // random name (NetBIOS: at most 15 characters) keeps their accounts apart.
    std::array<std::uint8_t, 4> suffix{};
    crypto::RandomBytes(suffix);
    name_ = "LAB" + crypto::HexEncode(suffix);
    keytab_ = dc->Computer(name_);
    if (GrantsSelfWrite()) dc->GrantSelf(name_);
    lab_ = std::make_unique<AgentProcessLab>(
        LAPSD_PATH, LAPS_AGENT_PATH,
        std::filesystem::path(::testing::TempDir()) / ("ad-lab-" + crypto::RandomToken(6)));
    ASSERT_OK(lab_->SetUp()) << lab_->LapsdLog();
    ASSERT_OK(lab_->SetPolicySettings(settings_));
    lab_->SetAgentExtras(dc->AgentArgs(keytab_), dc->AgentEnv());
  }

  std::map<std::string, std::string> InAd() {
    return dc->Read(name_, {"msLAPS-Password", "msLAPS-PasswordExpirationTime", "ms-Mcs-AdmPwd",
                            "ms-Mcs-AdmPwdExpirationTime"});
  }
  // msLAPS-Password's password, empty when there is none.
  std::string PasswordInAd() {
    auto values = InAd();
    auto it = values.find("msLAPS-Password");
    if (it == values.end()) return "";
    return nlohmann::json::parse(it->second).value("p", "");
  }
  // Polls (bounded) until AD holds a password other than `old` that opens the account.
  bool WaitForNewPasswordInAd(const std::string& old) {
    auto deadline = std::chrono::steady_clock::now() + kSettle;
    while (std::chrono::steady_clock::now() < deadline) {
      std::string now = PasswordInAd();
      if (!now.empty() && now != old && lab_->Opens(now) &&
          !std::filesystem::exists(lab_->state_dir() / "journal.json")) {
        return true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }

  nlohmann::json settings_ = {{"backupDirectory", 2},
                              {"passwordAgeDays", 7},
                              {"passwordComplexity", 4},
                              {"adPasswordEncryptionEnabled", false}};
  std::string name_;
  std::filesystem::path keytab_;
  std::unique_ptr<AgentProcessLab> lab_;
};

TEST_F(ActiveDirectoryTest, TheAgentWritesWindowsLapsAttributesThatOpenTheAccount) {
  ASSERT_OK(lab_->StartAgent());
  ASSERT_TRUE(WaitForNewPasswordInAd("")) << lab_->AgentLog();
  const auto values = InAd();
  const auto document = nlohmann::json::parse(values.at("msLAPS-Password"));
  EXPECT_EQ(document.at("n"), "root");
  const std::int64_t t = std::stoll(document.at("t").get<std::string>(), nullptr, 16);
  const std::int64_t now = ad::ToFileTime(core::SystemClock().Now());
  EXPECT_LT(std::llabs(now - t), 60LL * 10'000'000) << "t within a minute of now";
  const std::int64_t expires = std::stoll(values.at("msLAPS-PasswordExpirationTime"));
  EXPECT_EQ(expires - t, 7LL * 86400 * 10'000'000) << "expiry = t + PasswordAgeDays";
  EXPECT_EQ(values.count("ms-Mcs-AdmPwd"), 0u);

  // lapsd: metadata, "backed up to Active Directory", never the password.
  auto info = lab_->admin().Call("GET", "/v1.0/directory/deviceLocalCredentials/" +
                                            lab_->device_id() + "?$select=credentials");
  ASSERT_EQ(info.status, 200) << info.body;
  EXPECT_EQ(info.body["openlapsBackupDirectory"], "activeDirectory");
  EXPECT_TRUE(info.body["credentials"][0]["passwordBase64"].is_null());
  EXPECT_EQ(info.body["credentials"][0]["accountName"], "root");
  EXPECT_EQ(info.body.dump().find(document.at("p").get<std::string>()), std::string::npos);
}

TEST_F(ActiveDirectoryTest, AManualRotationReachesDoneOnceAdAndTheAccountHaveIt) {
  ASSERT_OK(lab_->StartAgent());
  ASSERT_TRUE(WaitForNewPasswordInAd("")) << lab_->AgentLog();
  const std::string first = PasswordInAd();
  ASSERT_EQ(lab_->RequestRotation(), 204);
  ASSERT_TRUE(lab_->WaitForDone(0, kSettle)) << lab_->AgentLog();
  const std::string second = PasswordInAd();
  EXPECT_NE(second, first);
  EXPECT_TRUE(lab_->Opens(second));
  EXPECT_FALSE(lab_->Opens(first));
}

TEST_F(ActiveDirectoryTest, AnEarlierExpirySetByAnAdminRotatesAtTheNextCycle) {
  ASSERT_OK(lab_->StartAgent());
  ASSERT_TRUE(WaitForNewPasswordInAd("")) << lab_->AgentLog();
  const std::string first = PasswordInAd();
  // What Reset-LapsPassword and the LAPS UI do: expire it now.
  dc->Write(name_, "msLAPS-PasswordExpirationTime",
            ad::FormatExpiration(core::SystemClock().Now() - std::chrono::minutes(1)));
  // A policy edit wakes the agent for its next cycle at once.
  settings_["passwordLength"] = 16;
  ASSERT_OK(lab_->SetPolicySettings(settings_));
  ASSERT_TRUE(WaitForNewPasswordInAd(first)) << lab_->AgentLog();
  EXPECT_EQ(PasswordInAd().size(), 16u);
}

// The account as an admin leaves it before Set-LapsADComputerSelfPermission.
class ActiveDirectoryWithoutSelfWriteTest : public ActiveDirectoryTest {
 protected:
  bool GrantsSelfWrite() const override { return false; }
};

TEST_F(ActiveDirectoryWithoutSelfWriteTest, NothingChangesLocallyUntilTheRightIsGranted) {
  const std::string before = ReadLogFile(lab_->root() / "etc/shadow");
  // Retries come quickly here, so the grant below is seen within seconds.
  ASSERT_OK(lab_->StartAgent({"LAPS_AGENT_TEST_MIN_BACKOFF_MS=200"}));
  ASSERT_TRUE(lab_->WaitForAgentLog("Insufficient access", 0, kSettle)) << lab_->AgentLog();
  EXPECT_EQ(ReadLogFile(lab_->root() / "etc/shadow"), before);
  EXPECT_TRUE(PasswordInAd().empty());
  EXPECT_FALSE(std::filesystem::exists(lab_->state_dir() / "journal.json"));

  // Granted: the agent's next attempt (it retries on its own; there is no
  // password yet that an admin could ask to rotate) succeeds.
  dc->GrantSelf(name_);
  ASSERT_TRUE(WaitForNewPasswordInAd("")) << lab_->AgentLog();
}

TEST_F(ActiveDirectoryTest, KilledAtEveryStepTheAgentNeverLocksOut) {
  ASSERT_OK(lab_->StartAgent());
  ASSERT_TRUE(WaitForNewPasswordInAd("")) << lab_->AgentLog();
  lab_->KillAgent();
  for (std::string step : {"journaled", "escrowed", "set-locally", "committed"}) {
    SCOPED_TRACE(step);
    const std::string before = PasswordInAd();
    const std::size_t paused = lab_->AgentLogCount("paused at " + step);
    ASSERT_EQ(lab_->RequestRotation(true), 204);
    ASSERT_OK(lab_->StartAgent({"LAPS_AGENT_TEST_PAUSE_AT=" + step}));
    ASSERT_TRUE(lab_->WaitForAgentLog("paused at " + step, paused, kSettle)) << lab_->AgentLog();
    lab_->KillAgent();
    // Only between the AD write and the local set does AD run ahead of the
    // account; the restart below closes that window first thing.
    if (step != "escrowed") {
      EXPECT_TRUE(lab_->Opens(PasswordInAd()));
    }

    ASSERT_OK(lab_->StartAgent());
    ASSERT_TRUE(WaitForNewPasswordInAd(step == "journaled" ? "" : before)) << lab_->AgentLog();
    ASSERT_TRUE(lab_->WaitForNoOutstandingAction(kSettle)) << lab_->AgentLog();
    EXPECT_TRUE(lab_->Opens(PasswordInAd()));
    lab_->KillAgent();
  }
}

TEST_F(ActiveDirectoryTest, AnImageRolledBackToAnOlderStateRotatesAtOnce) {
  ASSERT_OK(lab_->StartAgent());
  ASSERT_TRUE(WaitForNewPasswordInAd("")) << lab_->AgentLog();
  lab_->KillAgent();
  // The "image": the device as it was after the first rotation.
  const std::string old_state = ReadLogFile(lab_->state_dir() / "state.json");
  const std::string old_shadow = ReadLogFile(lab_->root() / "etc/shadow");
  ASSERT_EQ(lab_->RequestRotation(true), 204);
  ASSERT_OK(lab_->StartAgent());
  ASSERT_TRUE(lab_->WaitForDone(0, kSettle)) << lab_->AgentLog();
  const std::string second = PasswordInAd();
  lab_->KillAgent();

  std::ofstream(lab_->state_dir() / "state.json") << old_state;
  std::ofstream(lab_->root() / "etc/shadow") << old_shadow;
  EXPECT_FALSE(lab_->Opens(second)) << "rolled back: AD's password no longer opens the account";
  ASSERT_OK(lab_->StartAgent());
  ASSERT_TRUE(WaitForNewPasswordInAd(second)) << lab_->AgentLog();
  EXPECT_TRUE(lab_->Opens(PasswordInAd()));
}

TEST_F(ActiveDirectoryTest, TheLegacySchemaPathWritesMsMcsAdmPwd) {
  settings_["adLegacyLapsAttributesEnabled"] = true;
  ASSERT_OK(lab_->SetPolicySettings(settings_));
  ASSERT_OK(lab_->StartAgent());
  auto deadline = std::chrono::steady_clock::now() + kSettle;
  std::map<std::string, std::string> values;
  while (std::chrono::steady_clock::now() < deadline) {
    values = InAd();
    if (values.count("ms-Mcs-AdmPwd") && lab_->Opens(values["ms-Mcs-AdmPwd"])) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_TRUE(values.count("ms-Mcs-AdmPwd")) << lab_->AgentLog();
  EXPECT_TRUE(lab_->Opens(values["ms-Mcs-AdmPwd"]));
  EXPECT_GT(std::stoll(values.at("ms-Mcs-AdmPwdExpirationTime")),
            ad::ToFileTime(core::SystemClock().Now()));
  EXPECT_EQ(values.count("msLAPS-Password"), 0u);
}

}  // namespace
}  // namespace openlaps::agent
