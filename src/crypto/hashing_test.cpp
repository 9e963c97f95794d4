#include "crypto/hashing.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "testing/status_matchers.h"

namespace openlaps::crypto {
namespace {

// Expected values from Python's hashlib (an independent implementation):
//   hashlib.blake2b(b'abc', digest_size=32).hexdigest()
//   hashlib.blake2b(b'abc', digest_size=32, key=bytes(range(32))).hexdigest()
TEST(HashingTest, Blake2b256KnownAnswers) {
  EXPECT_EQ(HexEncode(Blake2b({})),
            "0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8");
  EXPECT_EQ(HexEncode(Blake2b(AsBytes("abc"))),
            "bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319");
}

TEST(HashingTest, Blake2bMacKnownAnswer) {
  Bytes key(32);
  for (std::size_t i = 0; i < key.size(); ++i) key[i] = static_cast<std::uint8_t>(i);
  EXPECT_EQ(HexEncode(Blake2bMac(key, AsBytes("abc"))),
            "d63a32d3e44738d7907f964316c241adaba0abfeabc32349677578a15a203f7f");
}

TEST(HashingTest, Blake2bMacDependsOnKeyAndData) {
  const Bytes key_a(32, 0xaa);
  const Bytes key_b(32, 0xbb);
  EXPECT_NE(Blake2bMac(key_a, AsBytes("abc")), Blake2bMac(key_b, AsBytes("abc")));
  EXPECT_NE(Blake2bMac(key_a, AsBytes("abc")), Blake2bMac(key_a, AsBytes("abd")));
  EXPECT_NE(Blake2bMac(key_a, AsBytes("abc")), Blake2b(AsBytes("abc")));
  // Shortest and longest keys allowed.
  EXPECT_NE(Blake2bMac(Bytes(16, 1), {}), Blake2bMac(Bytes(64, 1), {}));
}

TEST(HashingDeathTest, Blake2bMacRejectsBadKeySizes) {
  EXPECT_DEATH(Blake2bMac(Bytes(15, 1), AsBytes("abc")), "16-64 bytes");
  EXPECT_DEATH(Blake2bMac(Bytes(65, 1), AsBytes("abc")), "16-64 bytes");
}

TEST(HashingTest, ConstantTimeEquals) {
  struct Case {
    std::string_view a;
    std::string_view b;
    bool equal;
  };
  constexpr Case kCases[] = {
      {"", "", true},
      {"a", "a", true},
      {"token-123", "token-123", true},
      {"a", "b", false},
      {"", "a", false},
      {"abc", "abcd", false},
      {"abcd", "abc", false},
      {"xbc", "abc", false},
      {"abx", "abc", false},
      {std::string_view("a\0b", 3), std::string_view("a\0c", 3), false},
  };
  for (const Case& c : kCases) {
    SCOPED_TRACE(std::string(c.a) + " vs " + std::string(c.b));
    EXPECT_EQ(ConstantTimeEquals(c.a, c.b), c.equal);
    EXPECT_EQ(ConstantTimeEquals(AsBytes(c.a), AsBytes(c.b)), c.equal);
  }
}

TEST(HashingTest, AdminPasswordHashIsArgon2idAndSalted) {
  const core::SecretString password("correct horse battery staple");
  ASSERT_OK_AND_ASSIGN(std::string hash, HashAdminPassword(password));
  EXPECT_EQ(hash.rfind("$argon2id$", 0), 0U) << hash;
  EXPECT_EQ(hash.find("correct"), std::string::npos);
  ASSERT_OK_AND_ASSIGN(std::string again, HashAdminPassword(password));
  EXPECT_NE(hash, again);
}

TEST(HashingTest, AdminPasswordVerifies) {
  const core::SecretString password("correct horse battery staple");
  ASSERT_OK_AND_ASSIGN(std::string hash, HashAdminPassword(password));
  EXPECT_TRUE(VerifyAdminPassword(hash, password));
  EXPECT_FALSE(VerifyAdminPassword(hash, core::SecretString("correct horse battery stapl")));
  EXPECT_FALSE(VerifyAdminPassword(hash, core::SecretString("")));
}

TEST(HashingTest, EmptyAdminPasswordStillHashes) {
  const core::SecretString empty;
  ASSERT_OK_AND_ASSIGN(std::string hash, HashAdminPassword(empty));
  EXPECT_TRUE(VerifyAdminPassword(hash, empty));
  EXPECT_FALSE(VerifyAdminPassword(hash, core::SecretString("x")));
}

TEST(HashingTest, MalformedHashIsRefused) {
  const core::SecretString password("pw");
  ASSERT_OK_AND_ASSIGN(std::string hash, HashAdminPassword(password));
  std::string truncated = hash.substr(0, hash.size() - 5);
  std::string with_nul = hash;
  with_nul.insert(10, 1, '\0');
  const std::string kBad[] = {
      "",        "garbage", "$argon2id$", "$argon2id$v=19$m=65536,t=2,p=1$",
      truncated, with_nul,  hash + "x",   std::string(500, 'a'),
  };
  for (const std::string& bad : kBad) {
    EXPECT_FALSE(VerifyAdminPassword(bad, password)) << bad.size();
  }
}

}  // namespace
}  // namespace openlaps::crypto
