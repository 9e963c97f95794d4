// The exit codes lapsctl promises to scripts, and how a Status maps to one.
#ifndef OPENLAPS_CLI_EXIT_CODE_H_
#define OPENLAPS_CLI_EXIT_CODE_H_

#include <string>
#include <utility>

#include "core/status.h"

namespace openlaps::cli {

enum class ExitCode : int {
  kOk = 0,
  kUsage = 1,         // bad command line, or a question answered "no"
  kApiError = 2,      // lapsd refused or failed the request (Graph error message on stderr)
  kUnreachable = 3,   // lapsd could not be reached or did not answer in time
  kUnauthorized = 4,  // not logged in, session expired, or the token was refused
  kFailed = 5,        // the server answered, but the outcome checked for is bad: a rotation
                      // failed or timed out, the audit chain is broken, no clipboard tool
};

// Command handlers return a Status; ExitCodeFor is the one place it becomes
// an exit code. Two codes are lapsctl's own, made only by the constructors
// below (the admin API client never returns them, see admin_api.h):
// kAborted is a usage error, kDataLoss a bad outcome. Otherwise Unavailable
// and DeadlineExceeded mean unreachable, Unauthenticated unauthorized, and
// anything else is an API error.
inline ExitCode ExitCodeFor(const Status& status) {
  switch (status.code()) {
    case StatusCode::kOk:
      return ExitCode::kOk;
    case StatusCode::kAborted:
      return ExitCode::kUsage;
    case StatusCode::kDataLoss:
      return ExitCode::kFailed;
    case StatusCode::kUnavailable:
    case StatusCode::kDeadlineExceeded:
      return ExitCode::kUnreachable;
    case StatusCode::kUnauthenticated:
      return ExitCode::kUnauthorized;
    default:
      return ExitCode::kApiError;
  }
}

// A bad command line, or a question answered "no" (kUsage).
inline Status UsageError(std::string message) {
  return Status(StatusCode::kAborted, std::move(message));
}

// lapsd answered, but the outcome checked for is bad (kFailed): a rotation
// failed or timed out, the audit chain is broken, no clipboard tool.
inline Status OutcomeFailed(std::string message) {
  return Status(StatusCode::kDataLoss, std::move(message));
}

}  // namespace openlaps::cli

#endif  // OPENLAPS_CLI_EXIT_CODE_H_
