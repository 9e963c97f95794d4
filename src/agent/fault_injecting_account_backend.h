// FaultInjectingAccountBackend: wraps a real AccountBackend for tests and
// injects failures (leveldb's ErrorEnv, Beast's fail_count):
// - FailNth(op, n, status): the n-th call (1-based) of `op` returns `status`
//   without reaching the wrapped backend;
// - AfterNth(op, n, hook): the n-th call of `op` reaches the wrapped backend
//   and then runs `hook`; a non-OK result replaces the call's result, as if
//   the process had died right after the step took effect (a hook may also
//   really kill the process).
// Calls are counted per operation. Test-only; thread-safe.
#ifndef OPENLAPS_AGENT_FAULT_INJECTING_ACCOUNT_BACKEND_H_
#define OPENLAPS_AGENT_FAULT_INJECTING_ACCOUNT_BACKEND_H_

#include <array>
#include <functional>
#include <map>
#include <mutex>

#include "agent/account_backend.h"

namespace openlaps::agent {

enum class AccountOp { kFind, kSetPassword, kVerify, kCreate };

class FaultInjectingAccountBackend final : public AccountBackend {
 public:
  using Hook = std::function<Status()>;

  // `target` must outlive this wrapper.
  explicit FaultInjectingAccountBackend(AccountBackend& target) : target_(target) {}

  void FailNth(AccountOp op, int n, Status status);
  void AfterNth(AccountOp op, int n, Hook hook);
  int calls(AccountOp op) const;

  Result<ManagedAccount> FindAccount(std::string_view name) override;
  Status SetPassword(const ManagedAccount& account, const core::SecretString& password) override;
  Result<bool> VerifyPassword(const ManagedAccount& account,
                              const core::SecretString& password) override;
  Result<ManagedAccount> CreateAccount(const AccountCreation& creation) override;

 private:
  struct Plan {
    std::optional<Status> failure;
    Hook after;
  };
  // Counts the call; returns what is planned for it.
  Plan Next(AccountOp op);
  template <typename R>
  R Run(AccountOp op, const std::function<R()>& call);

  AccountBackend& target_;
  mutable std::mutex mu_;
  std::array<int, 4> calls_{};                            // GUARDED_BY(mu_)
  std::map<std::pair<AccountOp, int>, Status> failures_;  // GUARDED_BY(mu_)
  std::map<std::pair<AccountOp, int>, Hook> after_;       // GUARDED_BY(mu_)
};

}  // namespace openlaps::agent

#endif  // OPENLAPS_AGENT_FAULT_INJECTING_ACCOUNT_BACKEND_H_
