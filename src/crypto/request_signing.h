// The device protocol's request authentication (DESIGN.md §6), shared by
// laps-agent and lapsd. The payload binds method, request target,
// timestamp, nonce and the body's digest; lapsd rejects clock skew over 5
// minutes and any nonce it has seen. Two ways to authenticate it:
//  - an Ed25519 signature with the device key (X-Laps-Signature), used to
//    open a session and by devices without one;
//  - a keyed BLAKE2b MAC (X-Laps-Mac) with a short-lived session key that
//    lapsd handed the device sealed to its X25519 key. Ed25519 verification
//    costs ~100x the MAC (bench/request_auth_bench), and dominated a
//    check-in's CPU. lapsd derives session keys from a server secret, so
//    every node verifies any session without shared session state.
#ifndef OPENLAPS_CRYPTO_REQUEST_SIGNING_H_
#define OPENLAPS_CRYPTO_REQUEST_SIGNING_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "crypto/hashing.h"
#include "crypto/signing.h"

namespace openlaps::crypto {

inline constexpr std::string_view kDeviceIdHeader = "X-Laps-Device";
inline constexpr std::string_view kTimestampHeader = "X-Laps-Timestamp";
inline constexpr std::string_view kNonceHeader = "X-Laps-Nonce";
inline constexpr std::string_view kSignatureHeader = "X-Laps-Signature";
inline constexpr std::string_view kSessionHeader = "X-Laps-Session";  // "<id>.<expiry>"
inline constexpr std::string_view kMacHeader = "X-Laps-Mac";
inline constexpr std::size_t kSessionKeySize = 32;

// The longest value lapsd accepts in each device authentication header,
// checked before anything is decoded or looked up: what an honest agent
// sends with room to spare, so a hostile header costs nothing.
struct DeviceHeaderLimit {
  std::string_view name;
  std::size_t max_bytes;
};
inline constexpr DeviceHeaderLimit kDeviceHeaderLimits[] = {
    {kDeviceIdHeader, 64},   // a GUID is 36
    {kTimestampHeader, 20},  // any int64 in decimal
    {kNonceHeader, 64},      // RandomToken(16) is 22
    {kSignatureHeader, 88},  // base64url of a 64-byte signature is 86
    {kSessionHeader, 64},    // "<22 chars>.<unix seconds>"
    {kMacHeader, 44},        // base64url of a 32-byte MAC is 43
};

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

struct MacHeaders {
  std::string timestamp;
  std::string nonce;
  std::string mac;  // base64url
};

// MACs with a session key (kSessionKeySize bytes) and a fresh nonce.
MacHeaders MacRequest(std::span<const std::uint8_t> session_key, std::string_view method,
                      std::string_view target, std::int64_t unix_seconds, std::string_view body);

// The key of session `session` ("<id>.<expiry>") of `device_id`, derived
// from the server's session secret.
Digest SessionKey(std::span<const std::uint8_t> server_secret, std::string_view device_id,
                  std::string_view session);

}  // namespace openlaps::crypto

#endif  // OPENLAPS_CRYPTO_REQUEST_SIGNING_H_
