#include "core/policy_settings.h"

#include <algorithm>
#include <cassert>
#include <cctype>

#include "core/policy_validation.h"

namespace openlaps::core {
namespace {

constexpr std::int64_t kPostAuthenticationActionValues[] = {
    kPostAuthReset,
    kPostAuthReset | kPostAuthEndSessions,
    kPostAuthReset | kPostAuthReboot,
    kPostAuthReset | kPostAuthEndSessions | kPostAuthEndProcesses,
};

// Windows local account names hold at most 20 characters.
constexpr std::int64_t kMaxAccountNameLength = 20;

// Built once on first use: SettingValue holds a std::string, so the table
// cannot be constexpr.
const std::array<SettingSpec, kSettingCount>& Specs() {
  static const std::array<SettingSpec, kSettingCount> kSpecs = {{
      {.id = SettingId::kBackupDirectory,
       .csp_name = "BackupDirectory",
       .json_key = "backupDirectory",
       .type = SettingType::kInt,
       .min = 0,
       .max = 2,
       .allowed = {},
       .default_value = std::int64_t{0},
       .applies = Applicability::kAlways,
       .help = "Where the password is backed up: 0 turns LAPS off, 1 backs up to the OpenLAPS "
               "server (cloud), 2 to Active Directory."},
      {.id = SettingId::kAdministratorAccountName,
       .csp_name = "AdministratorAccountName",
       .json_key = "administratorAccountName",
       .type = SettingType::kString,
       .min = 0,
       .max = kMaxAccountNameLength,
       .allowed = {},
       .default_value = std::string(),
       .applies = Applicability::kNotAutomaticAccount,
       .help = "Name of the local account to manage; leave empty to manage the built-in "
               "administrator even if it was renamed."},
      {.id = SettingId::kPasswordAgeDays,
       .csp_name = "PasswordAgeDays",
       .json_key = "passwordAgeDays",
       .type = SettingType::kInt,
       .min = 1,
       .max = 365,
       .allowed = {},
       .default_value = std::int64_t{30},
       .applies = Applicability::kAlways,
       .help = "Days a password is used before it is rotated (at least 7 when backing up to the "
               "cloud)."},
      {.id = SettingId::kPasswordLength,
       .csp_name = "PasswordLength",
       .json_key = "passwordLength",
       .type = SettingType::kInt,
       .min = 8,
       .max = 64,
       .allowed = {},
       .default_value = std::int64_t{14},
       .applies = Applicability::kPasswordComplexity,
       .help = "Number of characters in generated passwords (complexity 1-5)."},
      {.id = SettingId::kPassphraseLength,
       .csp_name = "PassphraseLength",
       .json_key = "passphraseLength",
       .type = SettingType::kInt,
       .min = 3,
       .max = 10,
       .allowed = {},
       .default_value = std::int64_t{6},
       .applies = Applicability::kPassphraseComplexity,
       .help = "Number of words in generated passphrases (complexity 6-8)."},
      {.id = SettingId::kPasswordComplexity,
       .csp_name = "PasswordComplexity",
       .json_key = "passwordComplexity",
       .type = SettingType::kInt,
       .min = 1,
       .max = 8,
       .allowed = {},
       .default_value = std::int64_t{4},
       .applies = Applicability::kAlways,
       .help = "Which characters passwords use (1 upper case up to 4 upper, lower, digits and "
               "specials; 5 easy to read), or 6-8 for passphrases of words."},
      {.id = SettingId::kPasswordExpirationProtectionEnabled,
       .csp_name = "PasswordExpirationProtectionEnabled",
       .json_key = "passwordExpirationProtectionEnabled",
       .type = SettingType::kBool,
       .min = 0,
       .max = 0,
       .allowed = {},
       .default_value = true,
       .applies = Applicability::kActiveDirectoryOnly,
       .help = "Rotate at once when a password's expiry is later than the password age allows "
               "(Active Directory only)."},
      {.id = SettingId::kAdPasswordEncryptionEnabled,
       .csp_name = "ADPasswordEncryptionEnabled",
       .json_key = "adPasswordEncryptionEnabled",
       .type = SettingType::kBool,
       .min = 0,
       .max = 0,
       .allowed = {},
       .default_value = true,
       .applies = Applicability::kActiveDirectoryOnly,
       .help = "Encrypt the password before storing it in Active Directory (needs DPAPI-NG: "
               "Windows agents only; turn it off, or choose the legacy attributes, for Linux "
               "agents)."},
      {.id = SettingId::kAdPasswordEncryptionPrincipal,
       .csp_name = "ADPasswordEncryptionPrincipal",
       .json_key = "adPasswordEncryptionPrincipal",
       .type = SettingType::kString,
       .min = 0,
       .max = 0,
       .allowed = {},
       .default_value = std::string("Domain Admins"),
       .applies = Applicability::kActiveDirectoryOnly,
       .help = "The group or user (SID, DOMAIN\\name or UPN) allowed to decrypt the password "
               "stored in Active Directory."},
      {.id = SettingId::kAdEncryptedPasswordHistorySize,
       .csp_name = "ADEncryptedPasswordHistorySize",
       .json_key = "adEncryptedPasswordHistorySize",
       .type = SettingType::kInt,
       .min = 0,
       .max = 12,
       .allowed = {},
       .default_value = std::int64_t{0},
       .applies = Applicability::kActiveDirectoryOnly,
       .help = "How many earlier encrypted passwords Active Directory keeps (0-12)."},
      {.id = SettingId::kPostAuthenticationResetDelay,
       .csp_name = "PostAuthenticationResetDelay",
       .json_key = "postAuthenticationResetDelay",
       .type = SettingType::kInt,
       .min = 0,
       .max = 24,
       .allowed = {},
       .default_value = std::int64_t{24},
       .applies = Applicability::kAlways,
       .help = "Hours after the managed account signs in before the post-authentication actions "
               "run; 0 turns them off."},
      {.id = SettingId::kPostAuthenticationActions,
       .csp_name = "PostAuthenticationActions",
       .json_key = "postAuthenticationActions",
       .type = SettingType::kInt,
       .min = 1,
       .max = 11,
       .allowed = kPostAuthenticationActionValues,
       .default_value = std::int64_t{3},
       .applies = Applicability::kAlways,
       .help = "What happens when the post-authentication delay ends: 1 reset the password, 3 "
               "also sign the account out, 5 also reboot, 11 also end its remaining processes."},
      {.id = SettingId::kAutomaticAccountManagementEnabled,
       .csp_name = "AutomaticAccountManagementEnabled",
       .json_key = "automaticAccountManagementEnabled",
       .type = SettingType::kBool,
       .min = 0,
       .max = 0,
       .allowed = {},
       .default_value = false,
       .applies = Applicability::kAlways,
       .help = "Let LAPS create and maintain the managed account itself."},
      {.id = SettingId::kAutomaticAccountManagementTarget,
       .csp_name = "AutomaticAccountManagementTarget",
       .json_key = "automaticAccountManagementTarget",
       .type = SettingType::kInt,
       .min = 0,
       .max = 1,
       .allowed = {},
       .default_value = std::int64_t{1},
       .applies = Applicability::kAutomaticAccount,
       .help = "Which account automatic management uses: 0 the built-in administrator, 1 a new "
               "account."},
      {.id = SettingId::kAutomaticAccountManagementNameOrPrefix,
       .csp_name = "AutomaticAccountManagementNameOrPrefix",
       .json_key = "automaticAccountManagementNameOrPrefix",
       .type = SettingType::kString,
       .min = 0,
       .max = kMaxAccountNameLength,
       .allowed = {},
       .default_value = std::string("WLapsAdmin"),
       .applies = Applicability::kAutomaticAccount,
       .help = "Name of the automatically managed account, or its prefix when the name is "
               "randomized (at most 14 characters then)."},
      {.id = SettingId::kAutomaticAccountManagementEnableAccount,
       .csp_name = "AutomaticAccountManagementEnableAccount",
       .json_key = "automaticAccountManagementEnableAccount",
       .type = SettingType::kBool,
       .min = 0,
       .max = 0,
       .allowed = {},
       .default_value = false,
       .applies = Applicability::kAutomaticAccount,
       .help = "Enable the automatically managed account so it can sign in."},
      {.id = SettingId::kAutomaticAccountManagementRandomizeName,
       .csp_name = "AutomaticAccountManagementRandomizeName",
       .json_key = "automaticAccountManagementRandomizeName",
       .type = SettingType::kBool,
       .min = 0,
       .max = 0,
       .allowed = {},
       .default_value = false,
       .applies = Applicability::kAutomaticAccount,
       .help = "Append six random digits to the account name, new at every rotation."},
      {.id = SettingId::kRotateAfterRevealHours,
       .csp_name = "RotateAfterRevealHours",
       .json_key = "rotateAfterRevealHours",
       .type = SettingType::kInt,
       .min = 0,
       .max = 168,
       .allowed = {},
       .default_value = std::int64_t{0},
       .applies = Applicability::kAlways,
       .help = "Rotate the password this many hours after an admin reveals it; 0 turns this "
               "off (OpenLAPS extension)."},
      {.id = SettingId::kAdLegacyLapsAttributesEnabled,
       .csp_name = "ADLegacyLapsAttributesEnabled",
       .json_key = "adLegacyLapsAttributesEnabled",
       .type = SettingType::kBool,
       .min = 0,
       .max = 0,
       .allowed = {},
       .default_value = false,
       .applies = Applicability::kActiveDirectoryOnly,
       .help = "Write the legacy Microsoft LAPS attributes (ms-Mcs-AdmPwd, readable by whoever "
               "may read it) instead of Windows LAPS's, for forests without the Windows LAPS "
               "schema (OpenLAPS extension)."},
  }};
  return kSpecs;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) ==
           std::tolower(static_cast<unsigned char>(y));
  });
}

