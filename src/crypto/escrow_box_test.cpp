#include "crypto/escrow_box.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "testing/status_matchers.h"

namespace openlaps::crypto {
namespace {

namespace fs = std::filesystem;

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

// Each test gets its own fresh directory under ::testing::TempDir().
class EscrowKeyFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string templ = ::testing::TempDir() + "escrow_box_test.XXXXXX";
    ASSERT_NE(::mkdtemp(templ.data()), nullptr) << std::strerror(errno);
    dir_ = templ;
    key_path_ = dir_ / "escrow.key";
  }
  void TearDown() override {
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }

  std::string ReadFile() const {
    std::ifstream in(key_path_, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  void WriteFile(std::string_view contents, mode_t mode) const {
    {
      std::ofstream out(key_path_, std::ios::binary | std::ios::trunc);
      out.write(contents.data(), static_cast<std::streamsize>(contents.size()));
    }
    ASSERT_EQ(::chmod(key_path_.c_str(), mode), 0);
  }
  mode_t Mode() const {
    struct stat info {};
    EXPECT_EQ(::stat(key_path_.c_str(), &info), 0);
    return info.st_mode & 07777;
  }

  fs::path dir_;
  fs::path key_path_;
};

TEST_F(EscrowKeyFileTest, CreatesWithMode0600AndReloadsTheSameKey) {
  ASSERT_OK_AND_ASSIGN(BoxKeyPair created, LoadOrCreateBoxKeyFile(key_path_));
  EXPECT_EQ(Mode(), 0600U);
  const std::string contents = ReadFile();
  ASSERT_EQ(contents.size(), kBoxSecretKeySize + kBoxPublicKeySize);
  EXPECT_EQ(contents.substr(0, kBoxSecretKeySize), created.secret_key.Reveal());
  EXPECT_EQ(contents.substr(kBoxSecretKeySize),
            std::string(created.public_key.begin(), created.public_key.end()));

  ASSERT_OK_AND_ASSIGN(BoxKeyPair loaded, LoadOrCreateBoxKeyFile(key_path_));
  EXPECT_EQ(loaded.public_key, created.public_key);
  EXPECT_EQ(loaded.secret_key, created.secret_key);
  ASSERT_OK_AND_ASSIGN(core::SecretString opened,
                       Open(loaded, Seal(created.public_key, "survives a restart")));
  EXPECT_EQ(opened.Reveal(), "survives a restart");
}

TEST_F(EscrowKeyFileTest, RefusesAFileReadableByOthers) {
  ASSERT_OK(LoadOrCreateBoxKeyFile(key_path_));
  for (mode_t mode : {0644U, 0640U, 0604U, 0660U, 0601U}) {
    ASSERT_EQ(::chmod(key_path_.c_str(), mode), 0);
    const Status status = LoadOrCreateBoxKeyFile(key_path_).status();
    EXPECT_TRUE(status.IsFailedPrecondition()) << status;
    EXPECT_NE(status.message().find(key_path_.string()), std::string::npos) << status;
    char octal[8];
    std::snprintf(octal, sizeof(octal), "%04o", static_cast<unsigned>(mode));
    EXPECT_NE(status.message().find(octal), std::string::npos) << status;
  }
}

TEST_F(EscrowKeyFileTest, AcceptsAReadOnlyOwnerFile) {
  ASSERT_OK_AND_ASSIGN(BoxKeyPair created, LoadOrCreateBoxKeyFile(key_path_));
  ASSERT_EQ(::chmod(key_path_.c_str(), 0400), 0);
  ASSERT_OK_AND_ASSIGN(BoxKeyPair loaded, LoadOrCreateBoxKeyFile(key_path_));
  EXPECT_EQ(loaded.public_key, created.public_key);
}

TEST_F(EscrowKeyFileTest, RefusesAFileOfTheWrongSize) {
  ASSERT_OK(LoadOrCreateBoxKeyFile(key_path_));
  const std::string contents = ReadFile();
  for (const std::string& bad :
       {contents.substr(0, 63), contents.substr(0, 32), std::string(), contents + "x"}) {
    WriteFile(bad, 0600);
    EXPECT_EQ(LoadOrCreateBoxKeyFile(key_path_).status().code(), StatusCode::kDataLoss)
        << bad.size() << " bytes";
  }
}

TEST_F(EscrowKeyFileTest, RefusesAPublicKeyThatDoesNotMatch) {
  ASSERT_OK(LoadOrCreateBoxKeyFile(key_path_));
  std::string contents = ReadFile();
  contents.back() ^= 1;
  WriteFile(contents, 0600);
  const Status status = LoadOrCreateBoxKeyFile(key_path_).status();
  EXPECT_EQ(status.code(), StatusCode::kDataLoss) << status;
}

TEST_F(EscrowKeyFileTest, ReportsAMissingDirectory) {
  const Status status = LoadOrCreateBoxKeyFile(dir_ / "missing" / "escrow.key").status();
  EXPECT_TRUE(status.IsNotFound()) << status;
  EXPECT_NE(status.message().find("No such file or directory"), std::string::npos) << status;
}

TEST_F(EscrowKeyFileTest, RefusesADirectory) {
  fs::create_directory(key_path_);
  EXPECT_TRUE(LoadOrCreateBoxKeyFile(key_path_).status().IsFailedPrecondition());
}

}  // namespace
}  // namespace openlaps::crypto
