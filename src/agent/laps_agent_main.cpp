// laps-agent: parses the command line and wires the agent library together.
//   laps-agent enroll --server URL --token T [--state-dir D] [--root R] [--name N]
//                     [--ca-file PEM] [--insecure-http]
//   laps-agent run [--state-dir D] [--root R] [--ca-file PEM] [--insecure-http]
//                  [--ad-server URIS] [--ad-keytab FILE] [--ad-domain D] [--ad-start-tls]
//                  [--upn-suffix DOMAIN]
//   laps-agent status [--state-dir D]
//   laps-agent notify-auth [--state-dir D]   (from pam_exec: PAM_USER, PAM_TYPE)
// Errors exit non-zero with one line on stderr. Keys are never printed.
//
// Test hooks (environment, read by `run` only):
//   LAPS_AGENT_RECORD_SYSTEM_ACTIONS=FILE  post-authentication actions are
//     appended to FILE instead of ending sessions or rebooting;
//   LAPS_AGENT_TEST_PAUSE_AT=STEP  the first time the rotation reaches STEP
//     (journaled, escrowed, set-locally, committed) the agent prints
//     "laps-agent: paused at STEP" and stops itself (SIGSTOP), so a test can
//     SIGKILL it exactly there or SIGCONT it;
//   LAPS_AGENT_TEST_MIN_BACKOFF_MS=N  the first retry after a failure waits
//     N ms (default 5 s), for tests that kill lapsd many times.
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <thread>

#include "agent/account_backend.h"
#include "agent/agent.h"
#include "agent/agent_state.h"
#include "agent/authentication_records.h"
#include "agent/rotation_journal.h"
#include "core/policy_json.h"
#include "crypto/csprng.h"
#include "crypto/process_hygiene.h"

