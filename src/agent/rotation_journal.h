// RotationJournal: the agent's record of a rotation in flight (DESIGN.md §5
// step 1), in <state_dir>/journal.json. It is written durably (temp file,
// fsync, rename, directory fsync) before anything else happens, updated as
// the rotation advances, and removed after commit or abandon. The new
// password is only ever in it sealed to the device's own X25519 key; the
// file never holds a clear password.
//
// Not thread-safe: the agent's rotator is its only user.
#ifndef OPENLAPS_AGENT_ROTATION_JOURNAL_H_
#define OPENLAPS_AGENT_ROTATION_JOURNAL_H_

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/policy_settings.h"
#include "core/status.h"
#include "crypto/encoding.h"

namespace openlaps::agent {

// How far a rotation got. Informational: recovery verifies the account
// instead of trusting the phase, because a crash may fall between a step
// and its journal update.
enum class RotationPhase {
  kJournaled,  // P' generated and journaled; nothing sent, nothing set
  kEscrowed,   // lapsd holds P' as pending
  kSet,        // P' is set on the account
};
std::string_view RotationPhaseName(RotationPhase phase);

struct JournalEntry {
  std::string rotation_id;
  std::string account_name;
  std::string account_sid;
  crypto::Bytes sealed_password;  // crypto::Seal to the device's box key
  RotationPhase phase = RotationPhase::kJournaled;
  core::Timestamp started_at{};
  // Where P' is backed up: recovery must finish with the same directory even
  // when the policy changed meanwhile.
  core::BackupDirectory directory = core::BackupDirectory::kCloud;

  friend bool operator==(const JournalEntry&, const JournalEntry&) = default;
};

class RotationJournal {
 public:
  // `state_dir` must exist; the journal is created with mode 0600.
  explicit RotationJournal(const std::filesystem::path& state_dir);

  // nullopt when no rotation is in flight; DataLoss when the file exists but
  // cannot be understood (the caller quarantines it).
  Result<std::optional<JournalEntry>> Load() const;
  // Durable once it returns OK; on failure the previous entry (or none)
  // remains.
  Status Write(const JournalEntry& entry);
  // Durable removal; OK when there is nothing to remove.
  Status Clear();
  // Renames an unreadable journal to journal.json.corrupt-<unix time> so a
  // human can look at it, and returns that path.
  Result<std::filesystem::path> Quarantine(core::Timestamp now);

  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace openlaps::agent

#endif  // OPENLAPS_AGENT_ROTATION_JOURNAL_H_
