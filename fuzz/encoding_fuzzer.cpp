// base64 (standard and URL-safe) and hex: anything decodes or is refused,
// a decoded value encodes back to its text, and every encoding decodes back.
#include "crypto/encoding.h"
#include "fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace openlaps;
  std::string_view text = fuzz::AsText(data, size);
  std::span<const std::uint8_t> bytes(data, size);

  if (auto decoded = crypto::Base64Decode(text); decoded.ok()) {
    if (crypto::Base64Encode(*decoded) != text) fuzz::Broken();
  }
  if (auto decoded = crypto::Base64UrlDecode(text); decoded.ok()) {
    if (crypto::Base64UrlEncode(*decoded) != text) fuzz::Broken();
  }
  if (auto decoded = crypto::HexDecode(text); decoded.ok()) {
    if (decoded->size() * 2 != text.size()) fuzz::Broken();
  }

  auto round = crypto::Base64Decode(crypto::Base64Encode(bytes));
  if (!round.ok() || !std::equal(round->begin(), round->end(), bytes.begin(), bytes.end()))
    fuzz::Broken();
  auto url_round = crypto::Base64UrlDecode(crypto::Base64UrlEncode(bytes));
  if (!url_round.ok() ||
      !std::equal(url_round->begin(), url_round->end(), bytes.begin(), bytes.end()))
    fuzz::Broken();
  auto hex_round = crypto::HexDecode(crypto::HexEncode(bytes));
  if (!hex_round.ok() ||
      !std::equal(hex_round->begin(), hex_round->end(), bytes.begin(), bytes.end()))
    fuzz::Broken();
  return 0;
}
