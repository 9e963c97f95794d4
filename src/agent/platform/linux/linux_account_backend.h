// LinuxAccountBackend: the managed account in <root>/etc/passwd and
// <root>/etc/shadow (the AccountBackend contract is in account_backend.h).
//
// Setting a password writes a yescrypt hash ("$y$", SHA-512 "$6$" when the
// libcrypt has no yescrypt) into the account's shadow entry and sets its
// last-change field to today (days since 1970-01-01 by the injected clock),
// under the lock the shadow tools take (lckpwdf's fcntl write lock on
// <root>/etc/.pwd.lock, taken the same way for a scratch root), by writing
// <root>/etc/nshadow with the shadow file's mode and owner, fsyncing it,
// renaming it over shadow and fsyncing /etc. Every other line stays
// byte-identical. A "!" lock prefix (usermod -L) in front of a hash is kept:
// a locked account stays locked with its new password.
#ifndef OPENLAPS_AGENT_PLATFORM_LINUX_LINUX_ACCOUNT_BACKEND_H_
#define OPENLAPS_AGENT_PLATFORM_LINUX_LINUX_ACCOUNT_BACKEND_H_

#include <filesystem>
#include <functional>
#include <mutex>
#include <string>

#include "agent/account_backend.h"

namespace openlaps::agent {

class LinuxAccountBackend final : public AccountBackend {
 public:
  struct Options {
    std::filesystem::path root = "/";
    // Tests only: runs while the shadow lock is held, before the rewrite.
    std::function<void()> while_locked;
  };

  LinuxAccountBackend(Options options, const core::Clock& clock);

  Result<ManagedAccount> FindAccount(std::string_view name) override;
  Status SetPassword(const ManagedAccount& account, const core::SecretString& password) override;
  Result<bool> VerifyPassword(const ManagedAccount& account,
                              const core::SecretString& password) override;
  Result<ManagedAccount> CreateAccount(const AccountCreation& creation) override;

  std::filesystem::path passwd_path() const { return options_.root / "etc/passwd"; }
  std::filesystem::path shadow_path() const { return options_.root / "etc/shadow"; }
  std::filesystem::path lock_path() const { return options_.root / "etc/.pwd.lock"; }

 private:
  Options options_;
  const core::Clock& clock_;
  std::mutex write_mu_;  // fcntl locks do not exclude threads of one process
};

// "S-1-22-1-<uid>", Samba's SID for a Unix user.
std::string UnixUserSid(std::int64_t uid);

}  // namespace openlaps::agent

#endif  // OPENLAPS_AGENT_PLATFORM_LINUX_LINUX_ACCOUNT_BACKEND_H_
