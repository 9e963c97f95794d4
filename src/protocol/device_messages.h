// The device protocol (DESIGN.md §6) as types: each request laps-agent sends
// and each answer lapsd gives, with ToJson and a FromJson that never throws
// and names the bad member ("checkin: 'policyReports[2].state' must be a
// string"). lapsd, laps-agent and the fleet simulator all speak through
// these, so every member is spelled once (wire_fields.h).
//
// Absent and null members read alike. Binary members (keys, sealed boxes)
// stay base64url text here: decoding them is the crypto layer's business.
#ifndef OPENLAPS_PROTOCOL_DEVICE_MESSAGES_H_
#define OPENLAPS_PROTOCOL_DEVICE_MESSAGES_H_

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/effective_policy.h"
#include "core/policy_settings.h"
#include "core/status.h"
#include "protocol/wire_fields.h"

namespace openlaps::protocol {

// Routes of the device API.
inline constexpr std::string_view kEnrollPath = "/device/v1/enroll";
inline constexpr std::string_view kSessionPath = "/device/v1/session";
inline constexpr std::string_view kCheckinPath = "/device/v1/checkin";
inline constexpr std::string_view kCredentialsPath = "/device/v1/credentials";
inline constexpr std::string_view kActionsPath = "/device/v1/actions";
inline constexpr std::string_view kActionReportPattern = "/device/v1/actions/{id}";
inline constexpr std::string_view kGoodbyePath = "/device/v1/goodbye";
std::string ActionReportPath(std::string_view action_id);

// The one action kind laps-agent carries out.
inline constexpr std::string_view kRotateAction = "rotateLocalAdminPassword";

// POST /device/v1/enroll (unauthenticated; the token is the credential).
struct EnrollRequest {
  std::string enrollment_token;
  std::string device_name;
  std::string platform;  // core::PlatformName
  std::string os_version;
  std::string serial_number;
  std::string sign_public_key;  // Ed25519, base64url
  std::string box_public_key;   // X25519, base64url

  nlohmann::json ToJson() const;
  static Result<EnrollRequest> FromJson(const nlohmann::json& json);
};

struct EnrollAnswer {
  std::string device_id;
  std::string escrow_public_key;  // base64url
  std::int64_t checkin_interval_seconds = 0;
  std::int64_t long_poll_seconds = 0;
  std::int64_t max_clock_skew_seconds = 0;

  nlohmann::json ToJson() const;
  static Result<EnrollAnswer> FromJson(const nlohmann::json& json);
};

// POST /device/v1/session (signed, empty body) answers this.
struct SessionAnswer {
  std::string session;  // "<id>.<expiry>"
  core::Timestamp expires_at{};
  std::string sealed_key;  // the session key sealed to the device's box key, base64url

  nlohmann::json ToJson() const;
  static Result<SessionAnswer> FromJson(const nlohmann::json& json);
};

struct ManagedAccount {
  std::string name;
  std::string sid;
};

// A device's report on one policy lapsd resolved for it.
struct PolicyReport {
  std::string policy_id;
  std::int64_t version = 0;
  bool error = false;  // on the wire: "error" or "succeeded"
  std::string detail;  // at most kMaxStatusTextBytes
};

// POST /device/v1/checkin. Empty strings are "not reported": lapsd keeps
// what it knew.
struct CheckinRequest {
  std::string device_name;
  std::string os_version;
  std::string signed_in_user;
  std::optional<core::PolicySettings> applied_settings;
  std::optional<ManagedAccount> managed_account;
  std::string laps_state;  // empty when the account is managed
  // Active Directory backup only: the expiry on the computer object, which
  // an admin may have moved there (lapsd holds nothing else to go by).
  std::optional<core::Timestamp> directory_expiration;
  // Replace the previous reports when present, even empty.
  std::optional<std::vector<PolicyReport>> policy_reports;

  nlohmann::json ToJson() const;
  static Result<CheckinRequest> FromJson(const nlohmann::json& json);
};

struct SettingConflict {
  std::string setting;  // the CSP name
  std::vector<std::string> policy_ids;
};

struct PolicyStatus {
  std::string id;
  std::int64_t version = 0;
  core::PolicyStateKind state = core::PolicyStateKind::kPending;
  std::string detail;
};

struct ActionSummary {
  std::string id;
  std::string kind;   // kRotateAction, or one this agent does not know
  std::string state;  // pending or active
};

struct CheckinAnswer {
  std::string device_id;
  // Absent with a conflict or without a policy. Read by FromJson, but a
  // document this agent cannot read is kept as its Status, not refused:
  // the agent reports it instead of failing the check-in.
  std::optional<Result<core::PolicySettings>> settings;
  bool conflict = false;
  std::vector<SettingConflict> conflicts;
  std::vector<PolicyStatus> policies;
  std::vector<ActionSummary> actions;
  std::optional<core::Timestamp> last_rotation;
  std::optional<core::Timestamp> next_rotation;
  std::optional<core::Timestamp> rotate_after_reveal_at;
  std::int64_t checkin_interval_seconds = 0;
  // Handed back on the long-poll, so lapsd answers it at once when the
  // policies changed meanwhile.
  std::int64_t policy_epoch = 0;

  nlohmann::json ToJson() const;
  static Result<CheckinAnswer> FromJson(const nlohmann::json& json);
};

enum class CredentialPhase { kPending, kCommit, kAbandon };

// POST /device/v1/credentials: the two-phase escrow.
struct CredentialRequest {
  CredentialPhase phase = CredentialPhase::kPending;
  std::string rotation_id;
  // kPending only:
  std::string account_name;
  std::string account_sid;
  std::string sealed_password;        // sealed to the escrow key, base64url
  std::int64_t backup_directory = 1;  // 1 cloud, 2 Active Directory

  nlohmann::json ToJson() const;
  static Result<CredentialRequest> FromJson(const nlohmann::json& json);
};

enum class CredentialState { kPending, kCurrent, kAbandoned };

struct CredentialAnswer {
  std::string rotation_id;
  CredentialState state = CredentialState::kPending;
  std::optional<core::Timestamp> next_rotation;  // kCurrent only

  nlohmann::json ToJson() const;
  static Result<CredentialAnswer> FromJson(const nlohmann::json& json);
};

// GET /device/v1/actions?wait=N[&policyEpoch=E]: the long-poll.
struct ActionsQuery {
  std::int64_t wait_seconds = 0;
  std::optional<std::int64_t> policy_epoch;

  std::string Target() const;
  // From the query parameters' raw values (nullopt when absent).
  static Result<ActionsQuery> FromParameters(const std::optional<std::string>& wait,
                                             const std::optional<std::string>& policy_epoch);
};

struct ActionsAnswer {
  std::vector<ActionSummary> actions;
  bool woken = false;  // lapsd woke the poll for a change: check in again

  nlohmann::json ToJson() const;
  static Result<ActionsAnswer> FromJson(const nlohmann::json& json);
};

enum class ActionReportState { kActive, kDone, kFailed };
std::string_view ActionReportStateName(ActionReportState state);

// POST /device/v1/actions/{id}: lapsd answers with the Graph action result.
struct ActionReport {
  ActionReportState state = ActionReportState::kActive;
  std::string rotation_id;  // kActive: the rotation carrying the action out
  std::string error;        // kFailed: why, at most kMaxStatusTextBytes

  nlohmann::json ToJson() const;
  static Result<ActionReport> FromJson(const nlohmann::json& json);
};

}  // namespace openlaps::protocol

#endif  // OPENLAPS_PROTOCOL_DEVICE_MESSAGES_H_
