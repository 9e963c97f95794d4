// lapsctl end to end: the built binary in a subprocess against a real lapsd
// with real devices, checked the way admins and scripts depend on it.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <thread>

#include "agent/device_client.h"
#include "cli/lapsctl_runner.h"
#include "core/clock.h"
#include "crypto/csprng.h"
#include "crypto/encoding.h"
#include "http/message.h"
#include "support/lapsd_process.h"

namespace openlaps {
namespace {

using testing::AdminSession;
using testing::CliRun;
using testing::LapsdProcess;

constexpr int kOk = 0;
constexpr int kUsage = 1;
constexpr int kApiError = 2;
constexpr int kUnreachable = 3;
constexpr int kUnauthorized = 4;
constexpr int kFailed = 5;
constexpr const char* kFirstPassword = "First-Escrowed-Password-1";
constexpr const char* kSecondPassword = "Second-Escrowed-Password-2";
constexpr const char* kRevealActivity = "Recover device local administrator password";

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

int Mode(const std::filesystem::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return -1;
  return static_cast<int>(st.st_mode & 0777);
}

nlohmann::json ParseJson(const std::string& text) {
  return nlohmann::json::parse(text, nullptr, false);
}

std::string Contents(const CliRun& run) {
  return "exit " + std::to_string(run.exit_code) + "\nstdout:\n" + run.out + "\nstderr:\n" +
         run.err;
}

class LapsctlTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = std::filesystem::path(::testing::TempDir()) / ("lapsctl-" + crypto::RandomToken(6));
    data_dir_ = root_ / "lapsd";
    config_dir_ = root_ / "config";
    std::filesystem::create_directories(data_dir_);
    lapsd_ = std::make_unique<LapsdProcess>(LAPSD_PATH, data_dir_);
    ASSERT_TRUE(lapsd_->Start().ok()) << lapsd_->Log();
    auto admin = AdminSession::LoginInitial(lapsd_->base_url(), data_dir_);
    ASSERT_TRUE(admin.ok()) << admin.status() << lapsd_->Log();
    admin_ = std::move(admin).value();
    nlohmann::json creds = ParseJson(ReadFile(data_dir_ / "initial-admin.json"));
    admin_password_ = creds.value("password", "");
  }

  void TearDown() override {
    if (lapsd_) lapsd_->Stop();
    std::filesystem::remove_all(root_);
  }

  // lapsctl with --config-dir and a clean environment plus `extra_env`.
  CliRun Lapsctl(std::vector<std::string> args, const std::string& stdin_text = "",
                 std::map<std::string, std::string> extra_env = {}) {
    args.push_back("--config-dir");
    args.push_back(config_dir_.string());
    std::map<std::string, std::string> env = {{"HOME", root_.string()}, {"PATH", "/usr/bin:/bin"}};
    for (auto& [k, v] : extra_env) env[k] = v;
    return testing::RunProcess(LAPSCTL_PATH, args, stdin_text, env);
  }

  void Login() {
    CliRun run =
        Lapsctl({"login", "--server", lapsd_->base_url(), "--user", "admin", "--password-stdin"},
                admin_password_ + "\n");
    ASSERT_EQ(run.exit_code, kOk) << Contents(run);
  }

  std::unique_ptr<agent::DeviceClient> EnrollDevice(const std::string& name) {
    auto token = admin_->Call("POST", "/api/v1/enrollmentTokens", {{"name", name}});
    EXPECT_EQ(token.status, 201) << token.body;
    agent::EnrollRequest request;
    request.token = token.body.value("token", "");
    request.device_name = name;
    auto device = agent::DeviceClient::Enroll(lapsd_->base_url(), request, clock_);
    EXPECT_TRUE(device.ok()) << device.status();
    return device.ok() ? std::move(device).value() : nullptr;
  }

  // Checks in (so the device counts as online) and escrows a first password.
  std::unique_ptr<agent::DeviceClient> EnrollAndBackUp(const std::string& name) {
    auto device = EnrollDevice(name);
    if (!device) return nullptr;
    EXPECT_TRUE(
        device->Checkin({{"managedAccount", {{"name", "root"}, {"sid", "S-1-22-1-0"}}}}).ok());
    BackUp(*device, "rot-1", kFirstPassword);
    return device;
  }

  static void BackUp(agent::DeviceClient& device, const std::string& rotation_id,
                     const std::string& password) {
    auto pending =
        device.EscrowPending(rotation_id, "root", "S-1-22-1-0", core::SecretString(password));
    ASSERT_TRUE(pending.ok()) << pending.status();
    auto commit = device.Commit(rotation_id);
    ASSERT_TRUE(commit.ok()) << commit.status();
  }

