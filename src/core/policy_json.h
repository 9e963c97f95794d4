// PolicySettings to and from JSON, in two dialects:
//  (a) OpenLAPS JSON: an object keyed by SettingSpec::json_key holding only
//      configured settings, e.g. {"backupDirectory":1,"passwordAgeDays":30};
//  (b) Intune settings-catalog JSON: the settings[] array of a Graph
//      deviceManagementConfigurationPolicy created from the Windows LAPS
//      template, with device_vendor_msft_laps_policies_* setting instances,
//      children nested as Intune nests them.
// Both round-trip exactly: ToX(FromX(x)) == x for what ToX produces, and
// FromX(ToX(s)) == s for every PolicySettings.
//
// Parsing checks shape and types only and reports every problem at once as
// one InvalidArgument; range checks belong to ValidatePolicySettings.
#ifndef OPENLAPS_CORE_POLICY_JSON_H_
#define OPENLAPS_CORE_POLICY_JSON_H_

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>

#include "core/policy_settings.h"
#include "core/status.h"

namespace openlaps::core {

nlohmann::json PolicySettingsToJson(const PolicySettings& settings);
Result<PolicySettings> PolicySettingsFromJson(const nlohmann::json& json);

// The Windows LAPS settings-catalog template.
inline constexpr std::string_view kLapsTemplateId = "adc46e5a-f4aa-4ff6-aeff-4f27bc525796_1";
inline constexpr std::string_view kLapsTemplateFamily = "endpointSecurityAccountProtection";
inline constexpr std::string_view kLapsSettingPrefix = "device_vendor_msft_laps_policies_";

// Work bounds of the Intune reader: the LAPS template nests children two
// levels deep and has fewer than twenty settings, so these leave room for
// every real policy while a hostile one is refused before it costs anything.
inline constexpr int kMaxIntuneNesting = 8;                  // levels of children[]
inline constexpr std::size_t kMaxIntuneInstances = 256;      // setting instances in all
inline constexpr std::size_t kMaxIntuneReportedErrors = 32;  // the rest only counted

// The settings[] array (each element a deviceManagementConfigurationSetting).
nlohmann::json PolicySettingsToIntune(const PolicySettings& settings);
Result<PolicySettings> PolicySettingsFromIntune(const nlohmann::json& settings_array);

}  // namespace openlaps::core

#endif  // OPENLAPS_CORE_POLICY_JSON_H_
