// Randomness from libsodium's CSPRNG (getrandom on Linux).
#ifndef OPENLAPS_CRYPTO_CSPRNG_H_
#define OPENLAPS_CRYPTO_CSPRNG_H_

#include <cstdint>
#include <span>
#include <string>

#include "core/random.h"

namespace openlaps::crypto {

// core::Random over randombytes_uniform (unbiased). Thread-safe.
class CsprngRandom final : public core::Random {
 public:
  std::uint32_t Uniform(std::uint32_t upper_bound) override;
};

void RandomBytes(std::span<std::uint8_t> out);
// A url-safe random token of `bytes` random bytes (for ids, nonces, tokens).
std::string RandomToken(std::size_t bytes);

}  // namespace openlaps::crypto

#endif  // OPENLAPS_CRYPTO_CSPRNG_H_