  std::size_t AuditCount(const std::string& activity) {
    std::string filter = "activity eq '" + activity + "'";
    auto r = admin_->Call(
        "GET", "/beta/deviceManagement/auditEvents?$filter=" + http::PercentEncode(filter));
    return r.body["value"].size();
  }

  core::SystemClock clock_;
  std::filesystem::path root_;
  std::filesystem::path data_dir_;
  std::filesystem::path config_dir_;
  std::unique_ptr<LapsdProcess> lapsd_;
  std::unique_ptr<AdminSession> admin_;
  std::string admin_password_;
};

TEST_F(LapsctlTest, LoginKeepsTheTokenPrivatelyAndLogoutForgetsIt) {
  CliRun run =
      Lapsctl({"login", "--server", lapsd_->base_url(), "--user", "admin", "--password-stdin"},
              admin_password_ + "\n");
  ASSERT_EQ(run.exit_code, kOk) << Contents(run);
  EXPECT_NE(run.out.find("Logged in to " + lapsd_->base_url() + " as admin"), std::string::npos);
  EXPECT_EQ(Mode(config_dir_), 0700);
  EXPECT_EQ(Mode(config_dir_ / "lapsctl.json"), 0600);
  nlohmann::json stored = ParseJson(ReadFile(config_dir_ / "lapsctl.json"));
  ASSERT_TRUE(stored.is_object());
  EXPECT_EQ(stored["server"], lapsd_->base_url());
  std::string token = stored.value("token", "");
  ASSERT_FALSE(token.empty());
  for (const std::string& secret : {token, admin_password_}) {
    EXPECT_EQ(run.out.find(secret), std::string::npos);
    EXPECT_EQ(run.err.find(secret), std::string::npos);
  }

  // The stored session names the server: no --server needed.
  CliRun me = Lapsctl({"whoami"});
  EXPECT_EQ(me.exit_code, kOk) << Contents(me);
  EXPECT_NE(me.out.find("admin"), std::string::npos);
  EXPECT_EQ(me.out.find(token), std::string::npos);

  // The token is not sent to a different server.
  CliRun other = Lapsctl({"device", "list", "--server", "http://127.0.0.1:1"});
  EXPECT_EQ(other.exit_code, kUnauthorized) << Contents(other);

  CliRun out = Lapsctl({"logout"});
  EXPECT_EQ(out.exit_code, kOk) << Contents(out);
  EXPECT_FALSE(std::filesystem::exists(config_dir_ / "lapsctl.json"));
  CliRun after = Lapsctl({"device", "list"});
  EXPECT_EQ(after.exit_code, kUnauthorized) << Contents(after);
  EXPECT_NE(after.err.find("lapsctl: not logged in"), std::string::npos) << after.err;
}

