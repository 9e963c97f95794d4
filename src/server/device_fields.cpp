#include "server/device_fields.h"

#include <cassert>

namespace openlaps::server {
namespace {

// Sizes: names as Windows and DNS allow them (63), what agents really send
// for versions and serials with room to spare, SIDs at their longest text
// form (S-1-15 with 15 sub-authorities is under 184), keys and sealed boxes
// as base64url of their fixed sizes.
constexpr DeviceFieldSpec kSpecs[] = {
    {DeviceField::kEnrollmentToken, "enrollmentToken", "enrollmentToken", 256},
    {DeviceField::kDeviceName, "deviceName", "deviceName", 63},
    {DeviceField::kPlatform, "platform", "platform", 16},
    {DeviceField::kOsVersion, "osVersion", "osVersion", 128},
    {DeviceField::kSerialNumber, "serialNumber", "serialNumber", 128},
    {DeviceField::kSignPublicKey, "signPublicKey", "signPublicKey", 64},
    {DeviceField::kBoxPublicKey, "boxPublicKey", "boxPublicKey", 64},
    {DeviceField::kSignedInUser, "signedInUser", "signedInUser", 256},
    {DeviceField::kManagedAccountName, "name", "managedAccount.name", 64},
    {DeviceField::kManagedAccountSid, "sid", "managedAccount.sid", 184},
    {DeviceField::kLapsState, "lapsState", "lapsState", 1024},
    {DeviceField::kPolicyReportPolicyId, "policyId", "policyReports[].policyId", 64},
    {DeviceField::kPolicyReportState, "state", "policyReports[].state", 16},
    {DeviceField::kPolicyReportDetail, "detail", "policyReports[].detail", 1024},
    {DeviceField::kPhase, "phase", "phase", 16},
    {DeviceField::kRotationId, "rotationId", "rotationId", 64},
    {DeviceField::kAccountName, "accountName", "accountName", 64},
    {DeviceField::kAccountSid, "accountSid", "accountSid", 184},
    {DeviceField::kSealedPassword, "sealedPassword", "sealedPassword", 4096},
    {DeviceField::kActionState, "state", "state", 16},
    {DeviceField::kActionError, "error", "error", 1024},
};

}  // namespace

std::span<const DeviceFieldSpec> DeviceFieldSpecs() { return kSpecs; }

const DeviceFieldSpec& SpecOf(DeviceField field) {
  const DeviceFieldSpec& spec = kSpecs[static_cast<std::size_t>(field)];
  assert(spec.field == field && "kSpecs must follow the order of DeviceField");
  return spec;
}

Result<std::string> OptionalDeviceString(const nlohmann::json& object, DeviceField field) {
  const DeviceFieldSpec& spec = SpecOf(field);
  auto it = object.find(spec.key);
  if (it == object.end() || it->is_null()) return std::string();
  if (!it->is_string()) return InvalidArgumentError(std::string(spec.path) + " must be a string");
  const std::string& value = it->get_ref<const std::string&>();
  if (value.size() > spec.max_bytes) {
    return InvalidArgumentError(std::string(spec.path) + " is longer than " +
                                std::to_string(spec.max_bytes) + " bytes");
  }
  return value;
}

Result<std::string> RequiredDeviceString(const nlohmann::json& object, DeviceField field) {
  Result<std::string> value = OptionalDeviceString(object, field);
  if (value.ok() && value->empty()) {
    return InvalidArgumentError(std::string(SpecOf(field).path) + " is required");
  }
  return value;
}

Result<std::int64_t> OptionalDeviceInteger(const nlohmann::json& object, std::string_view key,
                                           std::int64_t fallback) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return fallback;
  if (!it->is_number_integer())
    return InvalidArgumentError(std::string(key) + " must be an integer");
  return it->get<std::int64_t>();
}

}  // namespace openlaps::server
