// Linux only (chosen by CMake).
#include <sys/prctl.h>
#include <sys/resource.h>

#include <cerrno>
#include <cstring>

#include "crypto/process_hygiene.h"

namespace openlaps::crypto {

Status HardenProcess() {
  const rlimit no_core{0, 0};
  if (::setrlimit(RLIMIT_CORE, &no_core) != 0) {
    return InternalError(std::string("cannot disable core files: ") + std::strerror(errno));
  }
  if (::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) {
    return InternalError(std::string("cannot make the process non-dumpable: ") +
                         std::strerror(errno));
  }
  return Status::Ok();
}

}  // namespace openlaps::crypto