TEST_F(LapsctlTest, ExitCodesScriptsCanRelyOn) {
  CliRun bad =
      Lapsctl({"login", "--server", lapsd_->base_url(), "--user", "admin", "--password-stdin"},
              "wrong-password\n");
  EXPECT_EQ(bad.exit_code, kUnauthorized) << Contents(bad);
  EXPECT_EQ(bad.err, "lapsctl: the user name or password is incorrect\n");
  EXPECT_FALSE(std::filesystem::exists(config_dir_ / "lapsctl.json"));

  CliRun no_terminal = Lapsctl({"login", "--server", lapsd_->base_url()});
  EXPECT_EQ(no_terminal.exit_code, kUsage) << Contents(no_terminal);
  CliRun password_argument =
      Lapsctl({"login", "--server", lapsd_->base_url(), "--password", admin_password_});
  EXPECT_EQ(password_argument.exit_code, kUsage) << Contents(password_argument);

  Login();
  CliRun unknown = Lapsctl({"device", "show", "no-such-device"});
  EXPECT_EQ(unknown.exit_code, kApiError) << Contents(unknown);
  EXPECT_EQ(unknown.err, "lapsctl: no device named 'no-such-device'\n");
  CliRun unknown_id = Lapsctl({"password", "show", "00000000-0000-4000-8000-000000000000"});
  EXPECT_EQ(unknown_id.exit_code, kApiError) << Contents(unknown_id);

  for (const auto& usage : std::vector<std::vector<std::string>>{
           {"frobnicate"},
           {"device"},
           {"device", "show"},
           {"device", "show", "a", "b"},
           {"device", "list", "--top", "many"},
           {"device", "list", "--no-such-option"},
           {"rotate", "x", "--timeout", "0"},
           {"policy", "create", "--name", "p", "--set", "noSuchSetting=1"},
           {"policy", "create", "--name", "p", "--set", "passwordAgeDays=ten"},
           {"device", "list", "--server", "not-a-url"},
       }) {
    CliRun run = Lapsctl(usage);
    EXPECT_EQ(run.exit_code, kUsage)
        << usage[0] << " " << (usage.size() > 1 ? usage[1] : "") << "\n"
        << Contents(run);
  }

  CliRun json = Lapsctl({"device", "list", "--json"});
  EXPECT_EQ(json.exit_code, kOk) << Contents(json);
  nlohmann::json parsed = ParseJson(json.out);
  ASSERT_TRUE(parsed.is_object()) << json.out;
  EXPECT_TRUE(parsed["value"].is_array());

  CliRun bad_token = Lapsctl({"device", "list", "--server", lapsd_->base_url()}, "",
                             {{"LAPSCTL_TOKEN", "not-a-token"}});
  EXPECT_EQ(bad_token.exit_code, kUnauthorized) << Contents(bad_token);

  CliRun help = Lapsctl({"device", "list", "--help"});
  EXPECT_EQ(help.exit_code, kOk);
  EXPECT_NE(help.out.find("--filter PREFIX"), std::string::npos) << help.out;
  CliRun completion = Lapsctl({"completion", "bash"});
  EXPECT_EQ(completion.exit_code, kOk);
  EXPECT_NE(completion.out.find("complete -F _lapsctl lapsctl"), std::string::npos);

  lapsd_->Stop();
  CliRun unreachable = Lapsctl({"device", "list"});
  EXPECT_EQ(unreachable.exit_code, kUnreachable) << Contents(unreachable);
  EXPECT_NE(unreachable.err.find("lapsctl: cannot reach " + lapsd_->base_url()), std::string::npos)
      << unreachable.err;
}

