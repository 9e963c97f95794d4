#include "os/durable_file.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <random>

#include "testing/status_matchers.h"

namespace openlaps::os {
namespace {

namespace fs = std::filesystem;

DurableWriteOptions KeepExisting() {
  DurableWriteOptions options;
  options.if_exists = IfExists::kKeep;
  return options;
}

DurableWriteOptions WithTemp(fs::path temp) {
  DurableWriteOptions options;
  options.temp_path = std::move(temp);
  return options;
}

class DurableFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("openlaps_os_test_" + std::to_string(std::random_device()()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path dir_;
};

TEST_F(DurableFileTest, ReplacesAnExistingFile) {
  ASSERT_OK(WriteFileDurably(dir_ / "state", "one"));
  ASSERT_OK(WriteFileDurably(dir_ / "state", "two"));
  ASSERT_OK_AND_ASSIGN(std::string text, ReadWholeFile(dir_ / "state"));
  EXPECT_EQ(text, "two");
}

TEST_F(DurableFileTest, KeepRefusesToClobberAndLeavesTheOldContent) {
  ASSERT_OK(WriteFileDurably(dir_ / "key", "first"));
  Status second = WriteFileDurably(dir_ / "key", "second", KeepExisting());
  EXPECT_EQ(second.code(), StatusCode::kAlreadyExists) << second;
  ASSERT_OK_AND_ASSIGN(std::string text, ReadWholeFile(dir_ / "key"));
  EXPECT_EQ(text, "first");
  EXPECT_EQ(std::distance(fs::directory_iterator(dir_), fs::directory_iterator()), 1);
  ASSERT_OK(WriteFileDurably(dir_ / "new-key", "k", KeepExisting()));
  ASSERT_OK_AND_ASSIGN(std::string key, ReadWholeFile(dir_ / "new-key"));
  EXPECT_EQ(key, "k");
}

TEST_F(DurableFileTest, AFailedWriteLeavesTheTargetAndNoTemp) {
  ASSERT_OK(WriteFileDurably(dir_ / "state", "old"));
  Status failed = WriteFileDurably(dir_ / "state", "new", WithTemp(dir_ / "missing" / "t"));
  EXPECT_EQ(failed.code(), StatusCode::kNotFound) << failed;
  ASSERT_OK_AND_ASSIGN(std::string text, ReadWholeFile(dir_ / "state"));
  EXPECT_EQ(text, "old");
}

TEST_F(DurableFileTest, ReadStopsAtTheLimit) {
  ASSERT_OK(WriteFileDurably(dir_ / "big", std::string(100, 'x')));
  EXPECT_EQ(ReadWholeFile(dir_ / "big", 99).status().code(), StatusCode::kFailedPrecondition);
  ASSERT_OK_AND_ASSIGN(std::string text, ReadWholeFile(dir_ / "big", 100));
  EXPECT_EQ(text.size(), 100u);
  EXPECT_EQ(ReadWholeFile(dir_ / "absent").status().code(), StatusCode::kNotFound);
}

TEST_F(DurableFileTest, RemoveIsOkWhenAbsent) {
  ASSERT_OK(WriteFileDurably(dir_ / "state", "x"));
  ASSERT_OK(RemoveFileDurably(dir_ / "state"));
  EXPECT_FALSE(fs::exists(dir_ / "state"));
  ASSERT_OK(RemoveFileDurably(dir_ / "state"));
}

}  // namespace
}  // namespace openlaps::os
