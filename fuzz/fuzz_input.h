// What every fuzz target shares: the input as text, and a few bytes split
// off the front to choose among a target's variants.
#ifndef OPENLAPS_FUZZ_FUZZ_INPUT_H_
#define OPENLAPS_FUZZ_FUZZ_INPUT_H_

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace openlaps::fuzz {

inline std::string_view AsText(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// The first byte (0 when empty), and the rest.
inline std::uint8_t TakeSelector(std::string_view& text) {
  if (text.empty()) return 0;
  auto selector = static_cast<std::uint8_t>(text.front());
  text.remove_prefix(1);
  return selector;
}

// A finding the sanitizers would not see: a broken invariant.
[[noreturn]] inline void Broken() { __builtin_trap(); }

}  // namespace openlaps::fuzz

#endif  // OPENLAPS_FUZZ_FUZZ_INPUT_H_
