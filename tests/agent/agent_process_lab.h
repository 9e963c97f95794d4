// A lab that runs the real binaries: a lapsd (LapsdProcess), a cloud LAPS
// policy assigned to a device group, and one `laps-agent` enrolled with
// `laps-agent enroll` and running as a child process (`laps-agent run`) on a
// scratch root whose etc/passwd and etc/shadow it manages. Used by the
// end-to-end agent test and by bench/agent_footprint.
#ifndef OPENLAPS_TESTS_AGENT_AGENT_PROCESS_LAB_H_
#define OPENLAPS_TESTS_AGENT_AGENT_PROCESS_LAB_H_

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "agent/platform/linux/linux_account_backend.h"
#include "core/clock.h"
#include "core/status.h"
#include "crypto/csprng.h"
#include "crypto/encoding.h"
#include "support/lapsd_process.h"

namespace openlaps::agent {

inline constexpr const char* kProcessLabTemplate = "adc46e5a-f4aa-4ff6-aeff-4f27bc525796_1";

// Runs argv with stdout+stderr to `log` and `env` ("NAME=value") added to
// the environment; returns the pid (-1 on failure).
inline pid_t SpawnLogged(const std::vector<std::string>& args, const std::filesystem::path& log,
                         const std::vector<std::string>& env = {}) {
  pid_t pid = ::fork();
  if (pid != 0) return pid;
  for (const std::string& e : env) ::putenv(const_cast<char*>(e.c_str()));
  int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
  if (fd >= 0) {
    ::dup2(fd, 1);
    ::dup2(fd, 2);
    ::close(fd);
  }
  std::vector<char*> argv;
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  ::execv(argv[0], argv.data());
  ::_exit(127);
}

// Waits up to `timeout` for pid; its exit code, or -1 when it did not exit
// (or died by a signal).
inline int WaitExit(pid_t pid, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    int status = 0;
    pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    if (r < 0 || std::chrono::steady_clock::now() > deadline) return -1;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

// Not ReadWholeFile: os/durable_file.h has one with the same parameters
// (and another return type) in this namespace.
inline std::string ReadLogFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class AgentProcessLab {
 public:
  AgentProcessLab(std::filesystem::path lapsd_binary, std::filesystem::path agent_binary,
                  std::filesystem::path base)
      : lapsd_binary_(std::move(lapsd_binary)),
        agent_binary_(std::move(agent_binary)),
        base_(std::move(base)) {}
  AgentProcessLab(const AgentProcessLab&) = delete;
  AgentProcessLab& operator=(const AgentProcessLab&) = delete;
  ~AgentProcessLab() {
    if (agent_pid_ > 0) {
      ::kill(agent_pid_, SIGKILL);
      ::waitpid(agent_pid_, nullptr, 0);
    }
    if (lapsd_) lapsd_->Stop();
    std::error_code ignored;
    std::filesystem::remove_all(base_, ignored);
  }

  // Extra lapsd flags (short deadlines, a short grace), before SetUp.
  void SetLapsdArgs(std::vector<std::string> args) { lapsd_args_ = std::move(args); }

  // lapsd, the policy, the enrollment and `laps-agent enroll`.
  Status SetUp() {
    std::filesystem::create_directories(base_ / "lapsd");
    std::filesystem::create_directories(base_ / "root/etc");
    std::ofstream(root() / "etc/passwd") << "root:x:0:0:root:/root:/bin/bash\n";
    std::ofstream(root() / "etc/shadow") << "root:$6$saltsalt$notarealhash:19000:0:99999:7:::\n";
    backend_ = std::make_unique<LinuxAccountBackend>(
        LinuxAccountBackend::Options{.root = root(), .while_locked = {}}, clock_);

    // The lab reveals the escrowed passwords each time it polls for "settled":
    // far beyond the per-admin reveal limit meant for people.
    lapsd_args_.insert(lapsd_args_.begin(), {"--reveal-limit", "1000000"});
    lapsd_ = std::make_unique<testing::LapsdProcess>(lapsd_binary_, base_ / "lapsd", lapsd_args_);
    OPENLAPS_RETURN_IF_ERROR(lapsd_->Start());
    OPENLAPS_ASSIGN_OR_RETURN(
        admin_, testing::AdminSession::LoginInitial(lapsd_->base_url(), base_ / "lapsd"));
    auto group = admin_->Call("POST", "/v1.0/groups",
                              {{"displayName", "Lab"}, {"openlapsGroupKind", "device"}});
    if (group.status != 201) return InternalError("group: " + group.body.dump());
    auto policy = admin_->Call(
        "POST", "/beta/deviceManagement/configurationPolicies",
        {{"name", "Lab LAPS"},
         {"platforms", "linux"},
         {"technologies", "mdm"},
         {"templateReference", {{"templateId", kProcessLabTemplate}}},
         {"lapsSettings",
          {{"backupDirectory", 1}, {"passwordAgeDays", 7}, {"passwordComplexity", 4}}}});
    if (policy.status != 201) return InternalError("policy: " + policy.body.dump());
    policy_id_ = policy.body["id"].get<std::string>();
    auto assigned = admin_->Call("POST",
                                 "/beta/deviceManagement/configurationPolicies/" +
                                     policy.body["id"].get<std::string>() + "/assign",
                                 {{"assignments",
                                   {{{"target",
                                      {{"@odata.type", "#microsoft.graph.groupAssignmentTarget"},
                                       {"groupId", group.body["id"]}}}}}}});
    if (assigned.status != 200) return InternalError("assign: " + assigned.body.dump());
    auto token = admin_->Call("POST", "/api/v1/enrollmentTokens",
                              {{"name", "lab"}, {"uses", 1}, {"groupIds", {group.body["id"]}}});
    if (token.status != 201) return InternalError("token: " + token.body.dump());

    pid_t enroll = SpawnLogged({agent_binary_.string(), "enroll", "--server", lapsd_->base_url(),
                                "--token", token.body["token"].get<std::string>(), "--state-dir",
                                state_dir().string(), "--root", root().string(), "--insecure-http"},
                               base_ / "enroll.log");
    int code = WaitExit(enroll, std::chrono::seconds(30));
    std::string out = ReadLogFile(base_ / "enroll.log");
    if (code != 0) return InternalError("laps-agent enroll: " + out);
    const std::string marker = "enrolled as device ";
    auto at = out.find(marker);
    if (at == std::string::npos) return InternalError("no device id in: " + out);
    device_id_ = out.substr(at + marker.size());
    device_id_ = device_id_.substr(0, device_id_.find_first_of("\r\n"));
    return Status::Ok();
  }

  // Replaces the lab policy's LAPS settings (lapsd wakes the agent).
  Status SetPolicySettings(const nlohmann::json& laps_settings) {
    auto r = admin_->Call("PATCH", "/beta/deviceManagement/configurationPolicies/" + policy_id_,
                          {{"lapsSettings", laps_settings}});
    return r.status == 200 ? Status::Ok() : InternalError("policy: " + r.body.dump());
  }

  // Flags and environment every later StartAgent adds (the AD options).
  void SetAgentExtras(std::vector<std::string> args, std::vector<std::string> env) {
    agent_args_ = std::move(args);
    agent_env_ = std::move(env);
  }

  // `laps-agent run` as a child process, with `env` ("NAME=value") added.
  Status StartAgent(std::vector<std::string> env = {}) {
    std::vector<std::string> args = {agent_binary_.string(), "run",    "--state-dir",
                                     state_dir().string(),   "--root", root().string(),
                                     "--insecure-http"};
    args.insert(args.end(), agent_args_.begin(), agent_args_.end());
    env.insert(env.end(), agent_env_.begin(), agent_env_.end());
    agent_pid_ = SpawnLogged(args, base_ / "agent.log", env);
    return agent_pid_ > 0 ? Status::Ok() : InternalError("fork failed");
  }

  // SIGKILL: the agent dies wherever it is (paused included).
  void KillAgent() {
    if (agent_pid_ <= 0) return;
    ::kill(agent_pid_, SIGKILL);
    ::waitpid(agent_pid_, nullptr, 0);
    agent_pid_ = -1;
  }
  void ContinueAgent() { ::kill(agent_pid_, SIGCONT); }
  // SIGSTOP: the agent hangs with its connections open (a device that
  // vanished without a goodbye or a closed connection).
  void FreezeAgent() { ::kill(agent_pid_, SIGSTOP); }

  // SIGKILL lapsd, then a new lapsd on the same data directory and port
  // (the agent's identity names the URL), and a new admin session.
  Status KillAndRestartLapsd() {
    std::uint16_t port = lapsd_->port();
    lapsd_->Kill();
    std::vector<std::string> args = lapsd_args_;
    args.insert(args.end(), {"--port", std::to_string(port)});
    lapsd_ = std::make_unique<testing::LapsdProcess>(lapsd_binary_, base_ / "lapsd", args);
    OPENLAPS_RETURN_IF_ERROR(lapsd_->Start());
    OPENLAPS_ASSIGN_OR_RETURN(
        admin_, testing::AdminSession::LoginInitial(lapsd_->base_url(), base_ / "lapsd"));
    return Status::Ok();
  }

  // How often `needle` is in the agent's log so far.
  std::size_t AgentLogCount(const std::string& needle) const {
    std::string log = AgentLog();
    std::size_t count = 0;
    for (auto at = log.find(needle); at != std::string::npos; at = log.find(needle, at + 1)) {
      ++count;
    }
    return count;
  }

  // Polls (bounded) until `needle` is in the log more than `before` times.
  bool WaitForAgentLog(const std::string& needle, std::size_t before,
                       std::chrono::milliseconds timeout) const {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (AgentLogCount(needle) > before) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    return false;
  }

  // The escrowed passwords by state ("current", "pending", "history").
  std::multimap<std::string, std::string> Escrowed() {
    auto r = admin_->Call(
        "GET", "/v1.0/directory/deviceLocalCredentials/" + device_id_ + "?$select=credentials");
    std::multimap<std::string, std::string> out;
    if (r.status != 200) return out;
    for (const auto& c : r.body["credentials"]) {
      auto bytes = crypto::Base64Decode(c["passwordBase64"].get<std::string>());
      if (bytes.ok()) {
        out.emplace(c.value("openlapsState", ""), std::string(bytes->begin(), bytes->end()));
      }
    }
    return out;
  }

  // The invariant at any instant: a password lapsd reveals (the current
  // one, or the pending one while a rotation is in flight) opens the account.
  bool SomeEscrowedPasswordOpens() {
    for (const auto& [state, password] : Escrowed()) {
      if ((state == "current" || state == "pending") && Opens(password)) return true;
    }
    return false;
  }

  // Polls (bounded) until no rotation is in flight and the current password
  // opens the account: what a restarted agent must reach.
  bool WaitUntilSettled(std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      auto escrowed = Escrowed();
      auto current = escrowed.find("current");
      if (escrowed.count("pending") == 0 && current != escrowed.end() && Opens(current->second)) {
        return true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }

  // SIGTERM, then the exit code (-1: no clean exit within `timeout`).
  int StopAgent(std::chrono::milliseconds timeout) {
    ::kill(agent_pid_, SIGTERM);
    int code = WaitExit(agent_pid_, timeout);
    if (code != -1) agent_pid_ = -1;
    return code;
  }

  // The revealed current password, empty when there is none yet.
  std::string CurrentPassword() {
    auto r = admin_->Call(
        "GET", "/v1.0/directory/deviceLocalCredentials/" + device_id_ + "?$select=credentials");
    if (r.status != 200) return {};
    for (const auto& c : r.body["credentials"]) {
      if (c.value("openlapsState", "") != "current") continue;
      auto bytes = crypto::Base64Decode(c["passwordBase64"].get<std::string>());
      if (!bytes.ok()) return {};
      return std::string(bytes->begin(), bytes->end());
    }
    return {};
  }

  bool Opens(const std::string& password) {
    auto result = backend_->VerifyPassword({"root", 0, "S-1-22-1-0"}, core::SecretString(password));
    return result.ok() && *result;
  }

  // Polls (bounded) until the device has escrowed a password.
  bool WaitForBackup(std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (!CurrentPassword().empty()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }

  // Requests a manual rotation (queued: run at the next check-in even when
  // the device is not connected right now); the HTTP status.
  int RequestRotation(bool queue = false) {
    return admin_
        ->Call("POST", "/beta/deviceManagement/managedDevices/" + device_id_ +
                           "/rotateLocalAdminPassword" + (queue ? "?queue=true" : ""))
        .status;
  }

  // Polls (bounded) until no rotate action is pending or active.
  bool WaitForNoOutstandingAction(std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      bool outstanding = false;
      for (const std::string& s : ActionStates()) outstanding |= s == "pending" || s == "active";
      if (!outstanding) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }

  // The states of the device's rotate actions, as the admin API lists them.
  std::vector<std::string> ActionStates() {
    auto r = admin_->Call("GET", "/beta/deviceManagement/managedDevices/" + device_id_);
    std::vector<std::string> states;
    if (r.status != 200) return states;
    for (const auto& a : r.body["deviceActionResults"]) {
      states.push_back(a.value("actionState", ""));
    }
    return states;
  }

  // Polls (tight, bounded) until `done_before + 1` actions are done, or a
  // rotate action failed. True when done.
  bool WaitForDone(std::size_t done_before, std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      std::size_t done = 0;
      for (const std::string& s : ActionStates()) {
        if (s == "failed") return false;
        if (s == "done") ++done;
      }
      if (done > done_before) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    return false;
  }

  std::size_t DoneCount() {
    std::size_t done = 0;
    for (const std::string& s : ActionStates()) done += s == "done" ? 1 : 0;
    return done;
  }

  std::filesystem::path root() const { return base_ / "root"; }
  std::filesystem::path state_dir() const { return base_ / "state"; }
  std::string AgentLog() const { return ReadLogFile(base_ / "agent.log"); }
  std::string LapsdLog() const { return lapsd_ ? lapsd_->Log() : std::string(); }
  const std::string& device_id() const { return device_id_; }
  pid_t agent_pid() const { return agent_pid_; }
  testing::AdminSession& admin() { return *admin_; }

 private:
  std::filesystem::path lapsd_binary_;
  std::filesystem::path agent_binary_;
  std::filesystem::path base_;
  core::SystemClock clock_;
  std::unique_ptr<LinuxAccountBackend> backend_;
  std::unique_ptr<testing::LapsdProcess> lapsd_;
  std::unique_ptr<testing::AdminSession> admin_;
  std::string device_id_;
  pid_t agent_pid_ = -1;
  std::vector<std::string> lapsd_args_;
  std::vector<std::string> agent_args_;
  std::vector<std::string> agent_env_;
  std::string policy_id_;
};

}  // namespace openlaps::agent

#endif  // OPENLAPS_TESTS_AGENT_AGENT_PROCESS_LAB_H_
