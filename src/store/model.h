// The records lapsd keeps (DESIGN.md §3), as plain values. Numeric ids are
// the store's keys; `guid` is the stable external id the API shows.
#ifndef OPENLAPS_STORE_MODEL_H_
#define OPENLAPS_STORE_MODEL_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/effective_policy.h"
#include "core/policy_settings.h"

namespace openlaps::store {

using Id = std::int64_t;
using Bytes = std::vector<std::uint8_t>;
using core::Timestamp;

struct ScopeTag {
  Id id = 0;  // 0 is the built-in "Default" tag
  std::string name;
  std::string description;
};

struct AdminAccount {
  Id id = 0;
  std::string guid;
  std::string name;  // login name, unique
  std::string display_name;
  std::string password_hash;  // argon2id string
  bool disabled = false;
  Timestamp created_at{};
};

enum class TokenKind { kSession, kApi };

struct AdminToken {
  Id id = 0;
  std::string guid;
  Id admin_id = 0;
  TokenKind kind = TokenKind::kSession;
  std::string name;        // for API tokens
  std::string token_hash;  // hex BLAKE2b of the bearer token; the token itself is never stored
  Timestamp created_at{};
  Timestamp expires_at{};
};

// A windowed event counter for one subject ("account:alice",
// "source:192.0.2.7", "reveal:<admin guid>"): sign-in failures and reveals.
// Kept in the store so every lapsd node sees the same counts and blocks.
struct ThrottleRecord {
  std::string subject;
  std::int64_t events = 0;                 // counted since window_start
  Timestamp window_start{};                // the first event of this window
  std::optional<Timestamp> blocked_until;  // refused until then
};

struct RoleDefinition {
  Id id = 0;
  std::string guid;
  std::string name;
  std::string description;
  bool built_in = false;
  std::vector<std::string> permissions;  // see server/permissions.h
};

struct RoleAssignment {
  Id id = 0;
  std::string guid;
  std::string name;
  Id role_id = 0;
  std::vector<Id> admin_ids;
  std::vector<Id> scope_tag_ids;  // what the admins may see and act on
};

struct User {
  Id id = 0;
  std::string guid;
  std::string user_principal_name;
  std::string display_name;
};

enum class GroupKind { kDevice, kUser };

struct Group {
  Id id = 0;
  std::string guid;
  std::string display_name;
  std::string description;
  GroupKind kind = GroupKind::kDevice;
  std::vector<Id> member_ids;  // device ids or user ids, by kind
  // Who may see and manage the group (none: the Default tag, as for devices).
  // Set at creation; members are scoped by their own tags.
  std::vector<Id> scope_tag_ids;
};

struct PolicyRecord {
  Id id = 0;
  std::string guid;
  std::string name;
  std::string description;
  core::PlatformSet platforms = core::kAllPlatforms;
  core::PolicySettings settings;
  std::vector<Id> scope_tag_ids;
  std::int64_t version = 1;
  Timestamp created_at{};
  Timestamp modified_at{};
  // Assignments target groups by id (core::Assignment::group).
  std::vector<core::Assignment> assignments;
};

struct Device {
  Id id = 0;
  std::string guid;  // managedDevice id and, for us, the azureADDeviceId too
  std::string name;
  core::Platform platform = core::Platform::kLinux;
  std::string os_version;
  std::string serial_number;
  std::string join_type;  // "azureADJoined", "hybrid", "workplace", "none"
  std::string ownership;  // "company", "personal"
  std::optional<Id> primary_user_id;
  std::optional<Id> signed_in_user_id;
  std::vector<Id> scope_tag_ids;
  Bytes sign_public_key;  // Ed25519
  Bytes box_public_key;   // X25519
  Timestamp enrolled_at{};
  std::optional<Timestamp> last_checkin;
  // LAPS state the device reported.
  std::optional<core::PolicySettings> applied_settings;
  std::string managed_account_name;
  std::string managed_account_sid;
  std::optional<Timestamp> last_rotation;
  std::optional<Timestamp> next_rotation;
  std::string laps_state;  // what the agent last said about LAPS (e.g. "account missing")
  // OpenLAPS rotate-after-reveal: the agent rotates once this passes.
  std::optional<Timestamp> rotate_after_reveal_at;
  // Until when the device holds (or was promised) a long-poll on some lapsd
  // node: every node counts it online meanwhile, not just the one holding it.
  std::optional<Timestamp> parked_until;
  // The device's last proof of life (a check-in, a long-poll parked or
  // answered), and the goodbye (or hang-up) since then, if any: set, the
  // device stopped and is offline at once. Proof of life clears it.
  std::optional<Timestamp> last_seen;
  std::optional<Timestamp> goodbye_at;
};

struct PolicyReportRecord {
  Id device_id = 0;
  Id policy_id = 0;
  std::int64_t version = 0;
  core::PolicyStateKind state = core::PolicyStateKind::kPending;
  std::string detail;
  Timestamp reported_at{};
};

struct EnrollmentToken {
  Id id = 0;
  std::string guid;
  std::string name;
  std::string token_hash;
  Timestamp created_at{};
  Timestamp expires_at{};
  std::int64_t uses_left = 1;
  std::vector<Id> scope_tag_ids;  // given to the devices it enrolls
  std::vector<Id> group_ids;      // device groups the devices join
};

enum class CredentialState { kPending, kCurrent, kHistory };

struct Credential {
  Id id = 0;
  Id device_id = 0;
  std::string rotation_id;
  std::string account_name;
  std::string account_sid;
  Bytes sealed_password;  // sealed box to the escrow key; never plain text
  Timestamp backup_time{};
  core::BackupDirectory directory = core::BackupDirectory::kCloud;
  CredentialState state = CredentialState::kPending;
};

enum class ActionState { kPending, kActive, kDone, kFailed, kCanceled };

struct DeviceAction {
  Id id = 0;
  std::string guid;
  Id device_id = 0;
  std::string kind;  // "rotateLocalAdminPassword"
  std::string requested_by;
  ActionState state = ActionState::kPending;
  Timestamp created_at{};
  Timestamp updated_at{};
  std::string error;
  std::string rotation_id;  // set when the agent starts the rotation
  bool queued = false;      // requested for an offline device, to run when it returns
  // Deadlines (Store::FailOverdueActions): a pending action fails once
  // deliver_by passes, an active one once finish_by passes.
  std::optional<Timestamp> deliver_by;
  std::optional<Timestamp> finish_by;
  // The device reported done (committed its escrow) after the action had
  // failed by a deadline: the password it escrowed is current.
  bool late_completion = false;
};

struct AuditEvent {
  std::int64_t sequence = 0;  // gap-free, 1-based
  std::string guid;
  Timestamp time{};
  std::string actor_type;  // "admin", "device", "system", "anonymous"
  std::string actor_id;
  std::string actor_name;
  std::string activity;  // e.g. "Recover device local administrator password"
  std::string category;  // "Device", "Policy", "Role", ...
  std::string result;    // "success", "failure", "denied"
  std::string target_type;
  std::string target_id;
  std::string target_name;
  std::string detail_json;    // never a secret
  std::string previous_hash;  // hex; "" for the first
  std::string hash;           // hex BLAKE2b over previous_hash and the fields
};

}  // namespace openlaps::store

#endif  // OPENLAPS_STORE_MODEL_H_