[[maybe_unused]] bool TypeMatches(SettingType type, const SettingValue& value) {
  switch (type) {
    case SettingType::kInt:
      return std::holds_alternative<std::int64_t>(value);
    case SettingType::kBool:
      return std::holds_alternative<bool>(value);
    case SettingType::kString:
      return std::holds_alternative<std::string>(value);
  }
  return false;
}

}  // namespace

std::span<const SettingSpec> AllSettingSpecs() { return Specs(); }

const SettingSpec& SpecOf(SettingId id) { return Specs()[static_cast<std::size_t>(id)]; }

std::optional<SettingId> SettingIdFromName(std::string_view name) {
  for (const SettingSpec& spec : Specs()) {
    if (EqualsIgnoreCase(name, spec.csp_name) || EqualsIgnoreCase(name, spec.json_key)) {
      return spec.id;
    }
  }
  return std::nullopt;
}

std::string SettingValueToString(const SettingValue& value) {
  if (const auto* i = std::get_if<std::int64_t>(&value)) return std::to_string(*i);
  if (const auto* b = std::get_if<bool>(&value)) return *b ? "true" : "false";
  return std::get<std::string>(value);
}

void PolicySettings::Set(SettingId id, SettingValue value) {
  assert(TypeMatches(SpecOf(id).type, value) && "value type does not match the setting's spec");
  values_[static_cast<std::size_t>(id)] = std::move(value);
}

