// The Windows LAPS attributes of a computer object (LAPS-REFERENCE.md §4,
// MS-ADA2) and the legacy Microsoft LAPS ones: their names and the values
// the agent writes, formatted exactly as Windows LAPS writes them so that
// Get-LapsADPassword, the LAPS UI and LAPS4LINUX read them.
#ifndef OPENLAPS_AGENT_ACTIVE_DIRECTORY_WINDOWS_LAPS_ATTRIBUTES_H_
#define OPENLAPS_AGENT_ACTIVE_DIRECTORY_WINDOWS_LAPS_ATTRIBUTES_H_

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/secret.h"
#include "core/status.h"

namespace openlaps::agent::ad {

// Which attributes a policy writes (the OpenLAPS setting
// ADLegacyLapsAttributesEnabled chooses).
struct LapsAttributeNames {
  std::string_view password;
  std::string_view expiration;
  std::string_view version;  // empty: the schema has no version marker
};
inline constexpr LapsAttributeNames kWindowsLapsAttributes{
    "msLAPS-Password", "msLAPS-PasswordExpirationTime", "msLAPS-CurrentPasswordVersion"};
inline constexpr LapsAttributeNames kLegacyLapsAttributes{"ms-Mcs-AdmPwd",
                                                          "ms-Mcs-AdmPwdExpirationTime", ""};

// FILETIME: 100-nanosecond intervals since 1601-01-01 UTC.
std::int64_t ToFileTime(core::Timestamp t);
core::Timestamp FromFileTime(std::int64_t filetime);

// The expiry attributes hold a FILETIME in decimal.
std::string FormatExpiration(core::Timestamp t);
// InvalidArgument for anything but a FILETIME in decimal.
Result<core::Timestamp> ParseExpiration(std::string_view text);

// msLAPS-Password: {"n":"<account>","t":"<FILETIME, lowercase hex>","p":"<password>"},
// built without a copy of the password outside SecretStrings.
core::SecretString PasswordDocument(std::string_view account, core::Timestamp updated,
                                    const core::SecretString& password);

// msLAPS-CurrentPasswordVersion: a GUID new with each password. Derived from
// the rotation id, so a rotation rolled forward after a crash writes the
// same value the first attempt did.
using PasswordVersion = std::array<std::uint8_t, 16>;
PasswordVersion PasswordVersionFor(std::string_view rotation_id);

}  // namespace openlaps::agent::ad

#endif  // OPENLAPS_AGENT_ACTIVE_DIRECTORY_WINDOWS_LAPS_ATTRIBUTES_H_
