// The Linux SystemActions: logind ends sessions, kill(2) ends what is left,
// shutdown(8) reboots after a minute's warning (Windows LAPS also waits a
// minute before its post-authentication reboot).
#include <dirent.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <string>
#include <vector>

#include "agent/system_actions.h"
#include "os/os_error.h"

namespace openlaps::agent {
namespace {

// Runs argv (looked up in PATH) and waits; OK on exit status 0.
Status RunCommand(const std::vector<std::string>& args) {
  std::vector<char*> argv;
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t pid = ::fork();
  if (pid < 0) return os::PosixError("fork for " + args.front(), errno);
  if (pid == 0) {
    ::execvp(argv[0], argv.data());
    ::_exit(127);
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return os::PosixError("waiting for " + args.front(), errno);
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return Status::Ok();
  return UnavailableError(args.front() + " " + args[1] + " failed (status " +
                          std::to_string(status) + ")");
}

class LinuxSystemActions : public SystemActions {
 public:
  Status EndSessions(const ManagedAccount& account) override {
    return RunCommand({"loginctl", "terminate-user", account.name});
  }

  Status EndProcesses(const ManagedAccount& account) override {
    // Every process of uid 0 would be the whole system, this agent included:
    // that is what the reboot action is for.
    if (account.uid == 0) {
      return FailedPreconditionError("will not end every process of uid 0; use the reboot action");
    }
    DIR* proc = ::opendir("/proc");
    if (proc == nullptr) return os::PosixError("/proc", errno);
    int failures = 0;
    while (dirent* entry = ::readdir(proc)) {
      char* end = nullptr;
      long pid = std::strtol(entry->d_name, &end, 10);
      if (pid <= 0 || *end != '\0' || pid == ::getpid()) continue;
      struct stat st {};
      std::string path = std::string("/proc/") + entry->d_name;
      if (::stat(path.c_str(), &st) != 0 || st.st_uid != static_cast<uid_t>(account.uid)) continue;
      if (::kill(static_cast<pid_t>(pid), SIGKILL) != 0 && errno != ESRCH) ++failures;
    }
    ::closedir(proc);
    if (failures > 0) {
      return UnavailableError("could not end " + std::to_string(failures) + " processes of " +
                              account.name);
    }
    return Status::Ok();
  }

  Status Reboot() override {
    return RunCommand({"shutdown", "-r", "+1", "OpenLAPS: the managed account was used"});
  }
};

}  // namespace

std::unique_ptr<SystemActions> CreatePlatformSystemActions() {
  return std::make_unique<LinuxSystemActions>();
}

}  // namespace openlaps::agent
