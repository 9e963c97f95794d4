#include "crypto/csprng.h"

#include <sodium.h>

#include <cassert>
#include <string>
#include <vector>

#include "crypto/sodium.h"

namespace openlaps::crypto {

namespace {

// randombytes_uniform costs one getrandom() call per draw; a password is
// 14-64 draws. Words come from a per-thread block of CSPRNG output instead,
// refilled with one call, each word wiped as it is used.
class RandomWords {
 public:
  ~RandomWords() { sodium_memzero(words_, sizeof words_); }

  std::uint32_t Next() {
    if (next_ == kWords) {
      RandomBytes(std::span(reinterpret_cast<std::uint8_t*>(words_), sizeof words_));
      next_ = 0;
    }
    std::uint32_t word = words_[next_];
    words_[next_++] = 0;
    return word;
  }

 private:
  static constexpr std::size_t kWords = 64;
  std::uint32_t words_[kWords] = {};
  std::size_t next_ = kWords;
};

}  // namespace

std::uint32_t CsprngRandom::Uniform(std::uint32_t upper_bound) {
  assert(upper_bound > 0);
  thread_local RandomWords words;
  // Rejection sampling, as randombytes_uniform does: drop the low words that
  // would make some results more likely (2^32 mod upper_bound of them).
  const std::uint32_t floor = static_cast<std::uint32_t>(-upper_bound) % upper_bound;
  std::uint32_t word;
  do {
    word = words.Next();
  } while (word < floor);
  return word % upper_bound;
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
