#include "agent/fault_injecting_account_backend.h"

namespace openlaps::agent {

namespace {

Status StatusOf(const Status& s) { return s; }
template <typename T>
Status StatusOf(const Result<T>& r) {
  return r.status();
}

}  // namespace

void FaultInjectingAccountBackend::FailNth(AccountOp op, int n, Status status) {
  std::lock_guard<std::mutex> lock(mu_);
  failures_.insert_or_assign({op, n}, std::move(status));
}

void FaultInjectingAccountBackend::AfterNth(AccountOp op, int n, Hook hook) {
  std::lock_guard<std::mutex> lock(mu_);
  after_.insert_or_assign({op, n}, std::move(hook));
}

int FaultInjectingAccountBackend::calls(AccountOp op) const {
  std::lock_guard<std::mutex> lock(mu_);
  return calls_[static_cast<std::size_t>(op)];
}

FaultInjectingAccountBackend::Plan FaultInjectingAccountBackend::Next(AccountOp op) {
  std::lock_guard<std::mutex> lock(mu_);
  int n = ++calls_[static_cast<std::size_t>(op)];
  Plan plan;
  if (auto it = failures_.find({op, n}); it != failures_.end()) plan.failure = it->second;
  if (auto it = after_.find({op, n}); it != after_.end()) plan.after = it->second;
  return plan;
}

template <typename R>
R FaultInjectingAccountBackend::Run(AccountOp op, const std::function<R()>& call) {
  Plan plan = Next(op);
  if (plan.failure) return *plan.failure;
  R result = call();
  if (plan.after && StatusOf(result).ok()) {
    Status crashed = plan.after();
    if (!crashed.ok()) return crashed;
  }
  return result;
}

Result<ManagedAccount> FaultInjectingAccountBackend::FindAccount(std::string_view name) {
  return Run<Result<ManagedAccount>>(AccountOp::kFind, [&]() { return target_.FindAccount(name); });
}

Status FaultInjectingAccountBackend::SetPassword(const ManagedAccount& account,
                                                 const core::SecretString& password) {
  return Run<Status>(AccountOp::kSetPassword,
                     [&]() { return target_.SetPassword(account, password); });
}

Result<bool> FaultInjectingAccountBackend::VerifyPassword(const ManagedAccount& account,
                                                          const core::SecretString& password) {
  return Run<Result<bool>>(AccountOp::kVerify,
                           [&]() { return target_.VerifyPassword(account, password); });
}

Result<ManagedAccount> FaultInjectingAccountBackend::CreateAccount(
    const AccountCreation& creation) {
  return Run<Result<ManagedAccount>>(AccountOp::kCreate,
                                     [&]() { return target_.CreateAccount(creation); });
}

}  // namespace openlaps::agent
