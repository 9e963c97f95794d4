// A deterministic core::Random for tests: replays a fixed sequence (each
// value reduced into range), or a seeded generator when the sequence ends.
#ifndef OPENLAPS_TESTING_SEQUENCE_RANDOM_H_
#define OPENLAPS_TESTING_SEQUENCE_RANDOM_H_

#include <cstdint>
#include <random>
#include <utility>
#include <vector>

#include "core/random.h"

namespace openlaps::testing {

class SequenceRandom final : public core::Random {
 public:
  explicit SequenceRandom(std::vector<std::uint32_t> values = {}, std::uint64_t seed = 1)
      : values_(std::move(values)), engine_(seed) {}

  std::uint32_t Uniform(std::uint32_t upper_bound) override {
    if (next_ < values_.size()) return values_[next_++] % upper_bound;
    return std::uniform_int_distribution<std::uint32_t>(0, upper_bound - 1)(engine_);
  }

 private:
  std::vector<std::uint32_t> values_;
  std::size_t next_ = 0;
  std::mt19937_64 engine_;
};

}  // namespace openlaps::testing

#endif  // OPENLAPS_TESTING_SEQUENCE_RANDOM_H_
