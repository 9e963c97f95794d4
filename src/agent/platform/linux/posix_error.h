// errno to Status, in one place for the Linux agent (leveldb's PosixError).
#ifndef OPENLAPS_AGENT_PLATFORM_LINUX_POSIX_ERROR_H_
#define OPENLAPS_AGENT_PLATFORM_LINUX_POSIX_ERROR_H_

#include <string>

#include "core/status.h"

namespace openlaps::agent {

// "<context>: <strerror(error)>" with a code that matches the errno:
// NotFound for ENOENT, PermissionDenied for EACCES/EPERM, Unavailable else.
Status PosixError(const std::string& context, int error);

}  // namespace openlaps::agent

#endif  // OPENLAPS_AGENT_PLATFORM_LINUX_POSIX_ERROR_H_
