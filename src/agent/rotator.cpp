#include "agent/rotator.h"

#include "core/password_generator.h"
#include "crypto/csprng.h"

namespace openlaps::agent {

namespace {
constexpr std::size_t kRotationIdBytes = 18;  // 24 url-safe characters

// The directory answered and did not store P': nothing there changed.
bool Refused(const Status& status) {
  return status.code() == StatusCode::kPermissionDenied ||
         status.code() == StatusCode::kFailedPrecondition ||
         status.code() == StatusCode::kInvalidArgument;
}
}  // namespace

Status CheckRotationSupported(const core::LapsSettings& settings) {
  switch (settings.backup_directory) {
    case core::BackupDirectory::kDisabled:
      return FailedPreconditionError("backup directory is disabled: the password is not managed");
    case core::BackupDirectory::kActiveDirectory:
      if (settings.EncryptsInActiveDirectory()) {
        return Status(StatusCode::kUnimplemented,
                      "Active Directory password encryption (DPAPI-NG) is not supported by this "
                      "agent: set ADPasswordEncryptionEnabled to false, or "
                      "ADLegacyLapsAttributesEnabled to true; no password was changed");
      }
      return Status::Ok();
    case core::BackupDirectory::kCloud:
      return Status::Ok();
  }
  return InvalidArgumentError("unknown backup directory");
}

Rotator::Rotator(AccountBackend& accounts, BackupDirectories directories, RotationJournal& journal,
                 const crypto::BoxKeyPair& own_key, core::Random& random, const core::Clock& clock)
    : accounts_(accounts),
      directories_(directories),
      journal_(journal),
      own_key_(own_key),
      random_(random),
      clock_(clock) {}

std::string Rotator::NewRotationId() { return crypto::RandomToken(kRotationIdBytes); }

Status Rotator::Step(RotationStep step) { return step_hook_ ? step_hook_(step) : Status::Ok(); }

Status Rotator::Advance(JournalEntry& entry, RotationPhase phase, RotationStep step) {
  entry.phase = phase;
  OPENLAPS_RETURN_IF_ERROR(journal_.Write(entry));
  return Step(step);
}

Result<RotationOutcome> Rotator::Rotate(const core::LapsSettings& settings,
                                        std::string rotation_id) {
  OPENLAPS_RETURN_IF_ERROR(CheckRotationSupported(settings));
  OPENLAPS_ASSIGN_OR_RETURN(BackupDirectoryClient * directory,
                            directories_.For(settings.backup_directory));
  OPENLAPS_ASSIGN_OR_RETURN(std::optional<JournalEntry> unfinished, journal_.Load());
  if (unfinished) {
    return FailedPreconditionError("rotation " + unfinished->rotation_id +
                                   " is unfinished and must be reconciled first");
  }
  OPENLAPS_ASSIGN_OR_RETURN(ManagedAccount account,
                            accounts_.FindAccount(settings.administrator_account_name));
  OPENLAPS_ASSIGN_OR_RETURN(
      core::SecretString password,
      core::GeneratePassword(core::PasswordSpec::FromSettings(settings), random_));

  JournalEntry entry;
  entry.rotation_id = rotation_id;
  entry.account_name = account.name;
  entry.account_sid = account.sid;
  entry.sealed_password = crypto::Seal(own_key_.public_key, password.Reveal());
  entry.phase = RotationPhase::kJournaled;
  entry.started_at = clock_.Now();
  entry.directory = settings.backup_directory;
  OPENLAPS_RETURN_IF_ERROR(journal_.Write(entry));
  OPENLAPS_RETURN_IF_ERROR(Step(RotationStep::kJournaled));

  if (Status escrowed = directory->EscrowPending(rotation_id, account, password); !escrowed.ok()) {
    // Refused by a directory without a pending slot: it still holds the old
    // password, so there is nothing to finish.
    if (!directory->KeepsPending() && Refused(escrowed)) {
      OPENLAPS_RETURN_IF_ERROR(directory->Abandon(rotation_id));
      OPENLAPS_RETURN_IF_ERROR(journal_.Clear());
    }
    return escrowed;
  }
  OPENLAPS_RETURN_IF_ERROR(Advance(entry, RotationPhase::kEscrowed, RotationStep::kEscrowed));

  OPENLAPS_RETURN_IF_ERROR(accounts_.SetPassword(account, password));
  password.Clear();
  OPENLAPS_RETURN_IF_ERROR(Advance(entry, RotationPhase::kSet, RotationStep::kSetLocally));

  OPENLAPS_ASSIGN_OR_RETURN(std::optional<core::Timestamp> next, directory->Commit(rotation_id));
  OPENLAPS_RETURN_IF_ERROR(journal_.Clear());
  OPENLAPS_RETURN_IF_ERROR(Step(RotationStep::kCommitted));
  return RotationOutcome{std::move(rotation_id), std::move(account), clock_.Now(), next};
}

Result<ReconcileOutcome> Rotator::Discard(std::string rotation_id) {
  OPENLAPS_RETURN_IF_ERROR(journal_.Clear());
  return ReconcileOutcome{Reconciliation::kDiscarded, std::move(rotation_id), true};
}

Result<ReconcileOutcome> Rotator::Reconcile() {
  auto loaded = journal_.Load();
  if (!loaded.ok()) {
    if (loaded.status().code() != StatusCode::kDataLoss) return loaded.status();
    // Without P' nothing can be finished; a fresh rotation restores a known
    // escrowed password. The bad file is kept aside for a human.
    OPENLAPS_RETURN_IF_ERROR(journal_.Quarantine(clock_.Now()).status());
    return ReconcileOutcome{Reconciliation::kDiscarded, "", true};
  }
  if (!loaded->has_value()) return ReconcileOutcome{};
  JournalEntry entry = std::move(**loaded);
  OPENLAPS_ASSIGN_OR_RETURN(BackupDirectoryClient * directory, directories_.For(entry.directory));

  auto password = crypto::Open(own_key_, entry.sealed_password);
  if (!password.ok()) {
    // Sealed to another key (the identity was replaced): unusable.
    OPENLAPS_RETURN_IF_ERROR(journal_.Quarantine(clock_.Now()).status());
    return ReconcileOutcome{Reconciliation::kDiscarded, entry.rotation_id, true};
  }
  ManagedAccount account;
  auto found = accounts_.FindAccount(entry.account_name);
  const bool account_exists = found.ok();
  if (account_exists) {
    account = std::move(found).value();
  } else if (!found.status().IsNotFound()) {
    return found.status();
  }
  bool has_new_password = false;
  if (account_exists) {
    OPENLAPS_ASSIGN_OR_RETURN(has_new_password, accounts_.VerifyPassword(account, *password));
  }

  if (has_new_password) {
    OPENLAPS_RETURN_IF_ERROR(directory->EscrowPending(entry.rotation_id, account, *password));
    return Commit(*directory, entry);
  }
  if (!directory->KeepsPending() && account_exists) {
    return RollForward(*directory, entry, account, *password);
  }

  Status abandoned = directory->Abandon(entry.rotation_id);
  // Committed, yet the account does not take P': changed from outside (or
  // deleted) after the commit. Rotate so the escrow opens it again.
  if (abandoned.IsFailedPrecondition()) return Discard(entry.rotation_id);
  OPENLAPS_RETURN_IF_ERROR(abandoned);
  OPENLAPS_RETURN_IF_ERROR(journal_.Clear());
  return ReconcileOutcome{Reconciliation::kAbandoned, entry.rotation_id, false};
}

Result<ReconcileOutcome> Rotator::Commit(BackupDirectoryClient& directory,
                                         const JournalEntry& entry) {
  auto committed = directory.Commit(entry.rotation_id);
  // "Superseded by a later rotation" cannot happen while this journal
  // exists; if it does, the escrow no longer matches: start over.
  if (!committed.ok() && committed.status().IsFailedPrecondition()) {
    return Discard(entry.rotation_id);
  }
  if (!committed.ok()) return committed.status();
  OPENLAPS_RETURN_IF_ERROR(journal_.Clear());
  OPENLAPS_RETURN_IF_ERROR(Step(RotationStep::kCommitted));
  return ReconcileOutcome{Reconciliation::kCommitted, entry.rotation_id, false};
}

Result<ReconcileOutcome> Rotator::RollForward(BackupDirectoryClient& directory, JournalEntry& entry,
                                              const ManagedAccount& account,
                                              const core::SecretString& password) {
  Status written = directory.EscrowPending(entry.rotation_id, account, password);
  if (!written.ok()) {
    // Not known to have reached the directory, and refused now: it holds the
    // old password still, which the account has.
    if (entry.phase == RotationPhase::kJournaled && Refused(written)) {
      OPENLAPS_RETURN_IF_ERROR(directory.Abandon(entry.rotation_id));
      OPENLAPS_RETURN_IF_ERROR(journal_.Clear());
      return ReconcileOutcome{Reconciliation::kAbandoned, entry.rotation_id, false};
    }
    // The directory took P' before the crash: the account must follow it
    // even while the directory cannot be reached again.
    if (entry.phase == RotationPhase::kJournaled) return written;
  } else if (entry.phase == RotationPhase::kJournaled) {
    OPENLAPS_RETURN_IF_ERROR(Advance(entry, RotationPhase::kEscrowed, RotationStep::kEscrowed));
  }
  OPENLAPS_RETURN_IF_ERROR(accounts_.SetPassword(account, password));
  OPENLAPS_RETURN_IF_ERROR(Advance(entry, RotationPhase::kSet, RotationStep::kSetLocally));
  OPENLAPS_RETURN_IF_ERROR(written);  // the lapsd report waits for the directory
  return Commit(directory, entry);
}

}  // namespace openlaps::agent
