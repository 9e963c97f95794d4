#include "store/guid.h"

#include <array>
#include <cstdint>

#include "crypto/csprng.h"
#include "crypto/encoding.h"

namespace openlaps::store {

std::string NewGuid() {
  std::array<std::uint8_t, 16> bytes{};
  crypto::RandomBytes(bytes);
  bytes[6] = static_cast<std::uint8_t>((bytes[6] & 0x0f) | 0x40);  // version 4
  bytes[8] = static_cast<std::uint8_t>((bytes[8] & 0x3f) | 0x80);  // RFC 4122 variant
  const std::string hex = crypto::HexEncode(bytes);
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" +
         hex.substr(16, 4) + "-" + hex.substr(20, 12);
}

}  // namespace openlaps::store