namespace {

using namespace openlaps;  // NOLINT: a main file, not a header

constexpr const char* kUsage =
    "usage: laps-agent enroll --server URL --token T [--state-dir D] [--root R] [--name N]\n"
    "                         [--ca-file PEM] [--insecure-http]\n"
    "       laps-agent run [--state-dir D] [--root R] [--ca-file PEM] [--insecure-http]\n"
    "                      [--ad-server URIS] [--ad-keytab FILE] [--ad-domain D] [--ad-start-tls]\n"
    "                      [--upn-suffix DOMAIN]\n"
    "       laps-agent status [--state-dir D]\n"
    "       laps-agent notify-auth [--state-dir D]   (pam_exec: PAM_USER, PAM_TYPE)\n"
    "  --ca-file PEM     trust this CA for the https:// server (a private CA)\n"
    "  --insecure-http   allow a plain http:// server (a lab: keys travel unprotected)\n"
    "  --upn-suffix D    report a signed-in local user ada as ada@D (for user-group\n"
    "                    assignments; names that have an @ are sent as they are)\n"
    "  Active Directory backup (policies with BackupDirectory = 2):\n"
    "  --ad-server URIS  ldap:// or ldaps:// domain controllers (default: DNS SRV records)\n"
    "  --ad-keytab FILE  the computer account's keytab (default /etc/krb5.keytab)\n"
    "  --ad-domain D     the AD DNS domain (default: the keytab's realm)\n"
    "  --ad-start-tls    StartTLS on ldap:// (default: Kerberos sealing)\n";
constexpr const char* kDefaultStateDir = "/var/lib/openlaps-agent";

int Fail(const Status& status) {
  std::fprintf(stderr, "laps-agent: %s\n", status.ToString().c_str());
  return 1;
}

// --flag value pairs, and the value-less `switches`; InvalidArgument for
// anything else.
Result<std::map<std::string, std::string>> ParseFlags(
    int argc, char** argv, std::initializer_list<std::string> known,
    std::initializer_list<std::string> switches = {}) {
  std::map<std::string, std::string> flags;
  for (int i = 2; i < argc;) {
    std::string name = argv[i];
    if (std::find(switches.begin(), switches.end(), name) != switches.end()) {
      flags[name] = "1";
      i += 1;
      continue;
    }
    if (std::find(known.begin(), known.end(), name) == known.end() || i + 1 >= argc) {
      return InvalidArgumentError("unknown or incomplete option " + name);
    }
    flags[name] = argv[i + 1];
    i += 2;
  }
  return flags;
}

std::string Flag(const std::map<std::string, std::string>& flags, const std::string& name,
                 std::string fallback = {}) {
  auto it = flags.find(name);
  return it == flags.end() ? fallback : it->second;
}

// How the agent reaches lapsd. Over plain http the escrow key and every
// answer travel unprotected, so that takes --insecure-http; --ca-file
// trusts a private CA for https.
Result<http::ClientOptions> TransportOptions(const std::string& server,
                                             const std::map<std::string, std::string>& flags) {
  if (server.starts_with("http://") && !flags.contains("--insecure-http")) {
    return InvalidArgumentError("refusing the plain http:// server " + server +
                                " (the escrow key would arrive unprotected): use https://, or "
                                "pass --insecure-http for a lab");
  }
  http::ClientOptions options;
  if (std::string ca = Flag(flags, "--ca-file"); !ca.empty()) options.ca_file = ca;
  return options;
}

int Enroll(const std::map<std::string, std::string>& flags) {
  std::string server = Flag(flags, "--server");
  std::string token = Flag(flags, "--token");
  if (server.empty() || token.empty()) {
    return Fail(InvalidArgumentError("enroll needs --server and --token"));
  }
  auto transport = TransportOptions(server, flags);
  if (!transport.ok()) return Fail(transport.status());
  auto state = agent::StateDirectory::Open(Flag(flags, "--state-dir", kDefaultStateDir));
  if (!state.ok()) return Fail(state.status());
  if (state->LoadIdentity().ok()) {
    return Fail(AlreadyExistsError("this device is already enrolled"));
  }
  struct utsname host {};
  ::uname(&host);
  agent::EnrollRequest request;
  request.token = token;
  request.device_name = Flag(flags, "--name", host.nodename);
  request.os_version = std::string(host.sysname) + " " + host.release;
  core::SystemClock clock;
  auto client = agent::DeviceClient::Enroll(server, request, clock, *transport);
  if (!client.ok()) return Fail(client.status());
  const agent::DeviceIdentity& id = (*client)->identity();
  agent::EnrolledIdentity enrolled{
      server, agent::DeviceIdentity{id.device_id, id.signing.Clone(), id.box.Clone(),
                                    id.escrow_public_key}};
  if (Status saved = state->SaveIdentity(enrolled); !saved.ok()) return Fail(saved);
  std::printf("enrolled as device %s\n", id.device_id.c_str());
  return 0;
}

std::string_view StepName(agent::RotationStep step) {
  switch (step) {
    case agent::RotationStep::kJournaled:
      return "journaled";
    case agent::RotationStep::kEscrowed:
      return "escrowed";
    case agent::RotationStep::kSetLocally:
      return "set-locally";
    case agent::RotationStep::kCommitted:
      return "committed";
  }
  return "unknown";
}

// LAPS_AGENT_TEST_PAUSE_AT: stops the process once, right after the step.
void InstallTestPause(agent::Rotator& rotator) {
  const char* pause_at = std::getenv("LAPS_AGENT_TEST_PAUSE_AT");
  if (pause_at == nullptr || *pause_at == '\0') return;
  rotator.set_step_hook(
      [step_name = std::string(pause_at), paused = false](agent::RotationStep step) mutable {
        if (paused || StepName(step) != step_name) return Status::Ok();
        paused = true;
        std::fprintf(stderr, "laps-agent: paused at %s\n", step_name.c_str());
        std::fflush(stderr);
        ::raise(SIGSTOP);
        return Status::Ok();
      });
}

std::unique_ptr<agent::SystemActions> MakeSystemActions() {
  const char* record = std::getenv("LAPS_AGENT_RECORD_SYSTEM_ACTIONS");
  if (record != nullptr && *record != '\0') {
    return std::make_unique<agent::RecordingSystemActions>(std::filesystem::path(record));
  }
  return agent::CreatePlatformSystemActions();
}

// A clean stop says goodbye, so lapsd shows the device offline at once
// rather than after its grace. The running client was cancelled by Stop, so
// a fresh one sends it; best effort and bounded, a stop never waits long.
void SayGoodbye(agent::StateDirectory& state, const core::Clock& clock) {
  constexpr std::chrono::seconds kGoodbyeTimeout{3};
  auto enrolled = state.LoadIdentity();
  if (!enrolled.ok()) return;
  auto client =
      agent::DeviceClient::FromIdentity(enrolled->server_url, std::move(enrolled->identity), clock);
  if (!client.ok()) return;
  (*client)->UseSessions(false);  // one signed request, no session to open first
  Status said = (*client)->Goodbye(kGoodbyeTimeout);
  if (!said.ok()) std::fprintf(stderr, "laps-agent: goodbye failed: %s\n", said.message().c_str());
}

int Run(const std::map<std::string, std::string>& flags) {
  // Signals go to one thread that stops the agent; block them everywhere else.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  auto state = agent::StateDirectory::Open(Flag(flags, "--state-dir", kDefaultStateDir));
  if (!state.ok()) return Fail(state.status());
  auto enrolled = state->LoadIdentity();
  if (!enrolled.ok()) return Fail(enrolled.status());
  auto transport = TransportOptions(enrolled->server_url, flags);
  if (!transport.ok()) return Fail(transport.status());
  core::SystemClock clock;
  crypto::CsprngRandom random;
  const std::string root = Flag(flags, "--root", "/");
  auto accounts = agent::CreatePlatformAccountBackend(root, clock);
  if (!accounts.ok()) return Fail(accounts.status());
  auto client = agent::DeviceClient::FromIdentity(enrolled->server_url,
                                                  std::move(enrolled->identity), clock, *transport);
  if (!client.ok()) return Fail(client.status());
  std::unique_ptr<agent::SystemActions> system_actions = MakeSystemActions();
  agent::AgentOptions options;
  options.root = root;
  options.principal_suffix = Flag(flags, "--upn-suffix");
  agent::ad::DirectoryOptions directory;
  directory.server_uris = Flag(flags, "--ad-server");
  directory.keytab = Flag(flags, "--ad-keytab", directory.keytab.string());
  directory.domain = Flag(flags, "--ad-domain");
  directory.start_tls = flags.contains("--ad-start-tls");
  options.active_directory = [directory] { return agent::ad::ConnectAsMachine(directory); };
  if (const char* backoff = std::getenv("LAPS_AGENT_TEST_MIN_BACKOFF_MS")) {
    options.min_backoff = std::chrono::milliseconds(std::strtoll(backoff, nullptr, 10));
  }
  agent::Agent agent(**client, **accounts, *state, *system_actions, clock, random, options);
  InstallTestPause(agent.rotator());

  std::thread stopper([&] {
    int received = 0;
    sigwait(&signals, &received);
    agent.Stop();
  });
  agent.Run();
  // Run returns only after Stop, so the stopper has finished its sigwait.
  stopper.join();
  SayGoodbye(*state, clock);
  return 0;
}

// pam_exec runs this for every PAM event of the stacks it is in; only a
// session or account check of the managed account leaves a mark. A device
// that is not enrolled has nothing to mark.
int NotifyAuth(const std::map<std::string, std::string>& flags) {
  std::filesystem::path dir = Flag(flags, "--state-dir", kDefaultStateDir);
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) return 0;
  auto state = agent::StateDirectory::Open(dir);
  if (!state.ok()) return Fail(state.status());
  auto saved = state->LoadState();
  if (!saved.ok()) return Fail(saved.status());
  std::string managed = saved->managed_account;
  if (managed.empty()) {
    managed = core::LapsSettings::Resolve(saved->applied_settings.value_or(core::PolicySettings()))
                  .administrator_account_name;
  }
  const char* user = std::getenv("PAM_USER");
  const char* type = std::getenv("PAM_TYPE");
  core::SystemClock clock;
  auto marked = agent::NotifyAuthentication(state->path(), managed, user ? user : "",
                                            type ? type : "", clock.Now());
  return marked.ok() ? 0 : Fail(marked.status());
}

