// Attacks on the transport and the processes (issue 10 items 7 and 8):
//  - a TLS client offering only key exchange without forward secrecy, or
//    TLS 1.0/1.1, or no AEAD, gets no session from lapsd (a real OpenSSL
//    client, `openssl s_client`);
//  - laps-agent will not enroll or run over plain http:// unless told
//    --insecure-http, and trusts a private CA given --ca-file;
//  - lapsd and laps-agent cannot be dumped and write no core file.
#include <arpa/inet.h>
#include <fcntl.h>
#include <grp.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "crypto/csprng.h"
#include "support/lapsd_process.h"
#include "testing/status_matchers.h"

namespace openlaps {
namespace {

namespace fs = std::filesystem;
using testing::AdminSession;
using testing::LapsdProcess;

constexpr auto kDeadline = std::chrono::seconds(30);

struct Outcome {
  int code = -1;
  std::string output;  // stdout and stderr
};

// Runs a shell command (our own fixed strings and temporary paths).
Outcome RunCommand(const std::string& command) {
  Outcome outcome;
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return outcome;
  char buffer[4096];
  while (std::size_t n = std::fread(buffer, 1, sizeof buffer, pipe))
    outcome.output.append(buffer, n);
  const int status = ::pclose(pipe);
  outcome.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128;
  return outcome;
}

bool HaveOpenssl() { return fs::exists("/usr/bin/openssl"); }

// A private CA and a server certificate for 127.0.0.1 signed by it.
struct TestPki {
  fs::path ca, cert, key;
};
TestPki MakePki(const fs::path& dir) {
  TestPki pki{dir / "ca.pem", dir / "cert.pem", dir / "key.pem"};
  std::ofstream(dir / "san.ext") << "subjectAltName=IP:127.0.0.1\n";
  const std::string d = dir.string();
  const Outcome made = RunCommand(
      "openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=openlaps-test-ca -days 1 -keyout " + d +
      "/ca.key -out " + d + "/ca.pem && openssl req -newkey rsa:2048 -nodes -subj /CN=localhost " +
      "-keyout " + d + "/key.pem -out " + d + "/req.csr && openssl x509 -req -in " + d +
      "/req.csr -CA " + d + "/ca.pem -CAkey " + d + "/ca.key -CAcreateserial -days 1 -extfile " +
      d + "/san.ext -out " + d + "/cert.pem");
  EXPECT_EQ(made.code, 0) << made.output;
  return pki;
}

class TransportAttackTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(::testing::TempDir()) / ("transport-" + crypto::RandomToken(6));
    fs::create_directories(dir_);
  }
  void TearDown() override {
    if (lapsd_) lapsd_->Stop();
    fs::remove_all(dir_);
  }

  // lapsd over TLS with a certificate from the test CA.
  void StartTlsLapsd() {
    pki_ = MakePki(dir_);
    lapsd_ = std::make_unique<LapsdProcess>(
        LAPSD_PATH, dir_ / "data",
        std::vector<std::string>{"--tls-cert", pki_.cert.string(), "--tls-key", pki_.key.string()});
    ASSERT_OK(lapsd_->Start()) << lapsd_->Log();
  }

  Outcome Handshake(const std::string& options) {
    return RunCommand(
        "timeout 20 openssl s_client -connect 127.0.0.1:" + std::to_string(lapsd_->port()) +
        " -CAfile " + pki_.ca.string() + " " + options + " </dev/null");
  }

  // An enrollment token from lapsd over http.
  std::string EnrollmentToken() {
    auto admin = AdminSession::LoginInitial(lapsd_->base_url(), lapsd_->data_dir());
    EXPECT_OK(admin);
    if (!admin.ok()) return "";
    auto token = (*admin)->Call("POST", "/api/v1/enrollmentTokens", {{"name", "t"}, {"uses", 5}});
    EXPECT_EQ(token.status, 201) << token.body;
    return token.body.value("token", "");
  }

  Outcome Agent(const std::string& args) {
    return RunCommand(std::string("env -u SSL_CERT_FILE -u SSL_CERT_DIR timeout 60 ") +
                      LAPS_AGENT_PATH + " " + args);
  }

  fs::path dir_;
  TestPki pki_;
  std::unique_ptr<LapsdProcess> lapsd_;
};

