// libsodium initialisation. Every crypto function calls EnsureSodium()
// itself, so callers never have to remember; it is cheap after the first.
#ifndef OPENLAPS_CRYPTO_SODIUM_H_
#define OPENLAPS_CRYPTO_SODIUM_H_

namespace openlaps::crypto {

// Aborts the process when libsodium cannot initialise (no usable entropy
// source): nothing secure can be done without it.
void EnsureSodium();

}  // namespace openlaps::crypto

#endif  // OPENLAPS_CRYPTO_SODIUM_H_
