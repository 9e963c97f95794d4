// The exit codes lapsctl promises to scripts, and how a Status maps to one.
#ifndef OPENLAPS_CLI_EXIT_CODE_H_
#define OPENLAPS_CLI_EXIT_CODE_H_

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

// For a Status from the admin API client: Unavailable and DeadlineExceeded
// mean unreachable, Unauthenticated means unauthorized, anything else is an
// API error.
inline ExitCode ExitCodeFor(const Status& status) {
  switch (status.code()) {
    case StatusCode::kOk:
      return ExitCode::kOk;
    case StatusCode::kUnavailable:
    case StatusCode::kDeadlineExceeded:
      return ExitCode::kUnreachable;
    case StatusCode::kUnauthenticated:
      return ExitCode::kUnauthorized;
    default:
      return ExitCode::kApiError;
  }
}

}  // namespace openlaps::cli

#endif  // OPENLAPS_CLI_EXIT_CODE_H_
