#include "agent/authentication_records.h"

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

using std::chrono::seconds;

core::Timestamp At(std::int64_t unix_seconds) { return core::Timestamp(seconds(unix_seconds)); }

utmp Record(short type, const char* user, std::int64_t unix_seconds) {
  utmp record;
  std::memset(&record, 0, sizeof record);
  record.ut_type = type;
  std::memcpy(record.ut_user, user, std::min(std::strlen(user), sizeof record.ut_user));
  std::memcpy(record.ut_line, "pts/0", 5);
  record.ut_tv.tv_sec = static_cast<std::int32_t>(unix_seconds);
  return record;
}

class AuthenticationRecordsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::path(::testing::TempDir()) / ("auth-" + crypto::RandomToken(6));
    std::filesystem::create_directories(dir_ / "state");
    std::filesystem::create_directories(dir_ / "root/var/log");
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  void WriteWtmp(const std::vector<utmp>& records, std::size_t torn_bytes = 0) {
    std::ofstream out(dir_ / "root/var/log/wtmp", std::ios::binary);
    for (const utmp& r : records) out.write(reinterpret_cast<const char*>(&r), sizeof r);
    out.write(std::string(torn_bytes, 'x').data(), static_cast<std::streamsize>(torn_bytes));
  }

  std::filesystem::path state() const { return dir_ / "state"; }
  std::filesystem::path root() const { return dir_ / "root"; }

  std::filesystem::path dir_;
};

TEST_F(AuthenticationRecordsTest, NotifyMarksOnlySessionsOfTheManagedAccount) {
  struct Case {
    const char* user;
    const char* type;
    bool marks;
  };
  const Case cases[] = {
      {"root", "open_session", true}, {"root", "account", true},
      {"root", "auth", false},        {"root", "close_session", false},
      {"root", "password", false},    {"alice", "open_session", false},
      {"", "open_session", false},
  };
  for (const Case& c : cases) {
    std::filesystem::remove(state() / "last-authentication.json");
    ASSERT_OK_AND_ASSIGN(bool marked,
                         NotifyAuthentication(state(), "root", c.user, c.type, At(1000)));
    EXPECT_EQ(marked, c.marks) << c.user << " " << c.type;
    ASSERT_OK_AND_ASSIGN(auto mark, ReadAuthenticationMark(state()));
    EXPECT_EQ(mark.has_value(), c.marks) << c.user << " " << c.type;
    if (mark) {
      EXPECT_EQ(mark->account, "root");
      EXPECT_EQ(mark->at, At(1000));
    }
  }
}

TEST_F(AuthenticationRecordsTest, MalformedMarkIsDataLoss) {
  std::ofstream(state() / "last-authentication.json") << "{\"account\": 3}";
  EXPECT_EQ(ReadAuthenticationMark(state()).status().code(), StatusCode::kDataLoss);
}

TEST_F(AuthenticationRecordsTest, WtmpGivesTheLatestLoginOfTheAccount) {
  ASSERT_OK_AND_ASSIGN(auto none, LastRecordedLogin(root(), "root"));
  EXPECT_FALSE(none.has_value()) << "no wtmp, no logins";

  WriteWtmp({Record(BOOT_TIME, "reboot", 500), Record(USER_PROCESS, "root", 1000),
             Record(USER_PROCESS, "alice", 3000), Record(DEAD_PROCESS, "root", 4000),
             Record(USER_PROCESS, "root", 2000), Record(USER_PROCESS, "rootkit", 5000)},
            /*torn_bytes=*/100);
  ASSERT_OK_AND_ASSIGN(auto root_login, LastRecordedLogin(root(), "root"));
  ASSERT_TRUE(root_login.has_value());
  EXPECT_EQ(*root_login, At(2000));
  ASSERT_OK_AND_ASSIGN(auto alice_login, LastRecordedLogin(root(), "alice"));
  EXPECT_EQ(alice_login, At(3000));
  ASSERT_OK_AND_ASSIGN(auto nobody, LastRecordedLogin(root(), "bob"));
  EXPECT_FALSE(nobody.has_value());
}

TEST_F(AuthenticationRecordsTest, LastAuthenticationTakesTheLaterSource) {
  WriteWtmp({Record(USER_PROCESS, "root", 2000)});
  EXPECT_EQ(LastAuthentication(state(), root(), "root"), At(2000));
  EXPECT_FALSE(LastAuthentication(state(), "", "root").has_value()) << "no root: no wtmp";

  ASSERT_OK(WriteAuthenticationMark(state(), {"root", At(2500)}));
  EXPECT_EQ(LastAuthentication(state(), root(), "root"), At(2500));
  ASSERT_OK(WriteAuthenticationMark(state(), {"root", At(1500)}));
  EXPECT_EQ(LastAuthentication(state(), root(), "root"), At(2000));
  ASSERT_OK(WriteAuthenticationMark(state(), {"alice", At(9000)}));
  EXPECT_EQ(LastAuthentication(state(), root(), "root"), At(2000)) << "another account's mark";
}

}  // namespace
}  // namespace openlaps::agent
