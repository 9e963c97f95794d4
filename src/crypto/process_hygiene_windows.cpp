// Windows only (chosen by CMake).
#include <windows.h>

#include "crypto/process_hygiene.h"

namespace openlaps::crypto {
namespace {

// WER's dump would hold whatever secrets were in memory; ending here, inside
// the process's own filter, comes before WER is asked.
LONG WINAPI EndWithoutDump(EXCEPTION_POINTERS* exception) {
  TerminateProcess(GetCurrentProcess(), exception->ExceptionRecord->ExceptionCode);
  return EXCEPTION_EXECUTE_HANDLER;
}

}  // namespace

Status HardenProcess() {
  SetErrorMode(SEM_FAILCRITICALERRORS | SEM_NOGPFAULTERRORBOX | SEM_NOOPENFILEERRORBOX);
  SetUnhandledExceptionFilter(EndWithoutDump);
  return Status::Ok();
}

}  // namespace openlaps::crypto