TEST_F(LapsctlTest, PasswordIsHiddenUnlessAskedAndEveryRevealIsAudited) {
  auto device = EnrollAndBackUp("lab-01");
  ASSERT_TRUE(device);
  EnrollDevice("other-02");
  std::string id = device->identity().device_id;
  Login();

  CliRun list = Lapsctl({"device", "list"});
  ASSERT_EQ(list.exit_code, kOk) << Contents(list);
  EXPECT_EQ(list.out.rfind("NAME", 0), 0u) << list.out;
  EXPECT_NE(list.out.find("lab-01"), std::string::npos);
  EXPECT_NE(list.out.find("other-02"), std::string::npos);
  CliRun filtered = Lapsctl({"device", "list", "--filter", "lab", "--json"});
  nlohmann::json only_lab = ParseJson(filtered.out);
  ASSERT_EQ(only_lab["value"].size(), 1u) << filtered.out;
  EXPECT_EQ(only_lab["value"][0]["id"], id);
  CliRun top = Lapsctl({"device", "list", "--top", "1", "--json"});
  EXPECT_EQ(ParseJson(top.out)["value"].size(), 1u) << top.out;

  CliRun show = Lapsctl({"device", "show", "lab-01"});
  ASSERT_EQ(show.exit_code, kOk) << Contents(show);
  EXPECT_NE(show.out.find(id), std::string::npos);
  EXPECT_NE(show.out.find("root"), std::string::npos);
  CliRun by_id = Lapsctl({"device", "show", id, "--json"});
  EXPECT_EQ(ParseJson(by_id.out)["deviceName"], "lab-01") << by_id.out;

  CliRun hidden = Lapsctl({"password", "show", "lab-01"});
  ASSERT_EQ(hidden.exit_code, kOk) << Contents(hidden);
  EXPECT_NE(hidden.out.find("********"), std::string::npos) << hidden.out;
  EXPECT_NE(hidden.out.find("S-1-22-1-0"), std::string::npos) << hidden.out;
  EXPECT_EQ(hidden.out.find(kFirstPassword), std::string::npos);
  CliRun hidden_json = Lapsctl({"password", "show", "lab-01", "--json"});
  EXPECT_FALSE(ParseJson(hidden_json.out).contains("credentials")) << hidden_json.out;
  EXPECT_EQ(hidden_json.out.find(crypto::Base64Encode(crypto::AsBytes(kFirstPassword))),
            std::string::npos);
  EXPECT_EQ(AuditCount(kRevealActivity), 0u) << "looking at metadata reveals nothing";

  CliRun shown = Lapsctl({"password", "show", "lab-01", "--show"});
  ASSERT_EQ(shown.exit_code, kOk) << Contents(shown);
  EXPECT_NE(shown.out.find(std::string("Password:      ") + kFirstPassword + "\n"),
            std::string::npos)
      << shown.out;
  CliRun shown_json = Lapsctl({"password", "show", id, "--show", "--json"});
  nlohmann::json reveal = ParseJson(shown_json.out);
  ASSERT_EQ(reveal["credentials"].size(), 1u) << shown_json.out;
  auto bytes = crypto::Base64Decode(reveal["credentials"][0]["passwordBase64"].get<std::string>());
  ASSERT_TRUE(bytes.ok());
  EXPECT_EQ(std::string(bytes->begin(), bytes->end()), kFirstPassword);

  // --copy pipes the password to the clipboard tool and never prints it.
  std::filesystem::path bin = root_ / "bin";
  std::filesystem::create_directories(bin);
  std::filesystem::path clipboard = root_ / "clipboard";
  {
    std::ofstream script(bin / "xclip");
    script << "#!/bin/sh\n"
           << "[ \"$1 $2\" = \"-selection clipboard\" ] || exit 9\n"
           << "cat > '" << clipboard.string() << "'\n";
  }
  std::filesystem::permissions(bin / "xclip", std::filesystem::perms::owner_all);
  CliRun copied =
      Lapsctl({"password", "show", "lab-01", "--copy"}, "", {{"PATH", bin.string() + ":/bin"}});
  ASSERT_EQ(copied.exit_code, kOk) << Contents(copied);
  EXPECT_EQ(ReadFile(clipboard), kFirstPassword);
  EXPECT_EQ(copied.out.find(kFirstPassword), std::string::npos);
  EXPECT_EQ(copied.err.find(kFirstPassword), std::string::npos);
  std::filesystem::path empty = root_ / "empty";
  std::filesystem::create_directories(empty);
  CliRun no_tool =
      Lapsctl({"password", "show", "lab-01", "--copy"}, "", {{"PATH", empty.string()}});
  EXPECT_EQ(no_tool.exit_code, kFailed) << Contents(no_tool);
  EXPECT_NE(no_tool.err.find("no clipboard tool"), std::string::npos) << no_tool.err;
  EXPECT_EQ(no_tool.out.find(kFirstPassword), std::string::npos);

  // Every reveal is in the audit log, and lapsctl finds it there.
  CliRun audit = Lapsctl({"audit", "list", "--activity", kRevealActivity, "--device", "lab-01"});
  ASSERT_EQ(audit.exit_code, kOk) << Contents(audit);
  EXPECT_NE(audit.out.find("lab-01"), std::string::npos) << audit.out;
  CliRun audit_json =
      Lapsctl({"audit", "list", "--activity", kRevealActivity, "--actor", "admin", "--json"});
  EXPECT_EQ(ParseJson(audit_json.out)["value"].size(), 3u)
      << "--show, --show --json and --copy; a --copy without a clipboard reveals nothing\n"
      << audit_json.out;
  CliRun audit_top = Lapsctl({"audit", "list", "--top", "2", "--json"});
  EXPECT_EQ(ParseJson(audit_top.out)["value"].size(), 2u) << audit_top.out;
  CliRun verify = Lapsctl({"audit", "verify"});
  EXPECT_EQ(verify.exit_code, kOk) << Contents(verify);
  EXPECT_NE(verify.out.find("intact"), std::string::npos);
}