bool PolicySettings::Empty() const { return ConfiguredCount() == 0; }

std::size_t PolicySettings::ConfiguredCount() const {
  return static_cast<std::size_t>(
      std::count_if(values_.begin(), values_.end(), [](const auto& v) { return v.has_value(); }));
}

std::optional<std::int64_t> PolicySettings::GetInt(SettingId id) const {
  const auto& v = Get(id);
  if (!v) return std::nullopt;
  if (const auto* i = std::get_if<std::int64_t>(&*v)) return *i;
  return std::nullopt;
}

std::optional<bool> PolicySettings::GetBool(SettingId id) const {
  const auto& v = Get(id);
  if (!v) return std::nullopt;
  if (const auto* b = std::get_if<bool>(&*v)) return *b;
  return std::nullopt;
}

std::optional<std::string> PolicySettings::GetString(SettingId id) const {
  const auto& v = Get(id);
  if (!v) return std::nullopt;
  if (const auto* s = std::get_if<std::string>(&*v)) return *s;
  return std::nullopt;
}

LapsSettings LapsSettings::Resolve(const PolicySettings& configured) {
  // The device keeps a configured value only when the server would accept it;
  // anything the validator refuses falls back to the setting's default.
  std::array<bool, kSettingCount> refused{};
  for (const ValidationFinding& f : ValidatePolicySettings(configured).Errors()) {
    refused[static_cast<std::size_t>(f.setting)] = true;
  }
  auto value = [&](SettingId id) -> const SettingValue& {
    const auto& v = configured.Get(id);
    if (v && !refused[static_cast<std::size_t>(id)]) return *v;
    return SpecOf(id).default_value;
  };
  auto as_int = [&](SettingId id) { return static_cast<int>(std::get<std::int64_t>(value(id))); };
  auto as_bool = [&](SettingId id) { return std::get<bool>(value(id)); };
  auto as_string = [&](SettingId id) { return std::get<std::string>(value(id)); };

  LapsSettings s;
  s.backup_directory =
      static_cast<BackupDirectory>(std::get<std::int64_t>(value(SettingId::kBackupDirectory)));
  s.administrator_account_name = as_string(SettingId::kAdministratorAccountName);
  s.password_age_days = as_int(SettingId::kPasswordAgeDays);
  s.password_length = as_int(SettingId::kPasswordLength);
  s.passphrase_length = as_int(SettingId::kPassphraseLength);
  s.password_complexity = as_int(SettingId::kPasswordComplexity);
  s.password_expiration_protection_enabled =
      as_bool(SettingId::kPasswordExpirationProtectionEnabled);
  s.ad_password_encryption_enabled = as_bool(SettingId::kAdPasswordEncryptionEnabled);
  s.ad_password_encryption_principal = as_string(SettingId::kAdPasswordEncryptionPrincipal);
  s.ad_encrypted_password_history_size = as_int(SettingId::kAdEncryptedPasswordHistorySize);
  s.post_authentication_reset_delay_hours = as_int(SettingId::kPostAuthenticationResetDelay);
  s.post_authentication_actions = as_int(SettingId::kPostAuthenticationActions);
  s.automatic_account_management_enabled = as_bool(SettingId::kAutomaticAccountManagementEnabled);
  s.automatic_account_management_target = as_int(SettingId::kAutomaticAccountManagementTarget);
  s.automatic_account_management_name_or_prefix =
      as_string(SettingId::kAutomaticAccountManagementNameOrPrefix);
  s.automatic_account_management_enable_account =
      as_bool(SettingId::kAutomaticAccountManagementEnableAccount);
  s.automatic_account_management_randomize_name =
      as_bool(SettingId::kAutomaticAccountManagementRandomizeName);
  s.rotate_after_reveal_hours = as_int(SettingId::kRotateAfterRevealHours);
  s.ad_legacy_laps_attributes_enabled = as_bool(SettingId::kAdLegacyLapsAttributesEnabled);
  return s;
}

}  // namespace openlaps::core
