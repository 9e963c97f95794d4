#include "os/os_error.h"

#include <cerrno>
#include <system_error>

namespace openlaps::os {

Status PosixError(const std::string& context, int error) {
  std::string message = context + ": " + std::generic_category().message(error);
  switch (error) {
    case ENOENT:
      return NotFoundError(std::move(message));
    case EACCES:
    case EPERM:
      return PermissionDeniedError(std::move(message));
    case EEXIST:
      return AlreadyExistsError(std::move(message));
    case EAGAIN:
    case EBUSY:
    case ENOSPC:
#ifdef EDQUOT  // this file is the Windows build's too, whose C runtime has no EDQUOT
    case EDQUOT:
#endif
    case EMFILE:
    case ENFILE:
    case ENOMEM:
      return UnavailableError(std::move(message));
    default:
      return InternalError(std::move(message));
  }
}

}  // namespace openlaps::os
