#include "agent/platform/linux/linux_account_backend.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "crypto/csprng.h"
#include "testing/status_matchers.h"

namespace openlaps::agent {
namespace {

constexpr std::string_view kPasswd =
    "admin:x:0:0:renamed built-in admin:/root:/bin/bash\n"
    "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"
    "alice:x:1000:1000:Alice:/home/alice:/bin/bash\n"
    "lapsadmin:x:1001:1001::/home/lapsadmin:/bin/bash\n"
    "nohash:x:1002:1002::/home/nohash:/bin/sh\n";
constexpr std::string_view kShadowHead =
    "admin:!:19000:0:99999:7:::\n"
    "daemon:*:19000:0:99999:7:::\n"
    "alice:$6$abcdefgh$0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ:19000:0:"
    "99999:7:::\n";
constexpr std::string_view kShadowTail = "# a comment the tools keep\n";

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void WriteFile(const std::filesystem::path& path, std::string_view text, unsigned mode) {
  std::ofstream(path, std::ios::binary) << text;
  std::filesystem::permissions(path, static_cast<std::filesystem::perms>(mode));
}

// The shadow line of `name`, split into fields.
std::vector<std::string> ShadowFields(const std::string& shadow, const std::string& name) {
  std::istringstream in(shadow);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(name + ":", 0) != 0) continue;
    std::vector<std::string> fields;
    std::istringstream parts(line);
    for (std::string f; std::getline(parts, f, ':');) fields.push_back(f);
    return fields;
  }
  return {};
}

class LinuxAccountBackendTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = std::filesystem::path(::testing::TempDir()) / ("root-" + crypto::RandomToken(6));
    std::filesystem::create_directories(root_ / "etc");
    WriteFile(root_ / "etc/passwd", kPasswd, 0644);
    WriteShadow("lapsadmin:$6$saltsalt$oldhash:19000:0:99999:7:::\n");
  }
  void TearDown() override { std::filesystem::remove_all(root_); }

  void WriteShadow(std::string_view managed_line) {
    shadow_ = std::string(kShadowHead) + std::string(managed_line) + std::string(kShadowTail);
    WriteFile(root_ / "etc/shadow", shadow_, 0640);
  }

  LinuxAccountBackend Backend(std::function<void()> while_locked = {}) {
    return LinuxAccountBackend({.root = root_, .while_locked = std::move(while_locked)}, clock_);
  }

  // 2026-03-11T00:00:00Z is day 20523 since the epoch.
  core::ManualClock clock_{core::Timestamp(std::chrono::days(20523))};
  std::filesystem::path root_;
  std::string shadow_;
};

TEST_F(LinuxAccountBackendTest, FindsTheNamedAccountWithItsSambaSid) {
  auto backend = Backend();
  ASSERT_OK_AND_ASSIGN(ManagedAccount account, backend.FindAccount("lapsadmin"));
  EXPECT_EQ(account, (ManagedAccount{"lapsadmin", 1001, "S-1-22-1-1001"}));
}

TEST_F(LinuxAccountBackendTest, BlankNameFindsTheBuiltInAdminByUidZeroEvenWhenRenamed) {
  auto backend = Backend();
  ASSERT_OK_AND_ASSIGN(ManagedAccount account, backend.FindAccount(""));
  EXPECT_EQ(account, (ManagedAccount{"admin", 0, "S-1-22-1-0"}));
}

TEST_F(LinuxAccountBackendTest, MissingAccountIsNotFoundAndNothingIsCreated) {
  auto backend = Backend();
  auto found = backend.FindAccount("ghost");
  ASSERT_FALSE(found.ok());
  EXPECT_TRUE(found.status().IsNotFound());
  EXPECT_EQ(found.status().message(), "account 'ghost' not found");
  Status set =
      backend.SetPassword({"ghost", 4242, "S-1-22-1-4242"}, core::SecretString("Some-Password-1"));
  EXPECT_TRUE(set.IsNotFound()) << set;
  EXPECT_EQ(ReadFile(root_ / "etc/passwd"), kPasswd);
  EXPECT_EQ(ReadFile(root_ / "etc/shadow"), shadow_);
  EXPECT_EQ(backend.CreateAccount({"ghost", true}).status().code(), StatusCode::kUnimplemented);
}

