#include "protocol/wire_fields.h"

#include <cassert>

namespace openlaps::protocol {
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
    {DeviceField::kLapsState, "lapsState", "lapsState", kMaxStatusTextBytes},
    {DeviceField::kPolicyReportPolicyId, "policyId", "policyReports[].policyId", 64},
    {DeviceField::kPolicyReportState, key::kState, "policyReports[].state", 16},
    {DeviceField::kPolicyReportDetail, key::kDetail, "policyReports[].detail", kMaxStatusTextBytes},
    {DeviceField::kPhase, "phase", "phase", 16},
    {DeviceField::kRotationId, key::kRotationId, key::kRotationId, 64},
    {DeviceField::kAccountName, "accountName", "accountName", 64},
    {DeviceField::kAccountSid, "accountSid", "accountSid", 184},
    {DeviceField::kSealedPassword, "sealedPassword", "sealedPassword", 4096},
    {DeviceField::kActionState, key::kState, key::kState, 16},
    {DeviceField::kActionError, "error", "error", kMaxStatusTextBytes},
};

}  // namespace

std::span<const DeviceFieldSpec> DeviceFieldSpecs() { return kSpecs; }

const DeviceFieldSpec& SpecOf(DeviceField field) {
  const DeviceFieldSpec& spec = kSpecs[static_cast<std::size_t>(field)];
  assert(spec.field == field && "kSpecs must follow the order of DeviceField");
  return spec;
}

std::string StatusText(std::string_view text) {
  if (text.size() <= kMaxStatusTextBytes) return std::string(text);
  std::size_t cut = kMaxStatusTextBytes;
  // Back off continuation bytes (10xxxxxx) to the start of a character.
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return std::string(text.substr(0, cut));
}

}  // namespace openlaps::protocol
