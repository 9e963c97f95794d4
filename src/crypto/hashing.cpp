#include "crypto/hashing.h"

#include <sodium.h>

#include <cstdio>
#include <cstdlib>

#include "crypto/sodium.h"

namespace openlaps::crypto {
namespace {

static_assert(kDigestSize >= crypto_generichash_BYTES_MIN &&
              kDigestSize <= crypto_generichash_BYTES_MAX);

// Programmer errors that would otherwise read out of bounds or yield a
// forgeable result: fatal in every build, unlike assert under NDEBUG.
void Require(bool condition, const char* message) {
  if (!condition) {
    std::fputs(message, stderr);
    std::fputc('\n', stderr);
    std::abort();
  }
}

const std::uint8_t kEmptyByte = 0;

const std::uint8_t* NonNull(std::span<const std::uint8_t> data) {
  return data.empty() ? &kEmptyByte : data.data();
}

}  // namespace

Digest Blake2b(std::span<const std::uint8_t> data) {
  EnsureSodium();
  Digest digest{};
  crypto_generichash(digest.data(), digest.size(), NonNull(data), data.size(), nullptr, 0);
  return digest;
}

std::string TokenHash(std::string_view token) { return HexEncode(Blake2b(AsBytes(token))); }

Digest Blake2bMac(std::span<const std::uint8_t> key, std::span<const std::uint8_t> data) {
  EnsureSodium();
  Require(key.size() >= crypto_generichash_KEYBYTES_MIN &&
              key.size() <= crypto_generichash_KEYBYTES_MAX,
          "Blake2bMac: the key must be 16-64 bytes");
  Digest digest{};
  crypto_generichash(digest.data(), digest.size(), NonNull(data), data.size(), key.data(),
                     key.size());
  return digest;
}

bool ConstantTimeEquals(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b) {
  EnsureSodium();
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  return ConstantTimeEquals(AsBytes(a), AsBytes(b));
}

Result<std::string> HashAdminPassword(const core::SecretString& password) {
  EnsureSodium();
  // crypto_pwhash_str_alg pins argon2id instead of trusting the library's
  // default to stay argon2id.
  char hash[crypto_pwhash_STRBYTES];
  const std::string_view plain = password.Reveal();
  const char* plain_data = plain.empty() ? "" : plain.data();
  if (crypto_pwhash_str_alg(hash, plain_data, plain.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                            crypto_pwhash_MEMLIMIT_INTERACTIVE,
                            crypto_pwhash_ALG_ARGON2ID13) != 0) {
    // The only runtime failure is not getting the 64 MiB argon2id needs.
    return Status(StatusCode::kResourceExhausted,
                  "cannot hash the admin password: argon2id could not allocate its memory");
  }
  return std::string(hash);
}

bool VerifyAdminPassword(std::string_view stored_hash, const core::SecretString& password) {
  EnsureSodium();
  // libsodium wants a NUL-terminated string that fits crypto_pwhash_STRBYTES;
  // anything else cannot be a hash we wrote.
  char hash[crypto_pwhash_STRBYTES] = {};
  if (stored_hash.size() >= sizeof(hash) || stored_hash.find('\0') != std::string_view::npos) {
    return false;
  }
  stored_hash.copy(hash, stored_hash.size());
  const std::string_view plain = password.Reveal();
  const char* plain_data = plain.empty() ? "" : plain.data();
  return crypto_pwhash_str_verify(hash, plain_data, plain.size()) == 0;
}

}  // namespace openlaps::crypto
