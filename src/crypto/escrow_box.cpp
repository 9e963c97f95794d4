#include "crypto/escrow_box.h"

#include <sodium.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "crypto/locked_buffer.h"
#include "crypto/sodium.h"

namespace openlaps::crypto {
namespace {

static_assert(kBoxPublicKeySize == crypto_box_PUBLICKEYBYTES);
static_assert(kBoxSecretKeySize == crypto_box_SECRETKEYBYTES);
static_assert(kSealOverhead == crypto_box_SEALBYTES);

// Programmer errors that would otherwise read out of bounds or yield a
// forgeable result: fatal in every build, unlike assert under NDEBUG.
void Require(bool condition, const char* message) {
  if (!condition) {
    std::fputs(message, stderr);
    std::fputc('\n', stderr);
    std::abort();
  }
}

const std::uint8_t* AsUnsigned(std::string_view s) {
  return reinterpret_cast<const std::uint8_t*>(s.data());
}

}  // namespace

BoxKeyPair BoxKeyPair::Generate() {
  EnsureSodium();
  BoxKeyPair keys;
  std::uint8_t secret[kBoxSecretKeySize];
  crypto_box_keypair(keys.public_key.data(), secret);
  keys.secret_key =
      core::SecretString(std::string_view(reinterpret_cast<const char*>(secret), sizeof(secret)));
  sodium_memzero(secret, sizeof(secret));
  return keys;
}

Bytes Seal(const BoxPublicKey& recipient, std::string_view plaintext) {
  EnsureSodium();
  Bytes sealed(plaintext.size() + kSealOverhead);
  // crypto_box_seal only fails for lengths no caller can hold in memory.
  Require(crypto_box_seal(sealed.data(), AsUnsigned(plaintext), plaintext.size(),
                          recipient.data()) == 0,
          "Seal: crypto_box_seal failed");
  return sealed;
}

Result<core::SecretString> Open(const BoxKeyPair& keys, std::span<const std::uint8_t> sealed) {
  EnsureSodium();
  Require(keys.secret_key.size() == kBoxSecretKeySize, "Open: the key pair has no secret key");
  if (sealed.size() < kSealOverhead) {
    return DataLossError("sealed box is shorter than its " + std::to_string(kSealOverhead) +
                         "-byte overhead");
  }
  const std::size_t plain_size = sealed.size() - kSealOverhead;
  LockedBuffer plain(plain_size);
  if (!plain.ok()) {
    return Status(StatusCode::kResourceExhausted, "cannot allocate locked memory to open a box");
  }
  if (crypto_box_seal_open(plain.data(), sealed.data(), sealed.size(), keys.public_key.data(),
                           AsUnsigned(keys.secret_key.Reveal())) != 0) {
    return DataLossError("sealed box was not sealed to this key or has been altered");
  }
  return core::SecretString(plain.view());
}

}  // namespace openlaps::crypto
