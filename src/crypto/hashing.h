// Hashes and MACs: token hashing for the store, keyed BLAKE2b MACs for
// device sessions, constant-time comparison, argon2id password hashing.
#ifndef OPENLAPS_CRYPTO_HASHING_H_
#define OPENLAPS_CRYPTO_HASHING_H_

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "core/secret.h"
#include "core/status.h"
#include "crypto/encoding.h"

namespace openlaps::crypto {

inline constexpr std::size_t kDigestSize = 32;
using Digest = std::array<std::uint8_t, kDigestSize>;

// BLAKE2b-256. For API tokens (high-entropy, so no slow hash is needed),
// request body digests and the audit hash chain.
Digest Blake2b(std::span<const std::uint8_t> data);
// Keyed BLAKE2b-256; key must be 16-64 bytes.
Digest Blake2bMac(std::span<const std::uint8_t> key, std::span<const std::uint8_t> data);

// How the store keeps a bearer or enrollment token: hex BLAKE2b-256, so a
// stolen database yields no usable token.
std::string TokenHash(std::string_view token);

// Constant-time equality; false when sizes differ (size is not secret).
bool ConstantTimeEquals(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b);
bool ConstantTimeEquals(std::string_view a, std::string_view b);

// argon2id (crypto_pwhash_str, interactive limits) for admin passwords.
Result<std::string> HashAdminPassword(const core::SecretString& password);
bool VerifyAdminPassword(std::string_view stored_hash, const core::SecretString& password);

}  // namespace openlaps::crypto

#endif  // OPENLAPS_CRYPTO_HASHING_H_
