// ActiveDirectoryBackup: BackupDirectory = 2. The password goes to this
// computer's own object in Active Directory (Windows LAPS's msLAPS-Password
// and msLAPS-PasswordExpirationTime, or the legacy ms-Mcs-AdmPwd pair), in
// one modify, written as the computer itself; lapsd gets a record of the
// rotation without the password, so the console, reports and device actions
// work as for any device.
//
// Active Directory has no pending slot: EscrowPending replaces the password
// there at once (KeepsPending() is false), and the rotator rolls a crashed
// rotation forward rather than back.
//
// Not thread-safe: the agent's loop is its only user.
#ifndef OPENLAPS_AGENT_ACTIVE_DIRECTORY_ACTIVE_DIRECTORY_BACKUP_H_
#define OPENLAPS_AGENT_ACTIVE_DIRECTORY_ACTIVE_DIRECTORY_BACKUP_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "agent/active_directory/directory_connection.h"
#include "agent/active_directory/windows_laps_attributes.h"
#include "agent/backup_directory_client.h"
#include "agent/device_client.h"
#include "core/policy_settings.h"

namespace openlaps::agent {

// What the computer object says about the managed password.
struct DirectoryPasswordState {
  // Absent: nothing backed up yet, or an admin cleared it.
  std::optional<core::Timestamp> expiration;
  // msLAPS-CurrentPasswordVersion (Windows LAPS attributes only).
  std::optional<ad::PasswordVersion> version;
};

class ActiveDirectoryBackup final : public BackupDirectoryClient {
 public:
  using Connector = std::function<Result<std::unique_ptr<ad::DirectoryConnection>>()>;

  // `lapsd` and `clock` must outlive this object.
  ActiveDirectoryBackup(Connector connect, DeviceClient& lapsd, const core::Clock& clock);

  // The policy the next writes follow: which attributes, the password age.
  void UseSettings(const core::LapsSettings& settings);

  Status EscrowPending(std::string_view rotation_id, const ManagedAccount& account,
                       const core::SecretString& password) override;
  // Reports the rotation to lapsd; returns the expiry written to AD.
  Result<std::optional<core::Timestamp>> Commit(std::string_view rotation_id) override;
  Status Abandon(std::string_view rotation_id) override;
  bool KeepsPending() const override { return false; }

  // The expiry (an admin may have moved it, as Reset-LapsPassword does) and
  // the password version on the computer object now.
  Result<DirectoryPasswordState> ReadPasswordState();

 private:
  const ad::LapsAttributeNames& Attributes() const;
  // This computer's object, with `attributes` read.
  Result<ad::DirectoryEntry> FindComputer(ad::DirectoryConnection& connection,
                                          std::span<const std::string_view> attributes);

  Connector connect_;
  DeviceClient& lapsd_;
  const core::Clock& clock_;
  bool legacy_attributes_ = false;
  int password_age_days_ = 30;
  std::string written_rotation_;  // the last rotation written to AD, and its expiry
  core::Timestamp written_expiration_{};
};

}  // namespace openlaps::agent

#endif  // OPENLAPS_AGENT_ACTIVE_DIRECTORY_ACTIVE_DIRECTORY_BACKUP_H_
