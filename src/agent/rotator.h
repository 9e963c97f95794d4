// Rotator: the two-phase, crash-safe rotation of DESIGN.md §5.
//
//   Rotate:    generate P' -> journal (fsync) -> escrow pending -> set on the
//              account -> commit -> clear the journal
//   Reconcile: with a journal left by a failure or a crash, verify which
//              password the account really has; P' -> escrow pending again
//              (idempotent) and commit; not P' -> abandon and clear (the old
//              password is still the escrowed current one).
//
// A directory without a pending slot (Active Directory: "escrow pending"
// overwrites the one attribute) cannot be undone, so its rotations roll
// forward instead: write P' again, set it, commit. Only a write the
// directory refused outright (no right, no schema, a bad value) is
// abandoned at once: it changed nothing there, so nothing changes locally.
//
// Invariant: at every instant the backup directory holds a password that
// opens the account, except between the Active Directory write and the local
// set, which the next Reconcile (run first after any restart) closes. Any
// failure after the journal is written returns a Status and leaves the
// journal for Reconcile(), which the caller runs before every rotation
// attempt and retries with backoff. Steps are keyed by the rotation id, so
// repeating any of them is harmless.
//
// Not thread-safe: one rotator per agent, driven by its loop.
#ifndef OPENLAPS_AGENT_ROTATOR_H_
#define OPENLAPS_AGENT_ROTATOR_H_

#include <functional>
#include <optional>
#include <string>

#include "agent/account_backend.h"
#include "agent/backup_directory_client.h"
#include "agent/rotation_journal.h"
#include "core/clock.h"
#include "core/policy_settings.h"
#include "core/random.h"
#include "crypto/escrow_box.h"

namespace openlaps::agent {

// The durable steps, in order; a StepHook runs after each one.
enum class RotationStep { kJournaled, kEscrowed, kSetLocally, kCommitted };

struct RotationOutcome {
  std::string rotation_id;
  ManagedAccount account;
  core::Timestamp rotated_at{};
  std::optional<core::Timestamp> next_rotation;  // as the directory planned it
};

enum class Reconciliation {
  kNothingToDo,  // no journal
  kCommitted,    // the account had P': escrowed and committed
  kAbandoned,    // the account did not have P': pending dropped
  kDiscarded,    // the journal was unreadable or did not match the escrow
};

struct ReconcileOutcome {
  Reconciliation result = Reconciliation::kNothingToDo;
  std::string rotation_id;
  // The escrowed current password may no longer open the account (an
  // unreadable journal, or an outside change): rotate now to restore the
  // invariant.
  bool rotate_now = false;
};

// OK when `settings` let this agent rotate; FailedPrecondition for backup
// directory Disabled, Unimplemented for Active Directory with encryption
// (DPAPI-NG), which this agent cannot do and never silently drops. The
// message is meant for the device state the console shows.
Status CheckRotationSupported(const core::LapsSettings& settings);

class Rotator {
 public:
  // Tests: runs after each durable step; a non-OK result stops the rotation
  // there as if the agent had crashed (or the hook kills the process).
  using StepHook = std::function<Status(RotationStep)>;

  // Every reference must outlive the rotator. `own_key` is the device's box
  // key pair: the journal seals P' to its public half and opens with it.
  Rotator(AccountBackend& accounts, BackupDirectories directories, RotationJournal& journal,
          const crypto::BoxKeyPair& own_key, core::Random& random, const core::Clock& clock);
  Rotator(const Rotator&) = delete;
  Rotator& operator=(const Rotator&) = delete;

  void set_step_hook(StepHook hook) { step_hook_ = std::move(hook); }

  // A fresh random rotation id (url-safe, well under lapsd's 64 characters).
  static std::string NewRotationId();

  // One full rotation of the account `settings` name. FailedPrecondition
  // when a journal is still pending (Reconcile first) or rotation is off;
  // NotFound when the account is missing (nothing is created).
  Result<RotationOutcome> Rotate(const core::LapsSettings& settings,
                                 std::string rotation_id = NewRotationId());

  // Finishes or undoes the journaled rotation, if any. On a failure the
  // journal stays and a later call tries again.
  Result<ReconcileOutcome> Reconcile();

 private:
  Status Step(RotationStep step);
  Status Advance(JournalEntry& entry, RotationPhase phase, RotationStep step);
  Result<ReconcileOutcome> Discard(std::string rotation_id);
  // Finishes a rotation whose P' is (or may be) in a directory without a
  // pending slot: write it again, set it, commit.
  Result<ReconcileOutcome> RollForward(BackupDirectoryClient& directory, JournalEntry& entry,
                                       const ManagedAccount& account,
                                       const core::SecretString& password);
  Result<ReconcileOutcome> Commit(BackupDirectoryClient& directory, const JournalEntry& entry);

  AccountBackend& accounts_;
  BackupDirectories directories_;
  RotationJournal& journal_;
  const crypto::BoxKeyPair& own_key_;
  core::Random& random_;
  const core::Clock& clock_;
  StepHook step_hook_;
};

}  // namespace openlaps::agent

#endif  // OPENLAPS_AGENT_ROTATOR_H_