TEST_F(LinuxAccountBackendTest, SetThenVerifyRewritesOnlyTheManagedEntry) {
  auto backend = Backend();
  ManagedAccount account{"lapsadmin", 1001, "S-1-22-1-1001"};
  ASSERT_OK(backend.SetPassword(account, core::SecretString("Correct-Horse-Battery-1")));

  std::string shadow = ReadFile(root_ / "etc/shadow");
  std::vector<std::string> fields = ShadowFields(shadow, "lapsadmin");
  ASSERT_EQ(fields.size(), 8u) << "empty trailing fields are kept";
  EXPECT_TRUE(fields[1].rfind("$y$", 0) == 0 || fields[1].rfind("$6$", 0) == 0) << fields[1];
  EXPECT_EQ(fields[2], "20523") << "last change = days since the epoch";
  EXPECT_EQ(fields[3], "0");
  EXPECT_EQ(fields[4], "99999");
  EXPECT_EQ(shadow.find("Correct-Horse"), std::string::npos);
  // Every other line byte-identical, in place.
  std::string expected = std::string(kShadowHead) + "lapsadmin:" + fields[1] +
                         ":20523:0:99999:7:::\n" + std::string(kShadowTail);
  EXPECT_EQ(shadow, expected);

  struct stat st {};
  ASSERT_EQ(::stat((root_ / "etc/shadow").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0640u) << "mode preserved";
  EXPECT_EQ(st.st_uid, ::getuid());
  EXPECT_FALSE(std::filesystem::exists(root_ / "etc/nshadow"));
  EXPECT_TRUE(std::filesystem::exists(root_ / "etc/.pwd.lock"));

  EXPECT_EQ(backend.VerifyPassword(account, core::SecretString("Correct-Horse-Battery-1")).value(),
            true);
  EXPECT_EQ(backend.VerifyPassword(account, core::SecretString("Correct-Horse-Battery-2")).value(),
            false);
}

TEST_F(LinuxAccountBackendTest, WritesUnderTheShadowToolsLock) {
  // While the backend holds the lock, another process must not get it
  // (fcntl locks only conflict between processes, hence the child).
  int child_status = -1;
  auto backend = Backend([&] {
    pid_t pid = ::fork();
    if (pid == 0) {
      int fd = ::open((root_ / "etc/.pwd.lock").c_str(), O_WRONLY);
      struct flock lock {};
      lock.l_type = F_WRLCK;
      lock.l_whence = SEEK_SET;
      bool held_elsewhere =
          fd >= 0 && ::fcntl(fd, F_SETLK, &lock) != 0 && (errno == EAGAIN || errno == EACCES);
      ::_exit(held_elsewhere ? 7 : 1);
    }
    ::waitpid(pid, &child_status, 0);
  });
  ASSERT_OK(backend.SetPassword({"lapsadmin", 1001, ""}, core::SecretString("Locked-Write-1")));
  ASSERT_TRUE(WIFEXITED(child_status));
  EXPECT_EQ(WEXITSTATUS(child_status), 7) << "the lock was free during the rewrite";
}

TEST_F(LinuxAccountBackendTest, KeepsALockedAccountLocked) {
  WriteShadow("lapsadmin:!$6$saltsalt$oldhash:19000:0:99999:7:::\n");
  auto backend = Backend();
  ManagedAccount account{"lapsadmin", 1001, "S-1-22-1-1001"};
  ASSERT_OK(backend.SetPassword(account, core::SecretString("Still-Locked-1")));
  std::vector<std::string> fields = ShadowFields(ReadFile(root_ / "etc/shadow"), "lapsadmin");
  ASSERT_GE(fields.size(), 2u);
  EXPECT_EQ(fields[1][0], '!');
  EXPECT_TRUE(backend.VerifyPassword(account, core::SecretString("Still-Locked-1")).value());
}

TEST_F(LinuxAccountBackendTest, ReplacesAPasswordlessMarkerAndKeepsAMissingFinalNewline) {
  std::string shadow = std::string(kShadowHead) + "lapsadmin:*:19000::::::";
  WriteFile(root_ / "etc/shadow", shadow, 0600);
  auto backend = Backend();
  ManagedAccount account{"lapsadmin", 1001, "S-1-22-1-1001"};
  EXPECT_FALSE(backend.VerifyPassword(account, core::SecretString("anything")).value());
  ASSERT_OK(backend.SetPassword(account, core::SecretString("Fresh-Password-1")));
  std::string written = ReadFile(root_ / "etc/shadow");
  EXPECT_EQ(written.back(), ':');
  EXPECT_TRUE(backend.VerifyPassword(account, core::SecretString("Fresh-Password-1")).value());
}

TEST_F(LinuxAccountBackendTest, AccountWithoutShadowEntryCannotBeManaged) {
  auto backend = Backend();
  Status set = backend.SetPassword({"nohash", 1002, ""}, core::SecretString("Password-1"));
  EXPECT_TRUE(set.IsFailedPrecondition()) << set;
  EXPECT_EQ(set.message(), "account 'nohash' has no shadow entry");
  EXPECT_TRUE(
      backend.VerifyPassword({"nohash", 1002, ""}, core::SecretString("x")).status().IsNotFound());
}

TEST_F(LinuxAccountBackendTest, RefusesPasswordsCryptCannotTake) {
  auto backend = Backend();
  EXPECT_TRUE(
      backend.SetPassword({"lapsadmin", 1001, ""}, core::SecretString("")).IsInvalidArgument());
  EXPECT_TRUE(
      backend.SetPassword({"lapsadmin", 1001, ""}, core::SecretString(std::string_view("a\0b", 3)))
          .IsInvalidArgument());
  EXPECT_EQ(ReadFile(root_ / "etc/shadow"), shadow_);
}

TEST_F(LinuxAccountBackendTest, PlatformFactoryNeedsAnAccountDatabase) {
  EXPECT_OK(CreatePlatformAccountBackend(root_, clock_));
  EXPECT_TRUE(CreatePlatformAccountBackend(root_ / "nowhere", clock_).status().IsNotFound());
}

TEST(UnixUserSidTest, FollowsSambasMapping) {
  EXPECT_EQ(UnixUserSid(0), "S-1-22-1-0");
  EXPECT_EQ(UnixUserSid(1001), "S-1-22-1-1001");
}

}  // namespace
}  // namespace openlaps::agent
