#include "crypto/escrow_key_file.h"

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
