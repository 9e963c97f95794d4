// The device protocol's request signature (DESIGN.md §6), shared by
// laps-agent (signs) and lapsd (verifies). A device signs, with its Ed25519
// key, a payload binding method, request target, timestamp, nonce and the
// body's digest; lapsd rejects clock skew over 5 minutes and any nonce it
// has seen.
#ifndef OPENLAPS_CRYPTO_REQUEST_SIGNING_H_
#define OPENLAPS_CRYPTO_REQUEST_SIGNING_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "crypto/signing.h"

namespace openlaps::crypto {

inline constexpr std::string_view kDeviceIdHeader = "X-Laps-Device";
inline constexpr std::string_view kTimestampHeader = "X-Laps-Timestamp";
inline constexpr std::string_view kNonceHeader = "X-Laps-Nonce";
inline constexpr std::string_view kSignatureHeader = "X-Laps-Signature";

std::string RequestSigningPayload(std::string_view method, std::string_view target,
                                  std::int64_t unix_seconds, std::string_view nonce,
                                  std::string_view body);

struct SignedHeaders {
  std::string timestamp;
  std::string nonce;
  std::string signature;  // base64url
};

// Signs with a fresh random nonce.
SignedHeaders SignRequest(const SigningKeyPair& keys, std::string_view method,
                          std::string_view target, std::int64_t unix_seconds,
                          std::string_view body);

}  // namespace openlaps::crypto

#endif  // OPENLAPS_CRYPTO_REQUEST_SIGNING_H_
