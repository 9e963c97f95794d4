#include "agent/platform/linux/posix_error.h"

#include <cerrno>
#include <cstring>

namespace openlaps::agent {

Status PosixError(const std::string& context, int error) {
  std::string message = context + ": " + std::strerror(error);
  switch (error) {
    case ENOENT:
      return NotFoundError(std::move(message));
    case EACCES:
    case EPERM:
      return PermissionDeniedError(std::move(message));
    default:
      return UnavailableError(std::move(message));
  }
}

}  // namespace openlaps::agent
