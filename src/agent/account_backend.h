// AccountBackend: the one local account the agent manages, behind an
// interface each platform implements (DESIGN.md §2, STYLE.md "Platform
// code"). The Linux implementation is in platform/linux/; CMake picks the
// platform, shared code never tests for it.
//
// Contract for every implementation:
// - Expected failures are returned, never thrown: NotFound when the account
//   does not exist (nothing is created), FailedPrecondition when it exists
//   but cannot be managed (e.g. no shadow entry), Unavailable/Internal for
//   OS and I/O errors. Messages name the account, never a password.
// - SetPassword is atomic: after it returns, whatever the result, the
//   account holds either the old or the new password, never a mix; a
//   failure may still have applied the new one (a crash after the rename),
//   which is why the rotation journal verifies instead of trusting results.
// - Passwords are only read through SecretString and never logged.
// - Thread safety: every method may be called from any thread; an
//   implementation serialises its own writes and takes the OS's account
//   database lock against other processes.
#ifndef OPENLAPS_AGENT_ACCOUNT_BACKEND_H_
#define OPENLAPS_AGENT_ACCOUNT_BACKEND_H_

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/secret.h"
#include "core/status.h"

namespace openlaps::agent {

// The managed account as the escrow and the console show it.
struct ManagedAccount {
  std::string name;
  std::int64_t uid = 0;  // Unix uid; the RID on Windows
  std::string sid;       // Linux: Samba's mapping "S-1-22-1-<uid>"

  friend bool operator==(const ManagedAccount&, const ManagedAccount&) = default;
};

// What automatic account management asks for (LAPS-REFERENCE.md §1).
struct AccountCreation {
  std::string name;
  bool enabled = false;
};

class AccountBackend {
 public:
  virtual ~AccountBackend() = default;

  // The account named `name`, or the built-in administrator when `name` is
  // empty (Linux: the first account with uid 0). NotFound ("account 'x' not
  // found") when there is none.
  virtual Result<ManagedAccount> FindAccount(std::string_view name) = 0;

  // Sets `password` on `account` (found by name). NotFound when it vanished;
  // InvalidArgument for a password the platform cannot store (e.g. NUL).
  virtual Status SetPassword(const ManagedAccount& account, const core::SecretString& password) = 0;

  // Whether `password` opens `account` now. false (not an error) for a wrong
  // password or a locked/passwordless entry; a Status only when the account
  // database cannot be read or the account is gone.
  virtual Result<bool> VerifyPassword(const ManagedAccount& account,
                                      const core::SecretString& password) = 0;

  // Automatic account management only: the caller must check that the
  // policy enables it; the agent never creates an account otherwise.
  // Unimplemented until a backend supports it.
  virtual Result<ManagedAccount> CreateAccount(const AccountCreation& creation) = 0;
};

// The backend of the platform this agent was built for, over the account
// database under `root` ("/" in production; a scratch root in tests). The
// clock dates password changes.
Result<std::unique_ptr<AccountBackend>> CreatePlatformAccountBackend(
    const std::filesystem::path& root, const core::Clock& clock);

}  // namespace openlaps::agent

#endif  // OPENLAPS_AGENT_ACCOUNT_BACKEND_H_
