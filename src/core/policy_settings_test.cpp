#include "core/policy_settings.h"

#include <gtest/gtest.h>

#include <cctype>
#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

namespace openlaps::core {
namespace {

PolicySettings Make(std::initializer_list<std::pair<SettingId, SettingValue>> values) {
  PolicySettings s;
  for (const auto& [id, value] : values) s.Set(id, value);
  return s;
}

struct ExpectedSpec {
  SettingId id;
  std::string_view csp_name;
  std::string_view json_key;
  SettingType type;
  std::int64_t min;
  std::int64_t max;
  SettingValue default_value;
  Applicability applies;
};

// The LAPS-REFERENCE.md §1 table, restated independently of the code.
const std::vector<ExpectedSpec>& ExpectedSpecs() {
  static const std::vector<ExpectedSpec> kExpected = {
      {SettingId::kBackupDirectory, "BackupDirectory", "backupDirectory", SettingType::kInt, 0, 2,
       std::int64_t{0}, Applicability::kAlways},
      {SettingId::kAdministratorAccountName, "AdministratorAccountName", "administratorAccountName",
       SettingType::kString, 0, 20, std::string(), Applicability::kNotAutomaticAccount},
      {SettingId::kPasswordAgeDays, "PasswordAgeDays", "passwordAgeDays", SettingType::kInt, 1, 365,
       std::int64_t{30}, Applicability::kAlways},
      {SettingId::kPasswordLength, "PasswordLength", "passwordLength", SettingType::kInt, 8, 64,
       std::int64_t{14}, Applicability::kPasswordComplexity},
      {SettingId::kPassphraseLength, "PassphraseLength", "passphraseLength", SettingType::kInt, 3,
       10, std::int64_t{6}, Applicability::kPassphraseComplexity},
      {SettingId::kPasswordComplexity, "PasswordComplexity", "passwordComplexity",
       SettingType::kInt, 1, 8, std::int64_t{4}, Applicability::kAlways},
      {SettingId::kPasswordExpirationProtectionEnabled, "PasswordExpirationProtectionEnabled",
       "passwordExpirationProtectionEnabled", SettingType::kBool, 0, 0, true,
       Applicability::kActiveDirectoryOnly},
      {SettingId::kAdPasswordEncryptionEnabled, "ADPasswordEncryptionEnabled",
       "adPasswordEncryptionEnabled", SettingType::kBool, 0, 0, true,
       Applicability::kActiveDirectoryOnly},
      {SettingId::kAdPasswordEncryptionPrincipal, "ADPasswordEncryptionPrincipal",
       "adPasswordEncryptionPrincipal", SettingType::kString, 0, 0, std::string("Domain Admins"),
       Applicability::kActiveDirectoryOnly},
      {SettingId::kAdEncryptedPasswordHistorySize, "ADEncryptedPasswordHistorySize",
       "adEncryptedPasswordHistorySize", SettingType::kInt, 0, 12, std::int64_t{0},
       Applicability::kActiveDirectoryOnly},
      {SettingId::kPostAuthenticationResetDelay, "PostAuthenticationResetDelay",
       "postAuthenticationResetDelay", SettingType::kInt, 0, 24, std::int64_t{24},
       Applicability::kAlways},
      {SettingId::kPostAuthenticationActions, "PostAuthenticationActions",
       "postAuthenticationActions", SettingType::kInt, 1, 11, std::int64_t{3},
       Applicability::kAlways},
      {SettingId::kAutomaticAccountManagementEnabled, "AutomaticAccountManagementEnabled",
       "automaticAccountManagementEnabled", SettingType::kBool, 0, 0, false,
       Applicability::kAlways},
      {SettingId::kAutomaticAccountManagementTarget, "AutomaticAccountManagementTarget",
       "automaticAccountManagementTarget", SettingType::kInt, 0, 1, std::int64_t{1},
       Applicability::kAutomaticAccount},
      {SettingId::kAutomaticAccountManagementNameOrPrefix, "AutomaticAccountManagementNameOrPrefix",
       "automaticAccountManagementNameOrPrefix", SettingType::kString, 0, 20,
       std::string("WLapsAdmin"), Applicability::kAutomaticAccount},
      {SettingId::kAutomaticAccountManagementEnableAccount,
       "AutomaticAccountManagementEnableAccount", "automaticAccountManagementEnableAccount",
       SettingType::kBool, 0, 0, false, Applicability::kAutomaticAccount},
      {SettingId::kAutomaticAccountManagementRandomizeName,
       "AutomaticAccountManagementRandomizeName", "automaticAccountManagementRandomizeName",
       SettingType::kBool, 0, 0, false, Applicability::kAutomaticAccount},
      {SettingId::kRotateAfterRevealHours, "RotateAfterRevealHours", "rotateAfterRevealHours",
       SettingType::kInt, 0, 168, std::int64_t{0}, Applicability::kAlways},
      {SettingId::kAdLegacyLapsAttributesEnabled, "ADLegacyLapsAttributesEnabled",
       "adLegacyLapsAttributesEnabled", SettingType::kBool, 0, 0, false,
       Applicability::kActiveDirectoryOnly},
  };
  return kExpected;
}

TEST(SettingSpecTest, TableHasEverySettingInIdOrder) {
  const auto specs = AllSettingSpecs();
  ASSERT_EQ(specs.size(), kSettingCount);
  ASSERT_EQ(ExpectedSpecs().size(), kSettingCount);
  for (std::size_t i = 0; i < specs.size(); ++i) {
    EXPECT_EQ(static_cast<std::size_t>(specs[i].id), i);
    EXPECT_EQ(&SpecOf(specs[i].id), &specs[i]);
  }
}

class SettingSpecRowTest : public ::testing::TestWithParam<ExpectedSpec> {};

TEST_P(SettingSpecRowTest, MatchesReference) {
  const ExpectedSpec& want = GetParam();
  const SettingSpec& spec = SpecOf(want.id);
  EXPECT_EQ(spec.csp_name, want.csp_name);
  EXPECT_EQ(spec.json_key, want.json_key);
  EXPECT_EQ(spec.type, want.type);
  if (want.type != SettingType::kBool) {
    EXPECT_EQ(spec.min, want.min);
    EXPECT_EQ(spec.max, want.max);
  }
  EXPECT_EQ(spec.default_value, want.default_value);
  EXPECT_EQ(spec.applies, want.applies);
}

TEST_P(SettingSpecRowTest, JsonKeyIsCamelCaseOfCspName) {
  const SettingSpec& spec = SpecOf(GetParam().id);
  ASSERT_EQ(spec.json_key.size(), spec.csp_name.size());
  // "ADPassword..." becomes "adPassword...": the leading acronym is lowered.
  std::size_t lowered = spec.csp_name.starts_with("AD") ? 2 : 1;
  for (std::size_t i = 0; i < spec.csp_name.size(); ++i) {
    const char c = spec.csp_name[i];
    const char want =
        i < lowered ? static_cast<char>(std::tolower(static_cast<unsigned char>(c))) : c;
    EXPECT_EQ(spec.json_key[i], want) << spec.csp_name;
  }
}

TEST_P(SettingSpecRowTest, HasOneSentenceOfHelp) {
  const SettingSpec& spec = SpecOf(GetParam().id);
  ASSERT_GT(spec.help.size(), 20u) << spec.csp_name;
  EXPECT_EQ(spec.help.back(), '.') << spec.csp_name;
  EXPECT_NE(spec.help.find(' '), std::string_view::npos);
}

TEST_P(SettingSpecRowTest, DefaultHasTheSettingsType) {
  const SettingSpec& spec = SpecOf(GetParam().id);
  switch (spec.type) {
    case SettingType::kInt:
      EXPECT_TRUE(std::holds_alternative<std::int64_t>(spec.default_value));
      break;
    case SettingType::kBool:
      EXPECT_TRUE(std::holds_alternative<bool>(spec.default_value));
      break;
    case SettingType::kString:
      EXPECT_TRUE(std::holds_alternative<std::string>(spec.default_value));
      break;
  }
}

TEST_P(SettingSpecRowTest, FoundByEitherNameInAnyCase) {
  const SettingSpec& spec = SpecOf(GetParam().id);
  EXPECT_EQ(SettingIdFromName(spec.csp_name), spec.id);
  EXPECT_EQ(SettingIdFromName(spec.json_key), spec.id);
  std::string upper(spec.csp_name);
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_EQ(SettingIdFromName(upper), spec.id);
}

INSTANTIATE_TEST_SUITE_P(AllSettings, SettingSpecRowTest, ::testing::ValuesIn(ExpectedSpecs()),
                         [](const ::testing::TestParamInfo<ExpectedSpec>& info) {
                           return std::string(info.param.csp_name);
                         });

TEST(SettingSpecTest, PostAuthenticationActionsAllowsOnlyTheFourCombinations) {
  const auto allowed = SpecOf(SettingId::kPostAuthenticationActions).allowed;
  EXPECT_EQ(std::vector<std::int64_t>(allowed.begin(), allowed.end()),
            (std::vector<std::int64_t>{1, 3, 5, 11}));
  for (const SettingSpec& spec : AllSettingSpecs()) {
    if (spec.id != SettingId::kPostAuthenticationActions) {
      EXPECT_TRUE(spec.allowed.empty()) << spec.csp_name;
    }
  }
}

TEST(SettingSpecTest, UnknownNamesAreNotFound) {
  EXPECT_EQ(SettingIdFromName(""), std::nullopt);
  EXPECT_EQ(SettingIdFromName("PasswordAge"), std::nullopt);
  EXPECT_EQ(SettingIdFromName("PasswordAgeDaysX"), std::nullopt);
  EXPECT_EQ(SettingIdFromName("device_vendor_msft_laps_policies_passwordagedays"), std::nullopt);
}

TEST(SettingValueToStringTest, FormatsEachType) {
  EXPECT_EQ(SettingValueToString(std::int64_t{-12}), "-12");
  EXPECT_EQ(SettingValueToString(true), "true");
  EXPECT_EQ(SettingValueToString(false), "false");
  EXPECT_EQ(SettingValueToString(std::string("Domain Admins")), "Domain Admins");
}

TEST(PolicySettingsTest, StartsEmpty) {
  PolicySettings s;
  EXPECT_TRUE(s.Empty());
  EXPECT_EQ(s.ConfiguredCount(), 0u);
  for (const SettingSpec& spec : AllSettingSpecs()) EXPECT_FALSE(s.IsConfigured(spec.id));
}

TEST(PolicySettingsTest, SetGetClear) {
  PolicySettings s;
  s.Set(SettingId::kPasswordAgeDays, std::int64_t{10});
  s.Set(SettingId::kAdPasswordEncryptionEnabled, false);
  s.Set(SettingId::kAdministratorAccountName, std::string("admin"));
  EXPECT_FALSE(s.Empty());
  EXPECT_EQ(s.ConfiguredCount(), 3u);
  EXPECT_EQ(s.GetInt(SettingId::kPasswordAgeDays), 10);
  EXPECT_EQ(s.GetBool(SettingId::kAdPasswordEncryptionEnabled), false);
  EXPECT_EQ(s.GetString(SettingId::kAdministratorAccountName), "admin");
  // A typed getter of the wrong type or an unset setting yields nothing.
  EXPECT_EQ(s.GetBool(SettingId::kPasswordAgeDays), std::nullopt);
  EXPECT_EQ(s.GetString(SettingId::kPasswordAgeDays), std::nullopt);
  EXPECT_EQ(s.GetInt(SettingId::kAdministratorAccountName), std::nullopt);
  EXPECT_EQ(s.GetInt(SettingId::kPasswordLength), std::nullopt);

  s.Set(SettingId::kPasswordAgeDays, std::int64_t{11});
  EXPECT_EQ(s.GetInt(SettingId::kPasswordAgeDays), 11);
  EXPECT_EQ(s.ConfiguredCount(), 3u);
  s.Clear(SettingId::kPasswordAgeDays);
  EXPECT_FALSE(s.IsConfigured(SettingId::kPasswordAgeDays));
  EXPECT_EQ(s.ConfiguredCount(), 2u);
}

TEST(PolicySettingsTest, EqualityComparesConfiguredValues) {
  EXPECT_EQ(PolicySettings(), PolicySettings());
  EXPECT_EQ(Make({{SettingId::kPasswordLength, std::int64_t{20}}}),
            Make({{SettingId::kPasswordLength, std::int64_t{20}}}));
  EXPECT_NE(Make({{SettingId::kPasswordLength, std::int64_t{20}}}),
            Make({{SettingId::kPasswordLength, std::int64_t{21}}}));
  // Configuring the default is not the same as leaving it unset.
  EXPECT_NE(Make({{SettingId::kPasswordLength, std::int64_t{14}}}), PolicySettings());
}

#ifndef NDEBUG
TEST(PolicySettingsDeathTest, SetAssertsTheValueType) {
  PolicySettings s;
  EXPECT_DEATH(s.Set(SettingId::kPasswordLength, true), "type");
  EXPECT_DEATH(s.Set(SettingId::kAdministratorAccountName, std::int64_t{1}), "type");
}
#endif

TEST(LapsSettingsTest, ResolvesEmptyPolicyToDefaults) {
  const LapsSettings s = LapsSettings::Resolve(PolicySettings());
  EXPECT_EQ(s.backup_directory, BackupDirectory::kDisabled);
  EXPECT_EQ(s.administrator_account_name, "");
  EXPECT_EQ(s.password_age_days, 30);
  EXPECT_EQ(s.password_length, 14);
  EXPECT_EQ(s.passphrase_length, 6);
  EXPECT_EQ(s.password_complexity, 4);
  EXPECT_TRUE(s.password_expiration_protection_enabled);
  EXPECT_TRUE(s.ad_password_encryption_enabled);
  EXPECT_EQ(s.ad_password_encryption_principal, "Domain Admins");
  EXPECT_EQ(s.ad_encrypted_password_history_size, 0);
  EXPECT_EQ(s.post_authentication_reset_delay_hours, 24);
  EXPECT_EQ(s.post_authentication_actions, 3);
  EXPECT_FALSE(s.automatic_account_management_enabled);
  EXPECT_EQ(s.automatic_account_management_target, 1);
  EXPECT_EQ(s.automatic_account_management_name_or_prefix, "WLapsAdmin");
  EXPECT_FALSE(s.automatic_account_management_enable_account);
  EXPECT_FALSE(s.automatic_account_management_randomize_name);
  EXPECT_EQ(s.rotate_after_reveal_hours, 0);
  EXPECT_FALSE(s.RotationEnabled());
  EXPECT_FALSE(s.UsesPassphrase());
}

TEST(LapsSettingsTest, UsesEveryValidConfiguredValue) {
  const PolicySettings p = Make({
      {SettingId::kBackupDirectory, std::int64_t{2}},
      {SettingId::kAdministratorAccountName, std::string("lapsadmin")},
      {SettingId::kPasswordAgeDays, std::int64_t{3}},
      {SettingId::kPasswordLength, std::int64_t{20}},
      {SettingId::kPassphraseLength, std::int64_t{8}},
      {SettingId::kPasswordComplexity, std::int64_t{7}},
      {SettingId::kPasswordExpirationProtectionEnabled, false},
      {SettingId::kAdPasswordEncryptionEnabled, false},
      {SettingId::kAdPasswordEncryptionPrincipal, std::string("CONTOSO\\LAPS Readers")},
      {SettingId::kAdEncryptedPasswordHistorySize, std::int64_t{12}},
      {SettingId::kPostAuthenticationResetDelay, std::int64_t{0}},
      {SettingId::kPostAuthenticationActions, std::int64_t{11}},
      {SettingId::kAutomaticAccountManagementEnabled, true},
      {SettingId::kAutomaticAccountManagementTarget, std::int64_t{0}},
      {SettingId::kAutomaticAccountManagementNameOrPrefix, std::string("Admin")},
      {SettingId::kAutomaticAccountManagementEnableAccount, true},
      {SettingId::kAutomaticAccountManagementRandomizeName, true},
      {SettingId::kRotateAfterRevealHours, std::int64_t{168}},
  });
  const LapsSettings s = LapsSettings::Resolve(p);
  EXPECT_EQ(s.backup_directory, BackupDirectory::kActiveDirectory);
  EXPECT_EQ(s.administrator_account_name, "lapsadmin");
  EXPECT_EQ(s.password_age_days, 3);
  EXPECT_EQ(s.password_length, 20);
  EXPECT_EQ(s.passphrase_length, 8);
  EXPECT_EQ(s.password_complexity, 7);
  EXPECT_FALSE(s.password_expiration_protection_enabled);
  EXPECT_FALSE(s.ad_password_encryption_enabled);
  EXPECT_EQ(s.ad_password_encryption_principal, "CONTOSO\\LAPS Readers");
  EXPECT_EQ(s.ad_encrypted_password_history_size, 12);
  EXPECT_EQ(s.post_authentication_reset_delay_hours, 0);
  EXPECT_EQ(s.post_authentication_actions, 11);
  EXPECT_TRUE(s.automatic_account_management_enabled);
  EXPECT_EQ(s.automatic_account_management_target, 0);
  EXPECT_EQ(s.automatic_account_management_name_or_prefix, "Admin");
  EXPECT_TRUE(s.automatic_account_management_enable_account);
  EXPECT_TRUE(s.automatic_account_management_randomize_name);
  EXPECT_EQ(s.rotate_after_reveal_hours, 168);
  EXPECT_TRUE(s.RotationEnabled());
  EXPECT_TRUE(s.UsesPassphrase());
}

TEST(LapsSettingsTest, OutOfRangeValuesFallBackToDefaults) {
  const PolicySettings p = Make({
      {SettingId::kBackupDirectory, std::int64_t{3}},
      {SettingId::kAdministratorAccountName, std::string("bad/name")},
      {SettingId::kPasswordLength, std::int64_t{65}},
      {SettingId::kPassphraseLength, std::int64_t{2}},
      {SettingId::kPasswordComplexity, std::int64_t{9}},
      {SettingId::kAdEncryptedPasswordHistorySize, std::int64_t{13}},
      {SettingId::kPostAuthenticationResetDelay, std::int64_t{-1}},
      {SettingId::kPostAuthenticationActions, std::int64_t{2}},
      {SettingId::kAutomaticAccountManagementTarget, std::int64_t{2}},
      {SettingId::kAutomaticAccountManagementNameOrPrefix, std::string(21, 'a')},
      {SettingId::kRotateAfterRevealHours, std::int64_t{169}},
  });
  EXPECT_EQ(LapsSettings::Resolve(p), LapsSettings::Resolve(PolicySettings()));
}

TEST(LapsSettingsTest, CloudPasswordAgeBelowSevenFallsBackToDefault) {
  EXPECT_EQ(LapsSettings::Resolve(Make({{SettingId::kBackupDirectory, std::int64_t{1}},
                                        {SettingId::kPasswordAgeDays, std::int64_t{6}}}))
                .password_age_days,
            30);
  EXPECT_EQ(LapsSettings::Resolve(Make({{SettingId::kBackupDirectory, std::int64_t{1}},
                                        {SettingId::kPasswordAgeDays, std::int64_t{7}}}))
                .password_age_days,
            7);
  EXPECT_EQ(LapsSettings::Resolve(Make({{SettingId::kBackupDirectory, std::int64_t{2}},
                                        {SettingId::kPasswordAgeDays, std::int64_t{1}}}))
                .password_age_days,
            1);
}

TEST(LapsSettingsTest, KeepsValuesOfSettingsThatDoNotApply) {
  // Ignored settings are still resolved: the device simply does not use them.
  const LapsSettings s =
      LapsSettings::Resolve(Make({{SettingId::kPasswordLength, std::int64_t{30}},
                                  {SettingId::kPasswordComplexity, std::int64_t{6}}}));
  EXPECT_EQ(s.password_length, 30);
  EXPECT_TRUE(s.UsesPassphrase());
}

}  // namespace
}  // namespace openlaps::core
