#include "crypto/signing.h"

#include <gtest/gtest.h>

#include <string_view>

namespace openlaps::crypto {
namespace {

constexpr std::string_view kMessage = "POST\n/device/v1/checkin\n1700000000\nnonce\ndigest";

TEST(SigningTest, GeneratedKeysAreDistinctAndSized) {
  const SigningKeyPair a = SigningKeyPair::Generate();
  const SigningKeyPair b = SigningKeyPair::Generate();
  EXPECT_EQ(a.secret_key.size(), kSignSecretKeySize);
  EXPECT_NE(a.public_key, b.public_key);
}

TEST(SigningTest, SignVerifyRoundTrip) {
  const SigningKeyPair keys = SigningKeyPair::Generate();
  const Signature signature = Sign(keys, AsBytes(kMessage));
  EXPECT_TRUE(Verify(keys.public_key, AsBytes(kMessage), signature));
  // Ed25519 is deterministic.
  EXPECT_EQ(Sign(keys, AsBytes(kMessage)), signature);
}

TEST(SigningTest, EmptyMessageRoundTrip) {
  const SigningKeyPair keys = SigningKeyPair::Generate();
  const Signature signature = Sign(keys, {});
  EXPECT_TRUE(Verify(keys.public_key, {}, signature));
  EXPECT_FALSE(Verify(keys.public_key, AsBytes("x"), signature));
}

TEST(SigningTest, TamperedMessageIsRefused) {
  const SigningKeyPair keys = SigningKeyPair::Generate();
  const Signature signature = Sign(keys, AsBytes(kMessage));
  std::string tampered(kMessage);
  tampered[5] ^= 1;
  EXPECT_FALSE(Verify(keys.public_key, AsBytes(tampered), signature));
  EXPECT_FALSE(Verify(keys.public_key, AsBytes(kMessage.substr(1)), signature));
}

TEST(SigningTest, EveryFlippedSignatureBitIsRefused) {
  const SigningKeyPair keys = SigningKeyPair::Generate();
  const Signature signature = Sign(keys, AsBytes(kMessage));
  for (std::size_t bit = 0; bit < signature.size() * 8; ++bit) {
    Signature tampered = signature;
    tampered[bit / 8] ^= static_cast<std::uint8_t>(1U << (bit % 8));
    EXPECT_FALSE(Verify(keys.public_key, AsBytes(kMessage), tampered)) << "bit " << bit;
  }
}

TEST(SigningTest, OtherKeyIsRefused) {
  const SigningKeyPair keys = SigningKeyPair::Generate();
  const SigningKeyPair other = SigningKeyPair::Generate();
  EXPECT_FALSE(Verify(other.public_key, AsBytes(kMessage), Sign(keys, AsBytes(kMessage))));
}

TEST(SigningTest, WrongSizeSignatureIsRefused) {
  const SigningKeyPair keys = SigningKeyPair::Generate();
  const Signature signature = Sign(keys, AsBytes(kMessage));
  const std::span<const std::uint8_t> full(signature);
  EXPECT_FALSE(Verify(keys.public_key, AsBytes(kMessage), full.first(kSignatureSize - 1)));
  EXPECT_FALSE(Verify(keys.public_key, AsBytes(kMessage), full.first(0)));
  EXPECT_FALSE(Verify(keys.public_key, AsBytes(kMessage), {}));
  Bytes longer(signature.begin(), signature.end());
  longer.push_back(0);
  EXPECT_FALSE(Verify(keys.public_key, AsBytes(kMessage), longer));
}

TEST(SigningDeathTest, SignWithoutASecretKeyAborts) {
  const SigningKeyPair empty;
  EXPECT_DEATH(Sign(empty, AsBytes(kMessage)), "no Ed25519 secret key");
}

}  // namespace
}  // namespace openlaps::crypto
