#include "agent/active_directory/active_directory_backup.h"

#include <array>

namespace openlaps::agent {

ActiveDirectoryBackup::ActiveDirectoryBackup(Connector connect, DeviceClient& lapsd,
                                             const core::Clock& clock)
    : connect_(std::move(connect)), lapsd_(lapsd), clock_(clock) {}

void ActiveDirectoryBackup::UseSettings(const core::LapsSettings& settings) {
  legacy_attributes_ = settings.ad_legacy_laps_attributes_enabled;
  password_age_days_ = settings.password_age_days;
}

const ad::LapsAttributeNames& ActiveDirectoryBackup::Attributes() const {
  return legacy_attributes_ ? ad::kLegacyLapsAttributes : ad::kWindowsLapsAttributes;
}

Result<ad::DirectoryEntry> ActiveDirectoryBackup::FindComputer(
    ad::DirectoryConnection& connection, std::span<const std::string_view> attributes) {
  const std::string& name = connection.machine().sam_account_name;
  const std::string filter =
      "(&(objectClass=computer)(sAMAccountName=" + ad::EscapeFilterValue(name) + "))";
  OPENLAPS_ASSIGN_OR_RETURN(std::optional<ad::DirectoryEntry> entry,
                            connection.FindOne(filter, attributes));
  if (!entry) {
    return FailedPreconditionError("no computer object " + name + " under " +
                                   connection.naming_context());
  }
  return std::move(*entry);
}

Status ActiveDirectoryBackup::EscrowPending(std::string_view rotation_id,
                                            const ManagedAccount& account,
                                            const core::SecretString& password) {
  // lapsd first: a rotation it cannot record is not started in AD either.
  OPENLAPS_RETURN_IF_ERROR(
      lapsd_.RecordDirectoryRotation(rotation_id, account.name, account.sid).status());
  OPENLAPS_ASSIGN_OR_RETURN(std::unique_ptr<ad::DirectoryConnection> connection, connect_());
  OPENLAPS_ASSIGN_OR_RETURN(ad::DirectoryEntry computer, FindComputer(*connection, {}));

  const ad::LapsAttributeNames& names = Attributes();
  const core::Timestamp now = clock_.Now();
  const core::Timestamp expiration = now + std::chrono::days(password_age_days_);
  const std::string expiration_text = ad::FormatExpiration(expiration);
  // The legacy attribute holds the bare password; Windows LAPS's a document.
  const core::SecretString document =
      legacy_attributes_ ? password.Clone() : ad::PasswordDocument(account.name, now, password);
  const ad::PasswordVersion version = ad::PasswordVersionFor(rotation_id);
  std::vector<ad::AttributeValues> values = {{names.password, {document.Reveal()}},
                                             {names.expiration, {expiration_text}}};
  if (!names.version.empty()) {
    values.push_back(
        {names.version,
         {std::string_view(reinterpret_cast<const char*>(version.data()), version.size())}});
  }
  Status written = connection->Replace(computer.dn, values);
  // msLAPS-CurrentPasswordVersion came with a later schema update than the
  // rest: a forest without it still gets the password (the refused modify
  // changed nothing), only without image-rollback detection.
  if (written.IsFailedPrecondition() && values.size() == 3) {
    values.pop_back();
    written = connection->Replace(computer.dn, values);
  }
  OPENLAPS_RETURN_IF_ERROR(written);
  written_rotation_ = std::string(rotation_id);
  written_expiration_ = expiration;
  return Status::Ok();
}

Result<std::optional<core::Timestamp>> ActiveDirectoryBackup::Commit(std::string_view rotation_id) {
  OPENLAPS_ASSIGN_OR_RETURN(nlohmann::json raw, lapsd_.Commit(rotation_id));
  auto answer = protocol::CredentialAnswer::FromJson(raw);
  if (!answer.ok()) return InternalError("lapsd's " + answer.status().message());
  if (written_rotation_ == rotation_id) return std::optional<core::Timestamp>(written_expiration_);
  return answer->next_rotation;
}

Status ActiveDirectoryBackup::Abandon(std::string_view rotation_id) {
  return lapsd_.Abandon(rotation_id).status();
}

Result<DirectoryPasswordState> ActiveDirectoryBackup::ReadPasswordState() {
  OPENLAPS_ASSIGN_OR_RETURN(std::unique_ptr<ad::DirectoryConnection> connection, connect_());
  const ad::LapsAttributeNames& names = Attributes();
  const std::array<std::string_view, 2> wanted = {names.expiration, names.version};
  const std::span<const std::string_view> attributes(wanted.data(), names.version.empty() ? 1 : 2);
  OPENLAPS_ASSIGN_OR_RETURN(ad::DirectoryEntry computer, FindComputer(*connection, attributes));
  DirectoryPasswordState state;
  if (auto expiration = computer.First(names.expiration)) {
    auto parsed = ad::ParseExpiration(*expiration);
    // An unreadable expiry is treated as expired: rotating repairs it.
    state.expiration = parsed.ok() ? *parsed : core::Timestamp{};
  }
  if (auto version = computer.First(names.version); version && !names.version.empty()) {
    ad::PasswordVersion bytes{};
    if (version->size() == bytes.size()) {
      std::copy(version->begin(), version->end(), bytes.begin());
      state.version = bytes;
    }
  }
  return state;
}

}  // namespace openlaps::agent
