#include "agent/interactive_user.h"

#include <gtest/gtest.h>
#include <utmp.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <vector>

#include "crypto/csprng.h"
#include "testing/status_matchers.h"

namespace openlaps::agent {
namespace {

utmp Session(short type, const char* user, const char* line, const char* host,
             std::int32_t unix_seconds) {
  utmp record;
  std::memset(&record, 0, sizeof record);
  record.ut_type = type;
  std::memcpy(record.ut_user, user, std::min(std::strlen(user), sizeof record.ut_user));
  std::memcpy(record.ut_line, line, std::min(std::strlen(line), sizeof record.ut_line));
  std::memcpy(record.ut_host, host, std::min(std::strlen(host), sizeof record.ut_host));
  record.ut_tv.tv_sec = unix_seconds;
  return record;
}

class InteractiveUserTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = std::filesystem::path(::testing::TempDir()) / ("utmp-" + crypto::RandomToken(6));
    std::filesystem::create_directories(root_ / "run");
  }
  void TearDown() override { std::filesystem::remove_all(root_); }

  void WriteUtmp(const std::vector<utmp>& records, std::size_t torn_bytes = 0) {
    std::ofstream out(root_ / "run/utmp", std::ios::binary);
    for (const utmp& r : records) out.write(reinterpret_cast<const char*>(&r), sizeof r);
    out.write(std::string(torn_bytes, 'x').data(), static_cast<std::streamsize>(torn_bytes));
  }

  std::string SignedIn() {
    auto user = CurrentInteractiveUser(root_, "root");
    EXPECT_OK(user.status());
    return user.ok() ? *user : "<error>";
  }

  std::filesystem::path root_;
};

TEST_F(InteractiveUserTest, NobodyWithoutRecordsOrSessions) {
  EXPECT_EQ(SignedIn(), "");
  WriteUtmp(
      {Session(BOOT_TIME, "reboot", "~", "", 100), Session(DEAD_PROCESS, "ada", "tty1", "", 200)});
  EXPECT_EQ(SignedIn(), "") << "a session that ended is nobody's";
}

TEST_F(InteractiveUserTest, TheConsoleWinsOverANewerRemoteSession) {
  WriteUtmp({Session(USER_PROCESS, "ada", "tty1", "", 100),
             Session(USER_PROCESS, "bob", "pts/0", "192.0.2.7", 300)});
  EXPECT_EQ(SignedIn(), "ada");
  WriteUtmp({Session(USER_PROCESS, "bob", "pts/0", "192.0.2.7", 300),
             Session(USER_PROCESS, "eve", ":0", ":0", 200)});
  EXPECT_EQ(SignedIn(), "eve") << "a local display is the machine's own";
}

TEST_F(InteractiveUserTest, AmongRemoteSessionsTheNewestWins) {
  WriteUtmp({Session(USER_PROCESS, "bob", "pts/0", "192.0.2.7", 300),
             Session(USER_PROCESS, "carol", "pts/1", "192.0.2.8", 400),
             Session(USER_PROCESS, "dave", "pts/2", "192.0.2.9", 350)});
  EXPECT_EQ(SignedIn(), "carol");
}

TEST_F(InteractiveUserTest, TheManagedAccountIsNobodysAndATornRecordIsSkipped) {
  WriteUtmp({Session(USER_PROCESS, "root", "tty1", "", 500),
             Session(USER_PROCESS, "ada", "pts/0", "192.0.2.7", 100)},
            /*torn_bytes=*/sizeof(utmp) - 1);
  EXPECT_EQ(SignedIn(), "ada");
}

TEST(PrincipalNameTest, ASuffixMakesALocalNameAPrincipalName) {
  EXPECT_EQ(AsPrincipalName("ada", "example.com"), "ada@example.com");
  EXPECT_EQ(AsPrincipalName("ada@corp.example", "example.com"), "ada@corp.example");
  EXPECT_EQ(AsPrincipalName("ada", ""), "ada");
  EXPECT_EQ(AsPrincipalName("", "example.com"), "");
}

}  // namespace
}  // namespace openlaps::agent
