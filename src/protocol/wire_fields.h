// The device protocol's wire vocabulary: every member name, once, and the
// limits both sides share. Strings a device supplies have a length limit
// here, so a device (or anyone holding an enrollment token) cannot store a
// 900 KB "osVersion" that admins then see as its name; laps-agent cuts its
// free-text statuses to the same limit before sending them.
#ifndef OPENLAPS_PROTOCOL_WIRE_FIELDS_H_
#define OPENLAPS_PROTOCOL_WIRE_FIELDS_H_

#include <cstddef>
#include <span>
#include <string>
#include <string_view>

namespace openlaps::protocol {

// Strings a device sends, each with its limit (DeviceFieldSpecs()).
enum class DeviceField {
  kEnrollmentToken,
  kDeviceName,
  kPlatform,
  kOsVersion,
  kSerialNumber,
  kSignPublicKey,
  kBoxPublicKey,
  kSignedInUser,
  kManagedAccountName,
  kManagedAccountSid,
  kLapsState,
  kPolicyReportPolicyId,
  kPolicyReportState,
  kPolicyReportDetail,
  kPhase,
  kRotationId,
  kAccountName,
  kAccountSid,
  kSealedPassword,
  kActionState,
  kActionError,
};

struct DeviceFieldSpec {
  DeviceField field;
  std::string_view key;   // the JSON member
  std::string_view path;  // how errors and docs name it
  std::size_t max_bytes;
};

// The whole table, in the order of DeviceField.
std::span<const DeviceFieldSpec> DeviceFieldSpecs();
const DeviceFieldSpec& SpecOf(DeviceField field);

// policyReports[] entries in one check-in.
inline constexpr std::size_t kMaxPolicyReports = 256;

// The longest free-text status (lapsState, a policy report's detail, an
// action's error): a longer one is refused, and an agent error message that
// long would otherwise keep the device from ever checking in.
inline constexpr std::size_t kMaxStatusTextBytes = 1024;

// `text` cut to kMaxStatusTextBytes at a UTF-8 character boundary.
std::string StatusText(std::string_view text);

// Members that only lapsd sends, or that carry no device-supplied text.
namespace key {
inline constexpr std::string_view kDeviceId = "deviceId";
inline constexpr std::string_view kEscrowPublicKey = "escrowPublicKey";
inline constexpr std::string_view kCheckinIntervalSeconds = "checkinIntervalSeconds";
inline constexpr std::string_view kLongPollSeconds = "longPollSeconds";
inline constexpr std::string_view kMaxClockSkewSeconds = "maxClockSkewSeconds";
inline constexpr std::string_view kSession = "session";
inline constexpr std::string_view kExpiresAt = "expiresAt";
inline constexpr std::string_view kSealedKey = "sealedKey";
inline constexpr std::string_view kAppliedSettings = "appliedSettings";
inline constexpr std::string_view kManagedAccount = "managedAccount";
inline constexpr std::string_view kPolicyReports = "policyReports";
inline constexpr std::string_view kVersion = "version";
inline constexpr std::string_view kBackupDirectory = "backupDirectory";
inline constexpr std::string_view kSettings = "settings";
inline constexpr std::string_view kConflict = "conflict";
inline constexpr std::string_view kConflicts = "conflicts";
inline constexpr std::string_view kSetting = "setting";
inline constexpr std::string_view kPolicyIds = "policyIds";
inline constexpr std::string_view kPolicies = "policies";
inline constexpr std::string_view kId = "id";
inline constexpr std::string_view kKind = "kind";
inline constexpr std::string_view kState = "state";
inline constexpr std::string_view kDetail = "detail";
inline constexpr std::string_view kActions = "actions";
inline constexpr std::string_view kLastRotation = "lastRotation";
inline constexpr std::string_view kNextRotation = "nextRotation";
inline constexpr std::string_view kRotateAfterRevealAt = "rotateAfterRevealAt";
inline constexpr std::string_view kPolicyEpoch = "policyEpoch";
inline constexpr std::string_view kWoken = "woken";
inline constexpr std::string_view kRotationId = "rotationId";
// Query parameters of the long-poll.
inline constexpr std::string_view kWait = "wait";
}  // namespace key

}  // namespace openlaps::protocol

#endif  // OPENLAPS_PROTOCOL_WIRE_FIELDS_H_
