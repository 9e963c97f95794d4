// The Windows LAPS policy settings (LAPS CSP ./Device/Vendor/MSFT/LAPS/Policies)
// as data: one SettingSpec per setting with type, range, default and where it
// applies, a PolicySettings that holds only what a policy configures, and
// LapsSettings, the fully resolved values a device applies.
//
// Thread safety: everything here is a value type or immutable static data.
#ifndef OPENLAPS_CORE_POLICY_SETTINGS_H_
#define OPENLAPS_CORE_POLICY_SETTINGS_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>

namespace openlaps::core {

enum class SettingId : std::uint8_t {
  kBackupDirectory,
  kAdministratorAccountName,
  kPasswordAgeDays,
  kPasswordLength,
  kPassphraseLength,
  kPasswordComplexity,
  kPasswordExpirationProtectionEnabled,
  kAdPasswordEncryptionEnabled,
  kAdPasswordEncryptionPrincipal,
  kAdEncryptedPasswordHistorySize,
  kPostAuthenticationResetDelay,
  kPostAuthenticationActions,
  kAutomaticAccountManagementEnabled,
  kAutomaticAccountManagementTarget,
  kAutomaticAccountManagementNameOrPrefix,
  kAutomaticAccountManagementEnableAccount,
  kAutomaticAccountManagementRandomizeName,
  // OpenLAPS extension (not in the Windows CSP): rotate this many hours after
  // an admin reveals the password; 0 = off.
  kRotateAfterRevealHours,
  // OpenLAPS extension: back up to the legacy Microsoft LAPS attributes
  // (ms-Mcs-AdmPwd) instead of Windows LAPS's, for forests without its schema.
  kAdLegacyLapsAttributesEnabled,
};
inline constexpr std::size_t kSettingCount =
    static_cast<std::size_t>(SettingId::kAdLegacyLapsAttributesEnabled) + 1;

// Settings OpenLAPS adds to the Windows CSP.
constexpr bool IsOpenLapsExtension(SettingId id) {
  return id == SettingId::kRotateAfterRevealHours ||
         id == SettingId::kAdLegacyLapsAttributesEnabled;
}

enum class SettingType { kInt, kBool, kString };

enum class BackupDirectory : std::int64_t { kDisabled = 0, kCloud = 1, kActiveDirectory = 2 };

// When a configured setting is used by the device; otherwise it is ignored.
enum class Applicability {
  kAlways,                // every backup directory (that is not Disabled)
  kActiveDirectoryOnly,   // BackupDirectory == 2
  kPasswordComplexity,    // PasswordComplexity 1-5
  kPassphraseComplexity,  // PasswordComplexity 6-8
  kAutomaticAccount,      // AutomaticAccountManagementEnabled == true
  kNotAutomaticAccount,   // AutomaticAccountManagementEnabled == false
};

using SettingValue = std::variant<std::int64_t, bool, std::string>;

struct SettingSpec {
  SettingId id;
  std::string_view csp_name;  // "PasswordAgeDays"
  std::string_view json_key;  // "passwordAgeDays" (our JSON)
  SettingType type;
  std::int64_t min = 0;                   // ints: inclusive range
  std::int64_t max = 0;                   // strings: max length (0 = unbounded)
  std::span<const std::int64_t> allowed;  // ints: discrete values, if any
  SettingValue default_value;
  Applicability applies;
  std::string_view help;  // one sentence for the console and CLI
};

// Every setting, in SettingId order.
std::span<const SettingSpec> AllSettingSpecs();
const SettingSpec& SpecOf(SettingId id);
// Case-insensitive lookup by CSP name or JSON key.
std::optional<SettingId> SettingIdFromName(std::string_view name);
std::string SettingValueToString(const SettingValue& value);

// What one policy configures: a value per setting or "not configured".
class PolicySettings {
 public:
  const std::optional<SettingValue>& Get(SettingId id) const {
    return values_[static_cast<std::size_t>(id)];
  }
  bool IsConfigured(SettingId id) const { return Get(id).has_value(); }
  // The caller passes a value of the setting's type (asserted).
  void Set(SettingId id, SettingValue value);
  void Clear(SettingId id) { values_[static_cast<std::size_t>(id)].reset(); }
  bool Empty() const;
  std::size_t ConfiguredCount() const;

  std::optional<std::int64_t> GetInt(SettingId id) const;
  std::optional<bool> GetBool(SettingId id) const;
  std::optional<std::string> GetString(SettingId id) const;

  friend bool operator==(const PolicySettings&, const PolicySettings&) = default;

 private:
  std::array<std::optional<SettingValue>, kSettingCount> values_;
};

// The values a device applies: configured values where valid, the setting's
// default where unset or out of range (the device-side rule of the CSP).
struct LapsSettings {
  BackupDirectory backup_directory = BackupDirectory::kDisabled;
  std::string administrator_account_name;
  int password_age_days = 30;
  int password_length = 14;
  int passphrase_length = 6;
  int password_complexity = 4;
  bool password_expiration_protection_enabled = true;
  bool ad_password_encryption_enabled = true;
  std::string ad_password_encryption_principal = "Domain Admins";
  int ad_encrypted_password_history_size = 0;
  int post_authentication_reset_delay_hours = 24;
  int post_authentication_actions = 3;
  bool automatic_account_management_enabled = false;
  int automatic_account_management_target = 1;
  std::string automatic_account_management_name_or_prefix = "WLapsAdmin";
  bool automatic_account_management_enable_account = false;
  bool automatic_account_management_randomize_name = false;
  int rotate_after_reveal_hours = 0;
  bool ad_legacy_laps_attributes_enabled = false;

  static LapsSettings Resolve(const PolicySettings& configured);
  bool RotationEnabled() const { return backup_directory != BackupDirectory::kDisabled; }
  bool UsesPassphrase() const { return password_complexity >= 6; }
  // Windows LAPS's encrypted attributes: what AD backup writes unless the
  // legacy attributes are chosen.
  bool EncryptsInActiveDirectory() const {
    return ad_password_encryption_enabled && !ad_legacy_laps_attributes_enabled;
  }

  friend bool operator==(const LapsSettings&, const LapsSettings&) = default;
};

// PostAuthenticationActions bits.
inline constexpr std::int64_t kPostAuthReset = 1;
inline constexpr std::int64_t kPostAuthEndSessions = 2;
inline constexpr std::int64_t kPostAuthReboot = 4;
inline constexpr std::int64_t kPostAuthEndProcesses = 8;

}  // namespace openlaps::core

#endif  // OPENLAPS_CORE_POLICY_SETTINGS_H_
