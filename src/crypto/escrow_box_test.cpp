#include "crypto/escrow_box.h"

#include <gtest/gtest.h>

#include <string>

#include "testing/status_matchers.h"

namespace openlaps::crypto {
namespace {

TEST(EscrowBoxTest, GeneratedKeysAreDistinctAndSized) {
  const BoxKeyPair a = BoxKeyPair::Generate();
  const BoxKeyPair b = BoxKeyPair::Generate();
  EXPECT_EQ(a.secret_key.size(), kBoxSecretKeySize);
  EXPECT_NE(a.public_key, b.public_key);
  EXPECT_NE(a.secret_key, b.secret_key);
}

TEST(EscrowBoxTest, SealOpenRoundTrip) {
  const BoxKeyPair keys = BoxKeyPair::Generate();
  for (std::string_view plain : {std::string_view(""), std::string_view("correct horse battery"),
                                 std::string_view("with\0nul", 8)}) {
    const Bytes sealed = Seal(keys.public_key, plain);
    EXPECT_EQ(sealed.size(), plain.size() + kSealOverhead);
    ASSERT_OK_AND_ASSIGN(core::SecretString opened, Open(keys, sealed));
    EXPECT_EQ(opened.Reveal(), plain);
  }
}

TEST(EscrowBoxTest, SealingIsRandomised) {
  const BoxKeyPair keys = BoxKeyPair::Generate();
  EXPECT_NE(Seal(keys.public_key, "same"), Seal(keys.public_key, "same"));
}

TEST(EscrowBoxTest, OpenWithTheWrongKeyFails) {
  const BoxKeyPair right = BoxKeyPair::Generate();
  const BoxKeyPair wrong = BoxKeyPair::Generate();
  const Bytes sealed = Seal(right.public_key, "s3cret-password");
  const Result<core::SecretString> opened = Open(wrong, sealed);
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(opened.status().message().find("s3cret"), std::string::npos);
}

TEST(EscrowBoxTest, EveryFlippedBitIsDetected) {
  const BoxKeyPair keys = BoxKeyPair::Generate();
  const Bytes sealed = Seal(keys.public_key, "password");
  for (std::size_t bit = 0; bit < sealed.size() * 8; ++bit) {
    Bytes tampered = sealed;
    tampered[bit / 8] ^= static_cast<std::uint8_t>(1U << (bit % 8));
    EXPECT_EQ(Open(keys, tampered).status().code(), StatusCode::kDataLoss) << "bit " << bit;
  }
}

TEST(EscrowBoxTest, TruncatedCiphertextFails) {
  const BoxKeyPair keys = BoxKeyPair::Generate();
  const Bytes sealed = Seal(keys.public_key, "password");
  for (std::size_t size : {std::size_t{0}, kSealOverhead - 1, kSealOverhead, sealed.size() - 1}) {
    EXPECT_EQ(Open(keys, std::span(sealed).first(size)).status().code(), StatusCode::kDataLoss)
        << "size " << size;
  }
}

TEST(EscrowBoxDeathTest, OpenWithoutASecretKeyAborts) {
  BoxKeyPair public_only;
  public_only.public_key = BoxKeyPair::Generate().public_key;
  const Bytes sealed = Seal(public_only.public_key, "x");
  EXPECT_DEATH((void)Open(public_only, sealed), "no secret key");
}

}  // namespace
}  // namespace openlaps::crypto