std::string TimeText(const std::optional<core::Timestamp>& t) {
  return t ? core::FormatUtc(*t) : std::string("never");
}

int PrintStatus(const std::map<std::string, std::string>& flags) {
  auto state = agent::StateDirectory::Open(Flag(flags, "--state-dir", kDefaultStateDir));
  if (!state.ok()) return Fail(state.status());
  auto enrolled = state->LoadIdentity();
  if (!enrolled.ok()) return Fail(enrolled.status());
  auto saved = state->LoadState();
  if (!saved.ok()) return Fail(saved.status());
  agent::RotationJournal journal(state->path());
  auto unfinished = journal.Load();
  std::printf("device:          %s\n", enrolled->identity.device_id.c_str());
  std::printf("server:          %s\n", enrolled->server_url.c_str());
  std::printf("managed account: %s\n",
              saved->managed_account.empty() ? "-" : saved->managed_account.c_str());
  std::printf("last rotation:   %s\n", TimeText(saved->last_rotation).c_str());
  std::printf("next rotation:   %s\n", TimeText(saved->next_rotation).c_str());
  if (saved->post_authentication_deadline) {
    std::printf("reset after use: %s\n", TimeText(saved->post_authentication_deadline).c_str());
  }
  std::printf("state:           %s\n",
              saved->laps_state.empty() ? "managed" : saved->laps_state.c_str());
  std::printf("settings:        %s\n",
              saved->applied_settings
                  ? core::PolicySettingsToJson(*saved->applied_settings).dump().c_str()
                  : "none applied");
  if (!unfinished.ok()) {
    std::printf("rotation:        journal unreadable (%s)\n",
                unfinished.status().message().c_str());
  } else if (unfinished->has_value()) {
    std::printf("rotation:        %s in flight (%s)\n", (*unfinished)->rotation_id.c_str(),
                std::string(agent::RotationPhaseName((*unfinished)->phase)).c_str());
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  ::umask(077);
  // Device keys and passwords: no core file, no dump.
  if (Status hardened = crypto::HardenProcess(); !hardened.ok()) return Fail(hardened);
  if (argc < 2) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  std::string command = argv[1];
  if (command == "--help" || command == "-h" || command == "help") {
    std::fputs(kUsage, stdout);
    return 0;
  }
  if (command == "enroll") {
    auto flags = ParseFlags(argc, argv,
                            {"--server", "--token", "--state-dir", "--root", "--name", "--ca-file"},
                            {"--insecure-http"});
    return flags.ok() ? Enroll(*flags) : Fail(flags.status());
  }
  if (command == "run") {
    auto flags = ParseFlags(argc, argv,
                            {"--state-dir", "--root", "--ca-file", "--ad-server", "--ad-keytab",
                             "--ad-domain", "--upn-suffix"},
                            {"--insecure-http", "--ad-start-tls"});
    return flags.ok() ? Run(*flags) : Fail(flags.status());
  }
  if (command == "status") {
    auto flags = ParseFlags(argc, argv, {"--state-dir", "--root"});
    return flags.ok() ? PrintStatus(*flags) : Fail(flags.status());
  }
  if (command == "notify-auth") {
    auto flags = ParseFlags(argc, argv, {"--state-dir"});
    return flags.ok() ? NotifyAuth(*flags) : Fail(flags.status());
  }
  return Fail(InvalidArgumentError("unknown command '" + command + "'; see laps-agent --help"));
}
