// Ed25519 signatures for device requests.
#ifndef OPENLAPS_CRYPTO_SIGNING_H_
#define OPENLAPS_CRYPTO_SIGNING_H_

#include <array>
#include <cstdint>
#include <span>

#include "core/secret.h"
#include "crypto/encoding.h"

namespace openlaps::crypto {

inline constexpr std::size_t kSignPublicKeySize = 32;
inline constexpr std::size_t kSignSecretKeySize = 64;
inline constexpr std::size_t kSignatureSize = 64;
using SignPublicKey = std::array<std::uint8_t, kSignPublicKeySize>;
using Signature = std::array<std::uint8_t, kSignatureSize>;

struct SigningKeyPair {
  SignPublicKey public_key{};
  core::SecretString secret_key;  // kSignSecretKeySize raw bytes

  static SigningKeyPair Generate();
  SigningKeyPair Clone() const { return {public_key, secret_key.Clone()}; }
};

Signature Sign(const SigningKeyPair& keys, std::span<const std::uint8_t> message);
bool Verify(const SignPublicKey& key, std::span<const std::uint8_t> message,
            std::span<const std::uint8_t> signature);

}  // namespace openlaps::crypto

#endif  // OPENLAPS_CRYPTO_SIGNING_H_
