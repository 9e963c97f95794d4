#include "agent/system_actions.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "os/durable_file.h"
#include "os/file_descriptor.h"
#include "os/os_error.h"

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
  os::UniqueFd fd(::open(log_->c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600));
  if (!fd.valid()) return os::PosixError("open " + log_->string(), errno);
  OPENLAPS_RETURN_IF_ERROR(os::WriteAll(fd.get(), line, *log_));
  if (::fsync(fd.get()) != 0) return os::PosixError("fsync " + log_->string(), errno);
  return Status::Ok();
}

}  // namespace openlaps::agent