TEST_F(TransportAttackTest, TlsRefusesKeyExchangeWithoutForwardSecrecy) {
  if (!HaveOpenssl()) GTEST_SKIP() << "no openssl CLI";
  StartTlsLapsd();
  const Outcome rsa_kx = Handshake("-tls1_2 -cipher AES128-GCM-SHA256");
  EXPECT_NE(rsa_kx.code, 0) << rsa_kx.output;
  EXPECT_EQ(rsa_kx.output.find("Cipher is AES128-GCM-SHA256"), std::string::npos) << rsa_kx.output;
  const Outcome rsa_kx_256 = Handshake("-tls1_2 -cipher AES256-SHA256:AES128-SHA");
  EXPECT_NE(rsa_kx_256.code, 0) << rsa_kx_256.output;

  const Outcome ecdhe = Handshake("-tls1_2 -cipher ECDHE-RSA-AES128-GCM-SHA256");
  EXPECT_EQ(ecdhe.code, 0) << ecdhe.output;
  EXPECT_NE(ecdhe.output.find("ECDHE-RSA-AES128-GCM-SHA256"), std::string::npos) << ecdhe.output;
  const Outcome tls13 = Handshake("-tls1_3");
  EXPECT_EQ(tls13.code, 0) << tls13.output;
  EXPECT_NE(tls13.output.find("TLSv1.3"), std::string::npos) << tls13.output;
}

TEST_F(TransportAttackTest, TlsRefusesCbcSuitesEvenWithEcdhe) {
  if (!HaveOpenssl()) GTEST_SKIP() << "no openssl CLI";
  StartTlsLapsd();
  const Outcome cbc = Handshake("-tls1_2 -cipher ECDHE-RSA-AES128-SHA:ECDHE-RSA-AES256-SHA384");
  EXPECT_NE(cbc.code, 0) << cbc.output;
}

TEST_F(TransportAttackTest, TlsRefusesVersionsBefore12) {
  if (!HaveOpenssl()) GTEST_SKIP() << "no openssl CLI";
  StartTlsLapsd();
  // SECLEVEL=0 lets this client offer the old versions: the refusal is the server's.
  for (const char* version : {"-tls1", "-tls1_1"}) {
    const Outcome old = Handshake(std::string(version) + " -cipher DEFAULT:@SECLEVEL=0");
    EXPECT_NE(old.code, 0) << version << ": " << old.output;
    EXPECT_NE(old.output.find("alert protocol version"), std::string::npos)
        << version << ": " << old.output;
    EXPECT_NE(old.output.find("Cipher is (NONE)"), std::string::npos)
        << version << ": " << old.output;
  }
}

TEST_F(TransportAttackTest, TheAgentRefusesPlainHttpUnlessTold) {
  lapsd_ = std::make_unique<LapsdProcess>(LAPSD_PATH, dir_ / "data");
  ASSERT_OK(lapsd_->Start()) << lapsd_->Log();
  const std::string token = EnrollmentToken();
  const std::string state = (dir_ / "state").string();
  const std::string enroll =
      "enroll --server " + lapsd_->base_url() + " --token " + token + " --state-dir " + state;

  const Outcome refused = Agent(enroll);
  EXPECT_NE(refused.code, 0) << refused.output;
  EXPECT_NE(refused.output.find("--insecure-http"), std::string::npos) << refused.output;
  EXPECT_EQ(std::count(refused.output.begin(), refused.output.end(), '\n'), 1) << refused.output;
  EXPECT_EQ(refused.output.find(token), std::string::npos) << "the token is never echoed";
  EXPECT_FALSE(fs::exists(dir_ / "state")) << "refused before anything was written";

  const Outcome allowed = Agent(enroll + " --insecure-http");
  ASSERT_EQ(allowed.code, 0) << allowed.output;
  EXPECT_NE(allowed.output.find("enrolled as device"), std::string::npos) << allowed.output;

  // `run` reads the http:// server from the state, and refuses it the same way.
  const Outcome run = Agent("run --state-dir " + state + " --root " + dir_.string());
  EXPECT_NE(run.code, 0) << run.output;
  EXPECT_NE(run.output.find("--insecure-http"), std::string::npos) << run.output;
}

TEST_F(TransportAttackTest, TheAgentEnrollsOverHttpsTrustingAPrivateCaFile) {
  if (!HaveOpenssl()) GTEST_SKIP() << "no openssl CLI";
  StartTlsLapsd();
  const std::string https = "https://127.0.0.1:" + std::to_string(lapsd_->port());
  // The admin session trusts the test CA through OpenSSL's default path.
  ::setenv("SSL_CERT_FILE", pki_.ca.c_str(), 1);
  auto admin = AdminSession::LoginInitial(https, lapsd_->data_dir());
  ::unsetenv("SSL_CERT_FILE");
  ASSERT_OK(admin);
  auto token = (*admin)->Call("POST", "/api/v1/enrollmentTokens", {{"name", "tls"}, {"uses", 5}});
  ASSERT_EQ(token.status, 201) << token.body;
  const std::string enroll = "enroll --server " + https + " --token " +
                             token.body["token"].get<std::string>() + " --state-dir ";

  const Outcome unknown_ca = Agent(enroll + (dir_ / "s1").string());
  EXPECT_NE(unknown_ca.code, 0) << unknown_ca.output;
  EXPECT_NE(unknown_ca.output.find("TLS handshake"), std::string::npos) << unknown_ca.output;

  const Outcome trusted = Agent(enroll + (dir_ / "s2").string() + " --ca-file " + pki_.ca.string());
  EXPECT_EQ(trusted.code, 0) << trusted.output;
  EXPECT_NE(trusted.output.find("enrolled as device"), std::string::npos) << trusted.output;
}

