#include "agent/fault_injecting_account_backend.h"

#include <gtest/gtest.h>

#include "testing/status_matchers.h"

namespace openlaps::agent {
namespace {

// Remembers the last password set; verifies against it.
class FakeBackend final : public AccountBackend {
 public:
  Result<ManagedAccount> FindAccount(std::string_view name) override {
    return ManagedAccount{std::string(name), 7, "S-1-22-1-7"};
  }
  Status SetPassword(const ManagedAccount&, const core::SecretString& password) override {
    password_ = password.Clone();
    return Status::Ok();
  }
  Result<bool> VerifyPassword(const ManagedAccount&, const core::SecretString& password) override {
    return password == password_;
  }
  Result<ManagedAccount> CreateAccount(const AccountCreation&) override {
    return Status(StatusCode::kUnimplemented, "no");
  }
  core::SecretString password_;
};

TEST(FaultInjectingAccountBackendTest, FailsOnlyTheNthCallWithoutReachingTheTarget) {
  FakeBackend fake;
  FaultInjectingAccountBackend faulty(fake);
  faulty.FailNth(AccountOp::kSetPassword, 2, UnavailableError("injected"));
  ManagedAccount account{"a", 7, ""};
  ASSERT_OK(faulty.SetPassword(account, core::SecretString("one")));
  EXPECT_EQ(faulty.SetPassword(account, core::SecretString("two")), UnavailableError("injected"));
  EXPECT_EQ(fake.password_.Reveal(), "one");
  ASSERT_OK(faulty.SetPassword(account, core::SecretString("three")));
  EXPECT_EQ(fake.password_.Reveal(), "three");
  EXPECT_EQ(faulty.calls(AccountOp::kSetPassword), 3);
  EXPECT_EQ(faulty.calls(AccountOp::kVerify), 0);
}

TEST(FaultInjectingAccountBackendTest, CrashAfterAStepKeepsItsEffect) {
  FakeBackend fake;
  FaultInjectingAccountBackend faulty(fake);
  int hooks = 0;
  faulty.AfterNth(AccountOp::kSetPassword, 1, [&] {
    ++hooks;
    return Status(StatusCode::kAborted, "crashed after set");
  });
  ManagedAccount account{"a", 7, ""};
  Status set = faulty.SetPassword(account, core::SecretString("new"));
  EXPECT_EQ(set.code(), StatusCode::kAborted);
  EXPECT_EQ(hooks, 1);
  EXPECT_TRUE(faulty.VerifyPassword(account, core::SecretString("new")).value());
  faulty.FailNth(AccountOp::kVerify, 2, UnavailableError("disk"));
  EXPECT_TRUE(faulty.VerifyPassword(account, core::SecretString("new")).status().IsUnavailable());
}

}  // namespace
}  // namespace openlaps::agent
