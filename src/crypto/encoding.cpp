#include "crypto/encoding.h"

#include <sodium.h>

#include "crypto/sodium.h"

namespace openlaps::crypto {
namespace {

// libsodium declares its buffers nonnull even when the length is zero, and an
// empty span or vector may hand out nullptr; point such calls at a dummy byte.
const std::uint8_t kEmptyByte = 0;
const char kEmptyChar = '\0';

const std::uint8_t* NonNull(std::span<const std::uint8_t> data) {
  return data.empty() ? &kEmptyByte : data.data();
}

std::string Base64EncodeVariant(std::span<const std::uint8_t> data, int variant) {
  EnsureSodium();
  // sodium_base64_ENCODED_LEN counts the terminating NUL.
  std::string out(sodium_base64_ENCODED_LEN(data.size(), variant), '\0');
  sodium_bin2base64(out.data(), out.size(), NonNull(data), data.size(), variant);
  out.pop_back();
  return out;
}

bool IsAlphanumeric(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

// The alphabet is checked here, byte by byte, rather than trusted to
// libsodium's decoder, whose ignore and end-pointer modes would skip bytes.
bool InBase64Alphabet(char c, int variant) {
  if (IsAlphanumeric(c)) return true;
  if (variant == sodium_base64_VARIANT_ORIGINAL) return c == '+' || c == '/' || c == '=';
  return c == '-' || c == '_';
}

bool IsHexDigit(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// With b64_end == nullptr and no ignore set, libsodium also rejects missing
// or superfluous padding, non-zero trailing bits and anything after the last
// valid character.
Result<Bytes> Base64DecodeVariant(std::string_view text, int variant, std::string_view name) {
  EnsureSodium();
  for (char c : text) {
    if (!InBase64Alphabet(c, variant)) {
      return InvalidArgumentError(std::string(name) + " text has a character outside its alphabet");
    }
  }
  Bytes out(text.size() / 4 * 3 + 3);
  std::size_t out_size = 0;
  const char* in = text.empty() ? &kEmptyChar : text.data();
  if (sodium_base642bin(out.data(), out.size(), in, text.size(), nullptr, &out_size, nullptr,
                        variant) != 0) {
    return InvalidArgumentError(std::string(name) +
                                " text is malformed (bad character, padding or length)");
  }
  out.resize(out_size);
  return out;
}

}  // namespace

std::string Base64Encode(std::span<const std::uint8_t> data) {
  return Base64EncodeVariant(data, sodium_base64_VARIANT_ORIGINAL);
}

std::string Base64UrlEncode(std::span<const std::uint8_t> data) {
  return Base64EncodeVariant(data, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

Result<Bytes> Base64Decode(std::string_view text) {
  return Base64DecodeVariant(text, sodium_base64_VARIANT_ORIGINAL, "base64");
}

Result<Bytes> Base64UrlDecode(std::string_view text) {
  return Base64DecodeVariant(text, sodium_base64_VARIANT_URLSAFE_NO_PADDING, "base64url");
}

std::string HexEncode(std::span<const std::uint8_t> data) {
  EnsureSodium();
  std::string out(data.size() * 2 + 1, '\0');
  sodium_bin2hex(out.data(), out.size(), NonNull(data), data.size());
  out.pop_back();
  return out;
}

Result<Bytes> HexDecode(std::string_view text) {
  EnsureSodium();
  if (text.size() % 2 != 0) {
    return InvalidArgumentError("hex text has an odd number of digits");
  }
  for (char c : text) {
    if (!IsHexDigit(c)) {
      return InvalidArgumentError("hex text contains a character that is not a hex digit");
    }
  }
  Bytes out(text.size() / 2 + 1);
  std::size_t out_size = 0;
  const char* in = text.empty() ? &kEmptyChar : text.data();
  if (sodium_hex2bin(out.data(), out.size(), in, text.size(), nullptr, &out_size, nullptr) != 0) {
    return InvalidArgumentError("hex text contains a character that is not a hex digit");
  }
  out.resize(out_size);
  return out;
}

}  // namespace openlaps::crypto