TEST_F(LapsctlTest, RotateAsksFirstThenWaitsForTheDeviceToFinish) {
  auto device = EnrollAndBackUp("lab-01");
  ASSERT_TRUE(device);
  std::string id = device->identity().device_id;
  std::string actions_path = "/beta/deviceManagement/managedDevices/" + id + "/deviceActionResults";
  Login();

  CliRun declined = Lapsctl({"rotate", "lab-01"}, "n\n");
  EXPECT_EQ(declined.exit_code, kUsage) << Contents(declined);
  EXPECT_NE(declined.err.find("Rotate the local admin password of lab-01? [y/N]"),
            std::string::npos)
      << declined.err;
  EXPECT_TRUE(admin_->Call("GET", actions_path).body["value"].empty());
  CliRun no_answer = Lapsctl({"rotate", "lab-01"});
  EXPECT_EQ(no_answer.exit_code, kUsage) << "end of input is a no";
  EXPECT_TRUE(admin_->Call("GET", actions_path).body["value"].empty());

  // The device: long-polls for the action, reports it active, escrows and
  // commits the new password, as laps-agent does.
  auto poller = agent::DeviceClient::FromIdentity(
      lapsd_->base_url(),
      agent::DeviceIdentity{id, device->identity().signing.Clone(), device->identity().box.Clone(),
                            device->identity().escrow_public_key},
      clock_);
  ASSERT_TRUE(poller.ok()) << poller.status();
  Status device_side = InternalError("no action arrived");
  std::thread agent([&] {
    constexpr int kPolls = 3;
    constexpr int kPollSeconds = 20;
    for (int i = 0; i < kPolls; ++i) {
      auto woken = (*poller)->WaitForActions(kPollSeconds);
      if (!woken.ok()) {
        device_side = woken.status();
        return;
      }
      if ((*woken)["actions"].empty()) continue;
      std::string action = (*woken)["actions"][0]["id"];
      auto active =
          (*poller)->ReportAction(action, {protocol::ActionReportState::kActive, "rot-2", ""});
      if (!active.ok()) {
        device_side = active.status();
        return;
      }
      auto pending = (*poller)->EscrowPending("rot-2", "root", "S-1-22-1-0",
                                              core::SecretString(kSecondPassword));
      auto committed = pending.ok() ? (*poller)->Commit("rot-2") : pending;
      device_side = committed.ok() ? Status::Ok() : committed.status();
      return;
    }
  });
  CliRun rotated = Lapsctl({"rotate", "lab-01", "--wait", "--timeout", "60"}, "y\n");
  agent.join();
  ASSERT_TRUE(device_side.ok()) << device_side;
  ASSERT_EQ(rotated.exit_code, kOk) << Contents(rotated);
  EXPECT_NE(rotated.out.find("was rotated"), std::string::npos) << rotated.out;
  EXPECT_NE(rotated.err.find("rotation of lab-01"), std::string::npos)
      << "progress goes to stderr: " << rotated.err;

  CliRun actions = Lapsctl({"actions", "lab-01"});
  EXPECT_EQ(actions.exit_code, kOk) << Contents(actions);
  EXPECT_NE(actions.out.find("rotateLocalAdminPassword  done"), std::string::npos) << actions.out;

  CliRun shown = Lapsctl({"password", "show", "lab-01", "--show", "--history"});
  ASSERT_EQ(shown.exit_code, kOk) << Contents(shown);
  EXPECT_NE(shown.out.find(std::string("Password:      ") + kSecondPassword), std::string::npos)
      << shown.out;
  EXPECT_NE(shown.out.find(kFirstPassword), std::string::npos) << "the history has the old one";
  CliRun history = Lapsctl({"password", "show", "lab-01", "--history"});
  EXPECT_NE(history.out.find("history"), std::string::npos) << history.out;
  EXPECT_EQ(history.out.find(kFirstPassword), std::string::npos) << "masked without --show";
  EXPECT_EQ(history.out.find(kSecondPassword), std::string::npos);
}

