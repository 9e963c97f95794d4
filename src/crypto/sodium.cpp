#include "crypto/sodium.h"

#include <sodium.h>

#include <cstdio>
#include <cstdlib>

namespace openlaps::crypto {

void EnsureSodium() {
  // A function-local static is initialised exactly once, thread-safely.
  static const bool kInitialised = [] {
    // 0: initialised now; 1: already initialised (by another library).
    return sodium_init() >= 0;
  }();
  if (!kInitialised) {
    std::fputs("openlaps: libsodium failed to initialise (no entropy source?)\n", stderr);
    std::abort();
  }
}

}  // namespace openlaps::crypto
