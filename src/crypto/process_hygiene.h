// Process hygiene for programs that hold secrets (lapsd's escrow key,
// laps-agent's device keys and passwords, lapsctl's tokens): no core file
// and no dump of their memory. Call first thing in main, before any secret
// is loaded.
#ifndef OPENLAPS_CRYPTO_PROCESS_HYGIENE_H_
#define OPENLAPS_CRYPTO_PROCESS_HYGIENE_H_

#include "core/status.h"

namespace openlaps::crypto {

// Linux: PR_SET_DUMPABLE 0 (no core dump; /proc/<pid>/mem, ptrace attach
// and /proc/<pid>/environ closed to other processes of the same user) and
// RLIMIT_CORE 0 (soft and hard, inherited by children). Internal when either
// cannot be set; the caller should refuse to start.
// Windows: no error dialogs, and an unhandled exception ends the process at
// once, before Windows Error Reporting could write a dump of its memory.
Status HardenProcess();

}  // namespace openlaps::crypto

#endif  // OPENLAPS_CRYPTO_PROCESS_HYGIENE_H_