TEST_F(LapsctlTest, PoliciesGroupsAndUsers) {
  auto device = EnrollDevice("lab-01");
  ASSERT_TRUE(device);
  Login();

  ASSERT_EQ(Lapsctl({"group", "create", "Lab"}).exit_code, kOk);
  ASSERT_EQ(Lapsctl({"group", "create", "People", "--kind", "user"}).exit_code, kOk);
  EXPECT_EQ(Lapsctl({"group", "create", "Bad", "--kind", "printer"}).exit_code, kUsage);
  CliRun user = Lapsctl({"user", "create", "alice@example.com"});
  ASSERT_EQ(user.exit_code, kOk) << Contents(user);
  EXPECT_NE(Lapsctl({"user", "list"}).out.find("alice@example.com"), std::string::npos);
  CliRun add_user = Lapsctl({"group", "add-member", "People", "alice@example.com"});
  EXPECT_EQ(add_user.exit_code, kOk) << Contents(add_user);
  CliRun add_device = Lapsctl({"group", "add-member", "Lab", "lab-01"});
  EXPECT_EQ(add_device.exit_code, kOk) << Contents(add_device);
  CliRun members = Lapsctl({"group", "members", "Lab"});
  EXPECT_NE(members.out.find("lab-01"), std::string::npos) << members.out;
  EXPECT_NE(Lapsctl({"group", "members", "People"}).out.find("alice@example.com"),
            std::string::npos);
  CliRun groups = Lapsctl({"group", "list"});
  EXPECT_NE(groups.out.find("People  "), std::string::npos) << groups.out;

  CliRun created = Lapsctl({"policy", "create", "--name", "LAPS lab", "--set", "backupDirectory=1",
                            "passwordAgeDays=10", "--json"});
  ASSERT_EQ(created.exit_code, kOk) << Contents(created);
  nlohmann::json policy = ParseJson(created.out);
  std::string policy_id = policy.value("id", "");
  EXPECT_EQ(policy["lapsSettings"]["passwordAgeDays"], 10) << created.out;
  CliRun invalid = Lapsctl({"policy", "create", "--name", "bad", "--set", "passwordAgeDays=0"});
  EXPECT_EQ(invalid.exit_code, kApiError) << Contents(invalid);
  EXPECT_NE(invalid.err.find("PasswordAgeDays"), std::string::npos) << invalid.err;

  // Intune settings[] from a file, as exported from Intune.
  std::filesystem::path file = root_ / "intune.json";
  {
    nlohmann::json intune =
        admin_->Call("GET", "/beta/deviceManagement/configurationPolicies/" + policy_id)
            .body["settings"];
    std::ofstream out(file);
    out << nlohmann::json({{"settings", intune}}).dump();
  }
  CliRun from_file = Lapsctl({"policy", "create", "--name", "From Intune", "--file", file.string(),
                              "--set", "passwordAgeDays=20", "--json"});
  ASSERT_EQ(from_file.exit_code, kOk) << Contents(from_file);
  nlohmann::json second = ParseJson(from_file.out);
  EXPECT_EQ(second["lapsSettings"]["passwordAgeDays"], 20);
  EXPECT_EQ(second["lapsSettings"]["backupDirectory"], 1);

  CliRun assigned = Lapsctl({"policy", "assign", policy_id, "--include", "Lab"});
  ASSERT_EQ(assigned.exit_code, kOk) << Contents(assigned);
  EXPECT_NE(assigned.out.find("include  Lab"), std::string::npos) << assigned.out;
  ASSERT_EQ(Lapsctl({"policy", "assign", "From Intune", "--include", "Lab"}).exit_code, kOk);

  // Two policies disagree on passwordAgeDays for lab-01: a conflict.
  CliRun status = Lapsctl({"policy", "status", policy_id});
  ASSERT_EQ(status.exit_code, kOk) << Contents(status);
  EXPECT_NE(status.out.find("lab-01"), std::string::npos) << status.out;
  EXPECT_NE(status.out.find("conflict 1"), std::string::npos) << status.out;
  CliRun shown = Lapsctl({"policy", "show", "LAPS lab"});
  ASSERT_EQ(shown.exit_code, kOk) << Contents(shown);
  EXPECT_NE(shown.out.find("passwordAgeDays"), std::string::npos) << shown.out;
  EXPECT_NE(shown.out.find("include  Lab"), std::string::npos) << shown.out;
  EXPECT_NE(shown.out.find("Conflicts and errors"), std::string::npos) << shown.out;
  CliRun report = Lapsctl({"report", "policy", policy_id, "--csv"});
  EXPECT_EQ(report.out.rfind("device,deviceId,state,detail,lastReported\r\n", 0), 0u) << report.out;
  EXPECT_NE(report.out.find("lab-01"), std::string::npos);

  CliRun edited = Lapsctl({"policy", "edit", policy_id, "--set", "passwordAgeDays=20"});
  ASSERT_EQ(edited.exit_code, kOk) << Contents(edited);
  auto after = admin_->Call("GET", "/beta/deviceManagement/configurationPolicies/" + policy_id);
  EXPECT_EQ(after.body["lapsSettings"]["passwordAgeDays"], 20) << after.body;
  EXPECT_EQ(after.body["lapsSettings"]["backupDirectory"], 1) << "edit keeps other settings";
  CliRun aligned = Lapsctl({"policy", "status", policy_id, "--json"});
  EXPECT_FALSE(ParseJson(aligned.out)["openlapsCounts"].contains("conflict")) << aligned.out;

  EXPECT_EQ(Lapsctl({"group", "remove-member", "Lab", "lab-01"}).exit_code, kOk);
  EXPECT_EQ(Lapsctl({"group", "members", "Lab", "--json"}).out.find("lab-01"), std::string::npos);

  CliRun kept = Lapsctl({"policy", "delete", policy_id}, "no\n");
  EXPECT_EQ(kept.exit_code, kUsage) << Contents(kept);
  EXPECT_NE(Lapsctl({"policy", "list"}).out.find("LAPS lab"), std::string::npos);
  EXPECT_EQ(Lapsctl({"policy", "delete", policy_id, "--yes"}).exit_code, kOk);
  CliRun listed = Lapsctl({"policy", "list", "--json"});
  EXPECT_EQ(listed.out.find("LAPS lab"), std::string::npos) << listed.out;
  EXPECT_EQ(Lapsctl({"group", "delete", "People"}).exit_code, kOk);
  EXPECT_EQ(Lapsctl({"group", "members", "People"}).exit_code, kApiError);
}

