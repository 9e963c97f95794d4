// The source of randomness the domain uses, injected so tests control it.
#ifndef OPENLAPS_CORE_RANDOM_H_
#define OPENLAPS_CORE_RANDOM_H_

#include <cstdint>

namespace openlaps::core {

class Random {
 public:
  virtual ~Random() = default;
  // A uniformly distributed value in [0, upper_bound), upper_bound > 0.
  // Implementations must not have modulo bias. Production code uses a
  // CSPRNG (crypto::CsprngRandom).
  virtual std::uint32_t Uniform(std::uint32_t upper_bound) = 0;
};

}  // namespace openlaps::core

#endif  // OPENLAPS_CORE_RANDOM_H_
