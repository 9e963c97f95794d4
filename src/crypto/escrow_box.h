// Password escrow: libsodium sealed boxes (X25519 + XSalsa20-Poly1305).
// The agent seals a password to the server's escrow public key; only the
// holder of the escrow secret key opens it. The same primitive seals a
// device's rotation journal to the device's own key.
#ifndef OPENLAPS_CRYPTO_ESCROW_BOX_H_
#define OPENLAPS_CRYPTO_ESCROW_BOX_H_

#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "core/secret.h"
#include "core/status.h"
#include "crypto/encoding.h"

namespace openlaps::crypto {

inline constexpr std::size_t kBoxPublicKeySize = 32;
inline constexpr std::size_t kBoxSecretKeySize = 32;
inline constexpr std::size_t kSealOverhead = 48;
using BoxPublicKey = std::array<std::uint8_t, kBoxPublicKeySize>;

struct BoxKeyPair {
  BoxPublicKey public_key{};
  core::SecretString secret_key;  // kBoxSecretKeySize raw bytes

  static BoxKeyPair Generate();
  BoxKeyPair Clone() const { return {public_key, secret_key.Clone()}; }
};

// Anyone with the public key can seal; the result is kSealOverhead bytes
// longer than the plaintext.
Bytes Seal(const BoxPublicKey& recipient, std::string_view plaintext);
// DataLoss when the ciphertext was not sealed to this key or was altered.
Result<core::SecretString> Open(const BoxKeyPair& keys, std::span<const std::uint8_t> sealed);

}  // namespace openlaps::crypto

#endif  // OPENLAPS_CRYPTO_ESCROW_BOX_H_
