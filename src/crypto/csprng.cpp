#include "crypto/csprng.h"

#include <sodium.h>

#include <cassert>
#include <string>
#include <vector>

#include "crypto/sodium.h"

namespace openlaps::crypto {

std::uint32_t CsprngRandom::Uniform(std::uint32_t upper_bound) {
  assert(upper_bound > 0);
  EnsureSodium();
  return randombytes_uniform(upper_bound);
}

void RandomBytes(std::span<std::uint8_t> out) {
  if (out.empty()) return;  // libsodium's buffers are declared non-null
  EnsureSodium();
  randombytes_buf(out.data(), out.size());
}

std::string RandomToken(std::size_t bytes) {
  constexpr int kVariant = sodium_base64_VARIANT_URLSAFE_NO_PADDING;
  if (bytes == 0) return {};
  std::vector<std::uint8_t> raw(bytes);
  RandomBytes(raw);
  // sodium_base64_ENCODED_LEN counts the terminating NUL.
  std::string token(sodium_base64_ENCODED_LEN(bytes, kVariant), '\0');
  sodium_bin2base64(token.data(), token.size(), raw.data(), raw.size(), kVariant);
  token.resize(std::char_traits<char>::length(token.c_str()));
  // Tokens are often credentials: leave no copy of the raw bytes behind.
  sodium_memzero(raw.data(), raw.size());
  return token;
}

}  // namespace openlaps::crypto
