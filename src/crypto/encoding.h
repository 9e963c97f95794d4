// Binary <-> text encodings used on the wire and in the store.
#ifndef OPENLAPS_CRYPTO_ENCODING_H_
#define OPENLAPS_CRYPTO_ENCODING_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace openlaps::crypto {

using Bytes = std::vector<std::uint8_t>;

std::string Base64Encode(std::span<const std::uint8_t> data);     // standard, padded
std::string Base64UrlEncode(std::span<const std::uint8_t> data);  // url-safe, no padding
Result<Bytes> Base64Decode(std::string_view text);                // standard, padded
Result<Bytes> Base64UrlDecode(std::string_view text);             // url-safe, no padding
std::string HexEncode(std::span<const std::uint8_t> data);
Result<Bytes> HexDecode(std::string_view text);

inline std::span<const std::uint8_t> AsBytes(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

}  // namespace openlaps::crypto

#endif  // OPENLAPS_CRYPTO_ENCODING_H_
