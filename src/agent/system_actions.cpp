#include "agent/system_actions.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace openlaps::agent {

Status RecordingSystemActions::EndSessions(const ManagedAccount& account) {
  return Record("end-sessions " + account.name);
}

Status RecordingSystemActions::EndProcesses(const ManagedAccount& account) {
  return Record("end-processes " + account.name);
}

Status RecordingSystemActions::Reboot() { return Record("reboot"); }

Status RecordingSystemActions::Record(std::string line) {
  actions_.push_back(line);
  if (!log_) return Status::Ok();
  line += '\n';
  int fd = ::open(log_->c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0)
    return UnavailableError("cannot open " + log_->string() + ": " + std::strerror(errno));
  bool ok = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size()) &&
            ::fsync(fd) == 0;
  ::close(fd);
  return ok ? Status::Ok() : UnavailableError("cannot append to " + log_->string());
}

}  // namespace openlaps::agent
