#include "crypto/signing.h"

#include <sodium.h>

#include <cstdio>
#include <cstdlib>

#include "crypto/sodium.h"

namespace openlaps::crypto {
namespace {

static_assert(kSignPublicKeySize == crypto_sign_PUBLICKEYBYTES);
static_assert(kSignSecretKeySize == crypto_sign_SECRETKEYBYTES);
static_assert(kSignatureSize == crypto_sign_BYTES);

// libsodium does not read the message when it is empty, but the pointer is
// still passed along; keep it valid.
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

SigningKeyPair SigningKeyPair::Generate() {
  EnsureSodium();
  SigningKeyPair keys;
  std::uint8_t secret[kSignSecretKeySize];
  crypto_sign_keypair(keys.public_key.data(), secret);
  keys.secret_key =
      core::SecretString(std::string_view(reinterpret_cast<const char*>(secret), sizeof(secret)));
  sodium_memzero(secret, sizeof(secret));
  return keys;
}

Signature Sign(const SigningKeyPair& keys, std::span<const std::uint8_t> message) {
  EnsureSodium();
  Require(keys.secret_key.size() == kSignSecretKeySize,
          "Sign: the key pair has no Ed25519 secret key");
  Signature signature{};
  crypto_sign_detached(signature.data(), nullptr, NonNull(message), message.size(),
                       reinterpret_cast<const std::uint8_t*>(keys.secret_key.Reveal().data()));
  return signature;
}

bool Verify(const SignPublicKey& key, std::span<const std::uint8_t> message,
            std::span<const std::uint8_t> signature) {
  EnsureSodium();
  if (signature.size() != kSignatureSize) return false;
  return crypto_sign_verify_detached(signature.data(), NonNull(message), message.size(),
                                     key.data()) == 0;
}

}  // namespace openlaps::crypto