// --- Process hygiene ---

constexpr uid_t kNobody = 65534;

// Runs `argv` as uid/gid nobody, output to `log`. A process of an
// unprivileged user is what tells dumpability apart from outside: the
// kernel gives /proc/<pid>/* to root when the process is not dumpable.
pid_t SpawnAsNobody(const std::vector<std::string>& argv, const fs::path& log) {
  pid_t pid = ::fork();
  if (pid != 0) return pid;
  int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd >= 0) {
    ::dup2(fd, 1);
    ::dup2(fd, 2);
  }
  if (::setgroups(0, nullptr) != 0 || ::setgid(kNobody) != 0 || ::setuid(kNobody) != 0) _exit(126);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  ::execv(args[0], args.data());
  _exit(127);
}

std::string ProcFile(pid_t pid, const char* name) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/" + name);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The "Max core file size" line of /proc/<pid>/limits.
std::string CoreLimit(pid_t pid) {
  std::istringstream limits(ProcFile(pid, "limits"));
  for (std::string line; std::getline(limits, line);) {
    if (line.rfind("Max core file size", 0) == 0) return line;
  }
  return "";
}

void ExpectHardened(pid_t pid, const char* what) {
  struct stat st {};
  ASSERT_EQ(::stat(("/proc/" + std::to_string(pid) + "/status").c_str(), &st), 0);
  // A dumpable process of nobody's would own its /proc files (the kernel
  // gives a non-dumpable one's to root).
  EXPECT_EQ(st.st_uid, 0u) << what << " is dumpable (PR_GET_DUMPABLE = 1)";
  const std::string core = CoreLimit(pid);
  std::istringstream fields(core.substr(std::string("Max core file size").size()));
  std::string soft, hard;
  fields >> soft >> hard;
  EXPECT_EQ(soft, "0") << what << ": " << core;
  EXPECT_EQ(hard, "0") << what << ": " << core;
}

class ProcessHygieneTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root to run the daemons as another user";
    dir_ = fs::path("/tmp") / ("hygiene-" + crypto::RandomToken(6));
    fs::create_directories(dir_);
    ASSERT_EQ(::chown(dir_.c_str(), kNobody, kNobody), 0);
  }
  void TearDown() override {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    fs::remove_all(dir_);
  }
  fs::path dir_;
  pid_t pid_ = -1;
};

TEST_F(ProcessHygieneTest, LapsdIsNotDumpableAndWritesNoCore) {
  const fs::path port_file = dir_ / "port";
  pid_ = SpawnAsNobody({LAPSD_PATH, "--data-dir", (dir_ / "data").string(), "--port", "0",
                        "--port-file", port_file.string(), "--threads", "1"},
                       dir_ / "lapsd.log");
  ASSERT_GT(pid_, 0);
  // Listening: main has run well past its first line.
  const auto until = std::chrono::steady_clock::now() + kDeadline;
  while (!fs::exists(port_file) && std::chrono::steady_clock::now() < until) {
    if (::waitpid(pid_, nullptr, WNOHANG) != 0) {
      pid_ = -1;
      std::ifstream log(dir_ / "lapsd.log");
      FAIL() << "lapsd exited: " << std::string(std::istreambuf_iterator<char>(log), {});
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_TRUE(fs::exists(port_file)) << "lapsd never listened";
  ExpectHardened(pid_, "lapsd");
}

TEST_F(ProcessHygieneTest, LapsAgentIsNotDumpableAndWritesNoCore) {
  // A server that accepts and never answers holds the agent mid-enrollment.
  int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(listener, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  ASSERT_EQ(::listen(listener, 4), 0);
  socklen_t length = sizeof address;
  ASSERT_EQ(::getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length), 0);
  const std::string server = "http://127.0.0.1:" + std::to_string(ntohs(address.sin_port));
  pid_ = SpawnAsNobody({LAPS_AGENT_PATH, "enroll", "--server", server, "--token", "t",
                        "--state-dir", (dir_ / "state").string(), "--insecure-http"},
                       dir_ / "agent.log");
  ASSERT_GT(pid_, 0);
  pollfd waiting{listener, POLLIN, 0};
  ASSERT_EQ(::poll(&waiting, 1, static_cast<int>(kDeadline / std::chrono::milliseconds(1))), 1)
      << "the agent never connected";
  int connection = ::accept(listener, nullptr, nullptr);
  ASSERT_GE(connection, 0);
  ExpectHardened(pid_, "laps-agent");
  ::close(connection);
  ::close(listener);
}

}  // namespace
}  // namespace openlaps
