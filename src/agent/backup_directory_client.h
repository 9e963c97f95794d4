// BackupDirectoryClient: where the agent escrows passwords (DESIGN.md §2:
// one backup-directory interface; lapsd today, LDAP/Active Directory
// later). Every call is idempotent and keyed by the rotation id, so the
// rotator retries any of them after a failure or a crash.
//
// Thread safety: as the implementation's transport (LapsdBackupDirectory:
// one thread at a time, like DeviceClient).
#ifndef OPENLAPS_AGENT_BACKUP_DIRECTORY_CLIENT_H_
#define OPENLAPS_AGENT_BACKUP_DIRECTORY_CLIENT_H_

#include <optional>
#include <string_view>

#include "agent/account_backend.h"
#include "agent/device_client.h"
#include "core/clock.h"
#include "core/policy_settings.h"
#include "core/secret.h"
#include "core/status.h"

namespace openlaps::agent {

class BackupDirectoryClient {
 public:
  virtual ~BackupDirectoryClient() = default;

  // Stores `password` as pending for `rotation_id`, next to the current
  // one. Repeating it for the same rotation id is harmless.
  virtual Status EscrowPending(std::string_view rotation_id, const ManagedAccount& account,
                               const core::SecretString& password) = 0;
  // Makes the pending password current; repeating it is harmless. Returns
  // the next planned rotation when the directory says.
  virtual Result<std::optional<core::Timestamp>> Commit(std::string_view rotation_id) = 0;
  // Drops the pending password. OK when the directory never saw it;
  // FailedPrecondition when it was already committed.
  virtual Status Abandon(std::string_view rotation_id) = 0;

  // Whether EscrowPending keeps P' beside the current password (lapsd) or
  // replaces it at once (Active Directory has one attribute). Without a
  // pending slot a journaled rotation can only be finished, not undone.
  virtual bool KeepsPending() const { return true; }
};

// The directories this agent can back up to; the rotator picks one by the
// policy's BackupDirectory. Null: not available to this agent.
struct BackupDirectories {
  BackupDirectoryClient* cloud = nullptr;
  BackupDirectoryClient* active_directory = nullptr;

  Result<BackupDirectoryClient*> For(core::BackupDirectory which) const;
};

// lapsd's /device/v1/credentials through a DeviceClient (which must outlive it).
class LapsdBackupDirectory final : public BackupDirectoryClient {
 public:
  explicit LapsdBackupDirectory(DeviceClient& client) : client_(client) {}

  Status EscrowPending(std::string_view rotation_id, const ManagedAccount& account,
                       const core::SecretString& password) override;
  Result<std::optional<core::Timestamp>> Commit(std::string_view rotation_id) override;
  Status Abandon(std::string_view rotation_id) override;

 private:
  DeviceClient& client_;
};

}  // namespace openlaps::agent

#endif  // OPENLAPS_AGENT_BACKUP_DIRECTORY_CLIENT_H_
