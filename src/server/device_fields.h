// Every string a device supplies to the device API, with its length limit,
// in one table: a device (or anyone holding an enrollment token) must not
// be able to store a 900 KB "osVersion" that admins then see as its name.
// Over a limit the request is refused (400, naming the field) and nothing
// is stored.
#ifndef OPENLAPS_SERVER_DEVICE_FIELDS_H_
#define OPENLAPS_SERVER_DEVICE_FIELDS_H_

#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <string_view>

#include "core/status.h"

namespace openlaps::server {

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

// The member named by `field`: "" when absent or null; InvalidArgument when
// it is not a string or is longer than its limit.
Result<std::string> OptionalDeviceString(const nlohmann::json& object, DeviceField field);

// As OptionalDeviceString, but absent, null or "" is InvalidArgument too.
Result<std::string> RequiredDeviceString(const nlohmann::json& object, DeviceField field);

// An optional integer member: `fallback` when absent; InvalidArgument when
// it is not an integer (nlohmann's value() would throw instead).
Result<std::int64_t> OptionalDeviceInteger(const nlohmann::json& object, std::string_view key,
                                           std::int64_t fallback);

}  // namespace openlaps::server

#endif  // OPENLAPS_SERVER_DEVICE_FIELDS_H_
