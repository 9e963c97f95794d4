#include "store/guid.h"

#include <algorithm>
#include <array>
#include <cstdint>

#include "crypto/csprng.h"
#include "crypto/encoding.h"
#include "crypto/hashing.h"

namespace openlaps::store {
namespace {

std::string FormatGuid(std::array<std::uint8_t, 16> bytes, std::uint8_t version) {
  bytes[6] = static_cast<std::uint8_t>((bytes[6] & 0x0f) | (version << 4));
  bytes[8] = static_cast<std::uint8_t>((bytes[8] & 0x3f) | 0x80);  // RFC 4122 variant
  const std::string hex = crypto::HexEncode(bytes);
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" +
         hex.substr(16, 4) + "-" + hex.substr(20, 12);
}

}  // namespace

std::string NewGuid() {
  std::array<std::uint8_t, 16> bytes{};
  crypto::RandomBytes(bytes);
  return FormatGuid(bytes, 4);
}

std::string GuidFromName(std::string_view name) {
  const crypto::Digest digest = crypto::Blake2b(crypto::AsBytes(name));
  std::array<std::uint8_t, 16> bytes{};
  std::copy_n(digest.begin(), bytes.size(), bytes.begin());
  return FormatGuid(bytes, 8);
}

}  // namespace openlaps::store