TEST_F(LapsctlTest, RolesScopeTagsTokensAndReports) {
  Login();
  CliRun tag = Lapsctl({"scope-tag", "create", "Berlin", "--json"});
  ASSERT_EQ(tag.exit_code, kOk) << Contents(tag);
  std::string tag_id = ParseJson(tag.out).value("id", "");
  EXPECT_NE(Lapsctl({"scope-tag", "list"}).out.find("Berlin"), std::string::npos);

  CliRun admin = Lapsctl({"admin", "create", "helpdesk"}, "Helpdesk-Password-1\n");
  ASSERT_EQ(admin.exit_code, kOk) << Contents(admin);
  CliRun roles = Lapsctl({"role", "list", "--json"});
  ASSERT_EQ(roles.exit_code, kOk) << Contents(roles);
  nlohmann::json role_list = ParseJson(roles.out);
  ASSERT_FALSE(role_list["value"].empty()) << roles.out;
  std::string role = role_list["value"][0]["displayName"];
  CliRun assign =
      Lapsctl({"role", "assign", "--role", role, "--admin", "helpdesk", "--scope-tag", tag_id});
  ASSERT_EQ(assign.exit_code, kOk) << Contents(assign);
  CliRun assignments = Lapsctl({"role", "assignments"});
  EXPECT_NE(assignments.out.find("helpdesk"), std::string::npos) << assignments.out;

  // An API token works through LAPSCTL_SERVER/LAPSCTL_TOKEN with no session.
  CliRun token = Lapsctl({"token", "create", "ci", "--days", "1"});
  ASSERT_EQ(token.exit_code, kOk) << Contents(token);
  std::string api_token = token.out.substr(0, token.out.find('\n'));
  EXPECT_NE(token.err.find("only this once"), std::string::npos);
  ASSERT_EQ(Lapsctl({"logout"}).exit_code, kOk);
  CliRun scripted = Lapsctl({"device", "list"}, "",
                            {{"LAPSCTL_SERVER", lapsd_->base_url()}, {"LAPSCTL_TOKEN", api_token}});
  EXPECT_EQ(scripted.exit_code, kOk) << Contents(scripted);

  std::map<std::string, std::string> env = {{"LAPSCTL_SERVER", lapsd_->base_url()},
                                            {"LAPSCTL_TOKEN", api_token}};
  ASSERT_EQ(Lapsctl({"group", "create", "Kiosks"}, "", env).exit_code, kOk);
  CliRun enroll = Lapsctl(
      {"enroll-token", "create", "--uses", "2", "--hours", "1", "--group", "Kiosks"}, "", env);
  ASSERT_EQ(enroll.exit_code, kOk) << Contents(enroll);
  agent::EnrollRequest request;
  request.token = enroll.out.substr(0, enroll.out.find('\n'));
  request.device_name = "kiosk-01";
  auto kiosk = agent::DeviceClient::Enroll(lapsd_->base_url(), request, clock_);
  ASSERT_TRUE(kiosk.ok()) << kiosk.status();
  EXPECT_NE(Lapsctl({"group", "members", "Kiosks"}, "", env).out.find("kiosk-01"),
            std::string::npos);
  EXPECT_NE(Lapsctl({"enroll-token", "list"}, "", env).out.find("1"), std::string::npos);

  CliRun report = Lapsctl({"report", "devices", "--csv"}, "", env);
  ASSERT_EQ(report.exit_code, kOk) << Contents(report);
  EXPECT_EQ(report.out.rfind("Device,Id,Last rotation,Next rotation,State\r\n", 0), 0u)
      << report.out;
  EXPECT_NE(report.out.find("kiosk-01"), std::string::npos);
  CliRun report_json = Lapsctl({"report", "devices", "--json"}, "", env);
  EXPECT_EQ(ParseJson(report_json.out)["overdueCount"], 0) << report_json.out;
}

