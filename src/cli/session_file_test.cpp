#include "cli/session_file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

namespace openlaps::cli {
namespace {

class SessionFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = std::filesystem::path(::testing::TempDir()) /
            ("lapsctl-session-" + std::to_string(::getpid()));
    std::filesystem::remove_all(root_);
    dir_ = root_ / "config" / "openlaps";
  }
  void TearDown() override { std::filesystem::remove_all(root_); }

  std::filesystem::path root_;
  std::filesystem::path dir_;
};

TEST_F(SessionFileTest, SavesPrivatelyAndLoadsBack) {
  ASSERT_TRUE(
      SaveSession(dir_, {"http://127.0.0.1:8080", "tok", "2030-01-01T00:00:00Z", "admin"}).ok());
  struct stat st {};
  ASSERT_EQ(::stat(dir_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700);
  ASSERT_EQ(::stat((dir_ / kSessionFileName).c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600);
  EXPECT_FALSE(std::filesystem::exists(dir_ / "lapsctl.json.tmp"));

  auto loaded = LoadSession(dir_);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(loaded->server, "http://127.0.0.1:8080");
  EXPECT_EQ(loaded->token, "tok");
  EXPECT_EQ(loaded->expires, "2030-01-01T00:00:00Z");
  EXPECT_EQ(loaded->user, "admin");

  ASSERT_TRUE(RemoveSession(dir_).ok());
  EXPECT_TRUE(LoadSession(dir_).status().IsNotFound());
  EXPECT_TRUE(RemoveSession(dir_).ok()) << "removing nothing is fine";
}

TEST_F(SessionFileTest, RefusesAFileOthersCanRead) {
  ASSERT_TRUE(SaveSession(dir_, {"http://h:1", "tok", "", "admin"}).ok());
  ASSERT_EQ(::chmod((dir_ / kSessionFileName).c_str(), 0644), 0);
  auto loaded = LoadSession(dir_);
  EXPECT_TRUE(loaded.status().IsFailedPrecondition()) << loaded.status();
}

TEST_F(SessionFileTest, RefusesMalformedFiles) {
  std::filesystem::create_directories(dir_);
  {
    std::ofstream out(dir_ / kSessionFileName);
    out << "{\"server\": 3}";
  }
  ASSERT_EQ(::chmod((dir_ / kSessionFileName).c_str(), 0600), 0);
  EXPECT_TRUE(LoadSession(dir_).status().IsFailedPrecondition());
}

TEST(DefaultConfigDirTest, PrefersXdgThenHome) {
  EXPECT_EQ(DefaultConfigDir("/x", "/home/a"), std::filesystem::path("/x/openlaps"));
  EXPECT_EQ(DefaultConfigDir(std::nullopt, "/home/a"),
            std::filesystem::path("/home/a/.config/openlaps"));
  EXPECT_EQ(DefaultConfigDir("relative", "/home/a"),
            std::filesystem::path("/home/a/.config/openlaps"));
  EXPECT_EQ(DefaultConfigDir(std::nullopt, std::nullopt), std::nullopt);
}

}  // namespace
}  // namespace openlaps::cli
