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

}  // namespace openlaps::crypto