TEST_F(LapsctlTest, TakesAccessBackFromAnotherAdministrator) {
  Login();
  ASSERT_EQ(Lapsctl({"admin", "create", "bob"}, "Bob-Password-123\n").exit_code, kOk);
  ASSERT_EQ(Lapsctl({"role", "assign", "--role", "Read Only Operator", "--admin", "bob"}).exit_code,
            kOk);
  auto bob = AdminSession::Login(lapsd_->base_url(), "bob", "Bob-Password-123");
  ASSERT_TRUE(bob.ok()) << bob.status();

  CliRun admins = Lapsctl({"admin", "list", "--json"});
  ASSERT_EQ(admins.exit_code, kOk) << Contents(admins);
  EXPECT_EQ(ParseJson(admins.out)["value"].size(), 2u);
  CliRun bob_tokens = Lapsctl({"token", "list", "--admin", "bob", "--json"});
  ASSERT_EQ(bob_tokens.exit_code, kOk) << Contents(bob_tokens);
  ASSERT_EQ(ParseJson(bob_tokens.out)["value"].size(), 1u);
  EXPECT_EQ(ParseJson(bob_tokens.out)["value"][0]["kind"], "session");

  // Revoking bob's only session by id: bob's next request fails.
  std::string session_id = ParseJson(bob_tokens.out)["value"][0]["id"];
  CliRun revoked = Lapsctl({"token", "revoke", session_id, "--admin", "bob"});
  ASSERT_EQ(revoked.exit_code, kOk) << Contents(revoked);
  EXPECT_EQ((*bob)->Call("GET", "/api/v1/me").status, 401);

  bob = AdminSession::Login(lapsd_->base_url(), "bob", "Bob-Password-123");
  ASSERT_TRUE(bob.ok());
  CliRun all = Lapsctl({"token", "revoke-all", "--admin", "bob"});
  ASSERT_EQ(all.exit_code, kOk) << Contents(all);
  EXPECT_NE(all.out.find("Revoked 1"), std::string::npos) << all.out;
  EXPECT_EQ((*bob)->Call("GET", "/api/v1/me").status, 401);

  bob = AdminSession::Login(lapsd_->base_url(), "bob", "Bob-Password-123");
  ASSERT_TRUE(bob.ok());
  CliRun disabled = Lapsctl({"admin", "disable", "bob"});
  ASSERT_EQ(disabled.exit_code, kOk) << Contents(disabled);
  EXPECT_EQ((*bob)->Call("GET", "/api/v1/me").status, 401);
  EXPECT_FALSE(AdminSession::Login(lapsd_->base_url(), "bob", "Bob-Password-123").ok());
  ASSERT_EQ(Lapsctl({"admin", "enable", "bob"}).exit_code, kOk);

  // The last unscoped administrator stays.
  CliRun self = Lapsctl({"admin", "disable", "admin"});
  EXPECT_EQ(self.exit_code, kApiError) << Contents(self);
  EXPECT_NE(self.err.find("role management"), std::string::npos) << self.err;

  // Guessing locks bob out (5 failures by default); unlock lifts it.
  for (int i = 0; i < 5; ++i) {
    EXPECT_FALSE(AdminSession::Login(lapsd_->base_url(), "bob", "wrong-guess").ok());
  }
  EXPECT_FALSE(AdminSession::Login(lapsd_->base_url(), "bob", "Bob-Password-123").ok());
  CliRun lockouts = Lapsctl({"lockout", "list"});
  ASSERT_EQ(lockouts.exit_code, kOk) << Contents(lockouts);
  EXPECT_NE(lockouts.out.find("account:bob"), std::string::npos) << lockouts.out;
  ASSERT_EQ(Lapsctl({"admin", "unlock", "bob"}).exit_code, kOk);
  EXPECT_TRUE(AdminSession::Login(lapsd_->base_url(), "bob", "Bob-Password-123").ok());

  CliRun assignments = Lapsctl({"role", "assignments", "--json"});
  std::string bob_assignment;
  const nlohmann::json listed = ParseJson(assignments.out);
  for (const auto& a : listed["value"]) {
    if (a["members"].dump().find("bob") != std::string::npos) bob_assignment = a["id"];
  }
  ASSERT_FALSE(bob_assignment.empty()) << Contents(assignments);
  ASSERT_EQ(Lapsctl({"role", "unassign", bob_assignment}).exit_code, kOk);
  CliRun deleted = Lapsctl({"admin", "delete", "bob"});
  ASSERT_EQ(deleted.exit_code, kOk) << Contents(deleted);
  EXPECT_EQ(ParseJson(Lapsctl({"admin", "list", "--json"}).out)["value"].size(), 1u);
  EXPECT_EQ(Lapsctl({"admin", "delete", "bob"}).exit_code, kApiError);
}

}  // namespace
}  // namespace openlaps
