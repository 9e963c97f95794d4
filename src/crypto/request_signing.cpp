#include "crypto/request_signing.h"

#include "crypto/csprng.h"
#include "crypto/encoding.h"
#include "crypto/hashing.h"

namespace openlaps::crypto {

std::string RequestSigningPayload(std::string_view method, std::string_view target,
                                  std::int64_t unix_seconds, std::string_view nonce,
                                  std::string_view body) {
  // Newline-separated: none of the fields may contain a newline (the server
  // rejects such headers), so the encoding is unambiguous.
  std::string payload = "OPENLAPS-DEVICE-V1\n";
  payload.append(method).append("\n");
  payload.append(target).append("\n");
  payload.append(std::to_string(unix_seconds)).append("\n");
  payload.append(nonce).append("\n");
  payload.append(HexEncode(Blake2b(AsBytes(body))));
  return payload;
}

SignedHeaders SignRequest(const SigningKeyPair& keys, std::string_view method,
                          std::string_view target, std::int64_t unix_seconds,
                          std::string_view body) {
  SignedHeaders headers;
  headers.timestamp = std::to_string(unix_seconds);
  headers.nonce = RandomToken(16);
  std::string payload = RequestSigningPayload(method, target, unix_seconds, headers.nonce, body);
  Signature sig = Sign(keys, AsBytes(payload));
  headers.signature = Base64UrlEncode(sig);
  return headers;
}

MacHeaders MacRequest(std::span<const std::uint8_t> session_key, std::string_view method,
                      std::string_view target, std::int64_t unix_seconds, std::string_view body) {
  MacHeaders headers;
  headers.timestamp = std::to_string(unix_seconds);
  headers.nonce = RandomToken(16);
  std::string payload = RequestSigningPayload(method, target, unix_seconds, headers.nonce, body);
  headers.mac = Base64UrlEncode(Blake2bMac(session_key, AsBytes(payload)));
  return headers;
}

Digest SessionKey(std::span<const std::uint8_t> server_secret, std::string_view device_id,
                  std::string_view session) {
  std::string input = "OPENLAPS-SESSION-V1\n";
  input.append(device_id).append("\n").append(session);
  return Blake2bMac(server_secret, AsBytes(input));
}

}  // namespace openlaps::crypto
