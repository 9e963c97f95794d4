#include "agent/backup_directory_client.h"

namespace openlaps::agent {

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
