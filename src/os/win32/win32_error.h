// Win32 error codes (GetLastError) as Status, beside os_error.h's PosixError.
#ifndef OPENLAPS_OS_WIN32_WIN32_ERROR_H_
#define OPENLAPS_OS_WIN32_WIN32_ERROR_H_

#include <string>

#include "core/status.h"

namespace openlaps::os {

// "<context>: <the system's text for error> (error N)", coded as PosixError
// codes errno: NotFound (file or path not found), PermissionDenied (access
// denied), AlreadyExists, Unavailable for what may pass (disk full, sharing
// violation, out of memory), Internal for the rest.
Status Win32Error(const std::string& context, unsigned long error);

}  // namespace openlaps::os

#endif  // OPENLAPS_OS_WIN32_WIN32_ERROR_H_
