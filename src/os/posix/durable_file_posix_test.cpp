// The POSIX parts of durable_file.h: modes, symlinks, descriptors.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "os/durable_file.h"
#include "os/file_descriptor.h"
#include "testing/status_matchers.h"

namespace openlaps::os {
namespace {

namespace fs = std::filesystem;

DurableWriteOptions WithMode(unsigned mode) {
  DurableWriteOptions options;
  options.mode = mode;
  return options;
}

class DurableFilePosixTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("openlaps_os_posix_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  static unsigned ModeOf(const fs::path& path) {
    struct stat st {};
    EXPECT_EQ(::stat(path.c_str(), &st), 0);
    return st.st_mode & 07777;
  }

  fs::path dir_;
};

TEST_F(DurableFilePosixTest, WritesPrivateFileWhateverTheUmask) {
  const mode_t old_umask = ::umask(0);
  Status written = WriteFileDurably(dir_ / "secret", "s3cret");
  ::umask(old_umask);
  ASSERT_OK(written);
  EXPECT_EQ(ModeOf(dir_ / "secret"), 0600u);
  ASSERT_OK_AND_ASSIGN(std::string text, ReadWholeFile(dir_ / "secret"));
  EXPECT_EQ(text, "s3cret");
  EXPECT_FALSE(fs::exists(dir_ / "secret.tmp"));
}

TEST_F(DurableFilePosixTest, ModeIsTheCallersOnReplaceAndOnKeep) {
  ASSERT_OK(WriteFileDurably(dir_ / "state", "one"));
  ASSERT_OK(WriteFileDurably(dir_ / "state", "two", WithMode(0640)));
  EXPECT_EQ(ModeOf(dir_ / "state"), 0640u);
  DurableWriteOptions keep;
  keep.if_exists = IfExists::kKeep;
  ASSERT_OK(WriteFileDurably(dir_ / "new-key", "k", keep));
  EXPECT_EQ(ModeOf(dir_ / "new-key"), 0600u);
}

TEST_F(DurableFilePosixTest, AStaleTempSymlinkIsReplacedNotFollowed) {
  std::ofstream(dir_ / "victim") << "untouched";
  fs::create_symlink(dir_ / "victim", dir_ / "state.tmp");
  ASSERT_OK(WriteFileDurably(dir_ / "state", "new"));
  ASSERT_OK_AND_ASSIGN(std::string victim, ReadWholeFile(dir_ / "victim"));
  EXPECT_EQ(victim, "untouched");
  ASSERT_OK_AND_ASSIGN(std::string text, ReadWholeFile(dir_ / "state"));
  EXPECT_EQ(text, "new");
}

TEST(UniqueFdTest, ClosesOnScopeExitAndMove) {
  int raw = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  ASSERT_GE(raw, 0);
  {
    UniqueFd first(raw);
    UniqueFd second(std::move(first));
    // The moved-from state is what this checks.
    EXPECT_FALSE(first.valid());  // NOLINT(bugprone-use-after-move)
    EXPECT_EQ(second.get(), raw);
  }
  EXPECT_EQ(::fcntl(raw, F_GETFD), -1);  // closed
  UniqueFd fd(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  EXPECT_EQ(fd.Close(), 0);
  EXPECT_FALSE(fd.valid());
}

}  // namespace
}  // namespace openlaps::os
