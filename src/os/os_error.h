// The operating system's error numbers as Status, in one place for every
// module (LevelDB's PosixError). A Windows build adds Win32Error beside it.
#ifndef OPENLAPS_OS_OS_ERROR_H_
#define OPENLAPS_OS_OS_ERROR_H_

#include <string>

#include "core/status.h"

namespace openlaps::os {

// "<context>: <the system's text for error>", with a code that tells the
// caller what to do: NotFound (ENOENT), PermissionDenied (EACCES, EPERM),
// AlreadyExists (EEXIST), Unavailable for what may pass (out of space,
// descriptors or memory; busy; EAGAIN), Internal for the rest.
Status PosixError(const std::string& context, int error);

}  // namespace openlaps::os

#endif  // OPENLAPS_OS_OS_ERROR_H_
