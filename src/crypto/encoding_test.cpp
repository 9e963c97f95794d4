#include "crypto/encoding.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "testing/status_matchers.h"

namespace openlaps::crypto {
namespace {

Bytes ToBytes(std::string_view s) {
  auto span = AsBytes(s);
  return Bytes(span.begin(), span.end());
}

struct Vector {
  std::string_view plain;
  std::string_view base64;
  std::string_view base64url;
  std::string_view hex;
};

// RFC 4648 section 10 test vectors; the url-safe form is the same without padding.
constexpr Vector kRfc4648Vectors[] = {
    {"", "", "", ""},
    {"f", "Zg==", "Zg", "66"},
    {"fo", "Zm8=", "Zm8", "666f"},
    {"foo", "Zm9v", "Zm9v", "666f6f"},
    {"foob", "Zm9vYg==", "Zm9vYg", "666f6f62"},
    {"fooba", "Zm9vYmE=", "Zm9vYmE", "666f6f6261"},
    {"foobar", "Zm9vYmFy", "Zm9vYmFy", "666f6f626172"},
};

TEST(EncodingTest, Rfc4648VectorsEncode) {
  for (const Vector& v : kRfc4648Vectors) {
    SCOPED_TRACE(v.plain);
    EXPECT_EQ(Base64Encode(AsBytes(v.plain)), v.base64);
    EXPECT_EQ(Base64UrlEncode(AsBytes(v.plain)), v.base64url);
    EXPECT_EQ(HexEncode(AsBytes(v.plain)), v.hex);
  }
}

TEST(EncodingTest, Rfc4648VectorsDecode) {
  for (const Vector& v : kRfc4648Vectors) {
    SCOPED_TRACE(v.plain);
    ASSERT_OK_AND_ASSIGN(Bytes from_base64, Base64Decode(v.base64));
    EXPECT_EQ(from_base64, ToBytes(v.plain));
    ASSERT_OK_AND_ASSIGN(Bytes from_base64url, Base64UrlDecode(v.base64url));
    EXPECT_EQ(from_base64url, ToBytes(v.plain));
    ASSERT_OK_AND_ASSIGN(Bytes from_hex, HexDecode(v.hex));
    EXPECT_EQ(from_hex, ToBytes(v.plain));
  }
}

TEST(EncodingTest, AlphabetsDifferInTheLastTwoCharacters) {
  const Bytes data = {0xfb, 0xff, 0xfe};
  EXPECT_EQ(Base64Encode(data), "+//+");
  EXPECT_EQ(Base64UrlEncode(data), "-__-");
  ASSERT_OK_AND_ASSIGN(Bytes standard, Base64Decode("+//+"));
  EXPECT_EQ(standard, data);
  ASSERT_OK_AND_ASSIGN(Bytes url, Base64UrlDecode("-__-"));
  EXPECT_EQ(url, data);
  EXPECT_TRUE(Base64Decode("-__-").status().IsInvalidArgument());
  EXPECT_TRUE(Base64UrlDecode("+//+").status().IsInvalidArgument());
}

TEST(EncodingTest, RoundTripsAllByteValues) {
  Bytes data(256);
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<std::uint8_t>(i);
  ASSERT_OK_AND_ASSIGN(Bytes a, Base64Decode(Base64Encode(data)));
  EXPECT_EQ(a, data);
  ASSERT_OK_AND_ASSIGN(Bytes b, Base64UrlDecode(Base64UrlEncode(data)));
  EXPECT_EQ(b, data);
  ASSERT_OK_AND_ASSIGN(Bytes c, HexDecode(HexEncode(data)));
  EXPECT_EQ(c, data);
}

TEST(EncodingTest, Base64RejectsMalformedText) {
  constexpr std::string_view kBad[] = {
      "Zg",         // padding missing
      "Zg=",        // padding short
      "Zm9v====",   // padding where none belongs
      "Zh==",       // non-zero bits after the last byte
      "Z",          // a lone character cannot encode a byte
      "Zm9v!",      // character outside the alphabet
      "Zm 9v",      // whitespace is not skipped
      "Zm9vYg== ",  // trailing garbage
      "Zm9vYg==Zg==",
      std::string_view("Zm9v\0Zm9v", 9),  // embedded NUL
  };
  for (std::string_view text : kBad) {
    SCOPED_TRACE(text);
    EXPECT_TRUE(Base64Decode(text).status().IsInvalidArgument());
  }
}

TEST(EncodingTest, Base64UrlRejectsMalformedText) {
  constexpr std::string_view kBad[] = {"Zg==",  "Zg=",   "Zh",    "Z",
                                       "Zm9v+", "Zm9v/", "Zm9v ", "Zm9v\n"};
  for (std::string_view text : kBad) {
    SCOPED_TRACE(text);
    EXPECT_TRUE(Base64UrlDecode(text).status().IsInvalidArgument());
  }
}

TEST(EncodingTest, HexAcceptsEitherCaseAndRejectsMalformedText) {
  ASSERT_OK_AND_ASSIGN(Bytes bytes, HexDecode("DEADbeef"));
  EXPECT_EQ(bytes, (Bytes{0xde, 0xad, 0xbe, 0xef}));
  EXPECT_EQ(HexEncode(bytes), "deadbeef");

  constexpr std::string_view kBad[] = {"abc", "zz", "ab cd", "0x12", "12 ", "g0"};
  for (std::string_view text : kBad) {
    SCOPED_TRACE(text);
    EXPECT_TRUE(HexDecode(text).status().IsInvalidArgument());
  }
}

TEST(EncodingTest, ErrorMessagesDoNotEchoTheInput) {
  constexpr std::string_view kSecretish = "hunter2hunter2!";
  for (const Status& status :
       {Base64Decode(kSecretish).status(), Base64UrlDecode(kSecretish).status(),
        HexDecode(kSecretish).status()}) {
    ASSERT_FALSE(status.ok());
    EXPECT_FALSE(status.message().empty());
    EXPECT_EQ(status.message().find("hunter2"), std::string::npos) << status.message();
  }
}

// Every byte outside an alphabet, put anywhere in otherwise valid text, is
// refused: nothing is skipped or read as something else.
void ExpectOnlyAlphabetAccepted(std::string_view alphabet, std::string_view valid,
                                Result<Bytes> (*decode)(std::string_view)) {
  ASSERT_OK(decode(valid));
  for (int byte = 0; byte < 256; ++byte) {
    const char c = static_cast<char>(byte);
    if (alphabet.find(c) != std::string_view::npos) continue;
    for (std::size_t at : {std::size_t{0}, valid.size() / 2, valid.size()}) {
      std::string text(valid);
      text.insert(at, 1, c);
      EXPECT_TRUE(decode(text).status().IsInvalidArgument()) << "byte " << byte << " at " << at;
      std::string replaced(valid);
      replaced[at == valid.size() ? at - 1 : at] = c;
      EXPECT_TRUE(decode(replaced).status().IsInvalidArgument())
          << "byte " << byte << " replacing at " << at;
    }
  }
}

constexpr std::string_view kAlphanumerics =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

TEST(EncodingTest, Base64RefusesEveryByteOutsideItsAlphabet) {
  ExpectOnlyAlphabetAccepted(std::string(kAlphanumerics) + "+/=", "Zm9vYmFy", &Base64Decode);
}

TEST(EncodingTest, Base64UrlRefusesEveryByteOutsideItsAlphabet) {
  ExpectOnlyAlphabetAccepted(std::string(kAlphanumerics) + "-_", "Zm9vYmFy", &Base64UrlDecode);
}

TEST(EncodingTest, HexRefusesEveryByteOutsideItsAlphabet) {
  // Insertions make the length odd, so only replacements test the alphabet
  // check itself; the helper runs both.
  ExpectOnlyAlphabetAccepted("0123456789abcdefABCDEF", "666f6f62", &HexDecode);
}

}  // namespace
}  // namespace openlaps::crypto
