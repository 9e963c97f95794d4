#include "agent/backup_directory_client.h"

namespace openlaps::agent {

Result<BackupDirectoryClient*> BackupDirectories::For(core::BackupDirectory which) const {
  BackupDirectoryClient* client = nullptr;
  switch (which) {
    case core::BackupDirectory::kCloud:
      client = cloud;
      break;
    case core::BackupDirectory::kActiveDirectory:
      client = active_directory;
      break;
    case core::BackupDirectory::kDisabled:
      break;
  }
  if (client == nullptr) {
    return FailedPreconditionError("this agent cannot back up to backup directory " +
                                   std::to_string(static_cast<std::int64_t>(which)));
  }
  return client;
}

Status LapsdBackupDirectory::EscrowPending(std::string_view rotation_id,
                                           const ManagedAccount& account,
                                           const core::SecretString& password) {
  return client_.EscrowPending(rotation_id, account.name, account.sid, password).status();
}

Result<std::optional<core::Timestamp>> LapsdBackupDirectory::Commit(std::string_view rotation_id) {
  OPENLAPS_ASSIGN_OR_RETURN(nlohmann::json raw, client_.Commit(rotation_id));
  auto answer = protocol::CredentialAnswer::FromJson(raw);
  if (!answer.ok()) return InternalError("lapsd's " + answer.status().message());
  return answer->next_rotation;
}

Status LapsdBackupDirectory::Abandon(std::string_view rotation_id) {
  // lapsd treats abandoning a rotation it never stored as done.
  return client_.Abandon(rotation_id).status();
}

}  // namespace openlaps::agent
