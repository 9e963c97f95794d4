#include "core/policy_validation.h"

#include <gtest/gtest.h>

#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

#include "testing/status_matchers.h"

namespace openlaps::core {
namespace {

PolicySettings Make(std::initializer_list<std::pair<SettingId, SettingValue>> values) {
  PolicySettings s;
  for (const auto& [id, value] : values) s.Set(id, value);
  return s;
}

// Active Directory backup, complexity 4 and no automatic account management
// make every setting but PassphraseLength apply, so range tests see errors
// without ignored findings mixed in.
PolicySettings ActiveDirectoryWith(SettingId id, SettingValue value) {
  PolicySettings s = Make({{SettingId::kBackupDirectory, std::int64_t{2}}});
  s.Set(id, std::move(value));
  return s;
}

std::vector<std::string> Messages(const std::vector<ValidationFinding>& findings) {
  std::vector<std::string> out;
  for (const auto& f : findings) out.push_back(f.message);
  return out;
}

struct IntRange {
  SettingId id;
  std::int64_t min;
  std::int64_t max;
};

class IntRangeTest : public ::testing::TestWithParam<IntRange> {};

TEST_P(IntRangeTest, AcceptsBoundsAndRefusesOneBeyond) {
  const IntRange& r = GetParam();
  const std::string name(SpecOf(r.id).csp_name);
  const std::string allowed = "allowed " + std::to_string(r.min) + "-" + std::to_string(r.max);

  for (std::int64_t good : {r.min, r.max}) {
    const ValidationReport report = ValidatePolicySettings(ActiveDirectoryWith(r.id, good));
    EXPECT_TRUE(report.ok()) << name << "=" << good << ": " << report.ToStatus();
    EXPECT_TRUE(report.Errors().empty());
  }
  for (std::int64_t bad : {r.min - 1, r.max + 1}) {
    const ValidationReport report = ValidatePolicySettings(ActiveDirectoryWith(r.id, bad));
    EXPECT_FALSE(report.ok()) << name << "=" << bad;
    const std::vector<ValidationFinding> errors = report.Errors();
    ASSERT_EQ(errors.size(), 1u) << name << "=" << bad;
    const ValidationFinding& f = errors[0];
    EXPECT_EQ(f.setting, r.id);
    EXPECT_EQ(f.kind, FindingKind::kError);
    EXPECT_NE(f.message.find(name), std::string::npos) << f.message;
    EXPECT_NE(f.message.find(std::to_string(bad)), std::string::npos) << f.message;
    EXPECT_NE(f.message.find(allowed), std::string::npos) << f.message;
    EXPECT_TRUE(report.ToStatus().IsInvalidArgument());
    EXPECT_EQ(report.ToStatus().message(), f.message);
  }
}

INSTANTIATE_TEST_SUITE_P(
    IntSettings, IntRangeTest,
    ::testing::Values(IntRange{SettingId::kBackupDirectory, 0, 2},
                      IntRange{SettingId::kPasswordAgeDays, 1, 365},
                      IntRange{SettingId::kPasswordLength, 8, 64},
                      IntRange{SettingId::kPassphraseLength, 3, 10},
                      IntRange{SettingId::kPasswordComplexity, 1, 8},
                      IntRange{SettingId::kAdEncryptedPasswordHistorySize, 0, 12},
                      IntRange{SettingId::kPostAuthenticationResetDelay, 0, 24},
                      IntRange{SettingId::kAutomaticAccountManagementTarget, 0, 1},
                      IntRange{SettingId::kRotateAfterRevealHours, 0, 168}),
    [](const ::testing::TestParamInfo<IntRange>& info) {
      return std::string(SpecOf(info.param.id).csp_name);
    });

TEST(ValidationTest, PostAuthenticationActionsAcceptsOnlyTheListedValues) {
  for (std::int64_t v : {1, 3, 5, 11}) {
    EXPECT_TRUE(
        ValidatePolicySettings(ActiveDirectoryWith(SettingId::kPostAuthenticationActions, v)).ok())
        << v;
  }
  for (std::int64_t v : {0, 2, 4, 6, 7, 10, 12, -1}) {
    const ValidationReport report =
        ValidatePolicySettings(ActiveDirectoryWith(SettingId::kPostAuthenticationActions, v));
    ASSERT_EQ(report.Errors().size(), 1u) << v;
    EXPECT_EQ(report.Errors()[0].message, "PostAuthenticationActions: " + std::to_string(v) +
                                              " is not allowed; allowed 1, 3, 5, 11");
  }
}

TEST(ValidationTest, CloudBackupNeedsSevenDaysOfPasswordAge) {
  const auto with = [](std::int64_t backup, std::int64_t age) {
    return ValidatePolicySettings(
        Make({{SettingId::kBackupDirectory, backup}, {SettingId::kPasswordAgeDays, age}}));
  };
  EXPECT_TRUE(with(1, 7).ok());
  EXPECT_TRUE(with(1, 365).ok());
  const ValidationReport six = with(1, 6);
  ASSERT_EQ(six.Errors().size(), 1u);
  EXPECT_EQ(six.Errors()[0].message,
            "PasswordAgeDays: 6 is out of range; allowed 7-365 when BackupDirectory is 1 (cloud)");
  EXPECT_FALSE(with(1, 1).ok());
  EXPECT_FALSE(with(1, 366).ok());
  // Active Directory allows a single day.
  EXPECT_TRUE(with(2, 1).ok());
  EXPECT_TRUE(with(2, 6).ok());
}

TEST(ValidationTest, BooleansAreAlwaysInRange) {
  for (SettingId id :
       {SettingId::kPasswordExpirationProtectionEnabled, SettingId::kAdPasswordEncryptionEnabled}) {
    EXPECT_TRUE(ValidatePolicySettings(ActiveDirectoryWith(id, true)).ok());
    EXPECT_TRUE(ValidatePolicySettings(ActiveDirectoryWith(id, false)).ok());
  }
}

struct NameCase {
  std::string name;
  bool ok;
};

class AccountNameTest : public ::testing::TestWithParam<NameCase> {};

TEST_P(AccountNameTest, FollowsWindowsUserNameRules) {
  const NameCase& c = GetParam();
  for (SettingId id :
       {SettingId::kAdministratorAccountName, SettingId::kAutomaticAccountManagementNameOrPrefix}) {
    PolicySettings s = Make({{SettingId::kBackupDirectory, std::int64_t{1}},
                             {SettingId::kAutomaticAccountManagementEnabled,
                              id == SettingId::kAutomaticAccountManagementNameOrPrefix}});
    s.Set(id, c.name);
    const ValidationReport report = ValidatePolicySettings(s);
    EXPECT_EQ(report.ok(), c.ok) << SpecOf(id).csp_name << " \"" << c.name << "\"";
    if (!c.ok) {
      ASSERT_FALSE(report.Errors().empty());
      EXPECT_EQ(report.Errors()[0].setting, id);
      EXPECT_EQ(report.Errors()[0].message.rfind(std::string(SpecOf(id).csp_name) + ": ", 0), 0u);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(
    Names, AccountNameTest,
    ::testing::Values(NameCase{"", true}, NameCase{"Admin", true},
                      NameCase{"lapsadmin.x-y_z 1", true}, NameCase{std::string(20, 'a'), true},
                      NameCase{std::string(21, 'a'), false},
                      // 20 two-byte characters are 20 characters, not 40.
                      NameCase{[] {
                                 std::string s;
                                 for (int i = 0; i < 20; ++i) s += "\xc3\xa9";
                                 return s;
                               }(),
                               true},
                      NameCase{"\xc3", false}, NameCase{"a\"b", false}, NameCase{"a/b", false},
                      NameCase{"a\\b", false}, NameCase{"a[b", false}, NameCase{"a]b", false},
                      NameCase{"a:b", false}, NameCase{"a;b", false}, NameCase{"a|b", false},
                      NameCase{"a=b", false}, NameCase{"a,b", false}, NameCase{"a+b", false},
                      NameCase{"a*b", false}, NameCase{"a?b", false}, NameCase{"a<b", false},
                      NameCase{"a>b", false}, NameCase{"a@b", false}, NameCase{"a\tb", false},
                      NameCase{std::string("a\0b", 3), false}, NameCase{"a\x7f", false}));

TEST(ValidationTest, AccountNameErrorNamesTheCharacter) {
  const ValidationReport report = ValidatePolicySettings(
      ActiveDirectoryWith(SettingId::kAdministratorAccountName, std::string("ad@min")));
  ASSERT_EQ(report.Errors().size(), 1u);
  EXPECT_NE(report.Errors()[0].message.find("\"ad@min\" contains \"@\""), std::string::npos)
      << report.Errors()[0].message;
  const ValidationReport long_name = ValidatePolicySettings(
      ActiveDirectoryWith(SettingId::kAdministratorAccountName, std::string(21, 'x')));
  ASSERT_EQ(long_name.Errors().size(), 1u);
  EXPECT_NE(long_name.Errors()[0].message.find("is 21 characters long; allowed at most 20"),
            std::string::npos)
      << long_name.Errors()[0].message;
}

TEST(ValidationTest, RandomizedPrefixIsLimitedToFourteen) {
  const auto with = [](std::string prefix, bool randomize) {
    return ValidatePolicySettings(
        Make({{SettingId::kBackupDirectory, std::int64_t{1}},
              {SettingId::kAutomaticAccountManagementEnabled, true},
              {SettingId::kAutomaticAccountManagementRandomizeName, randomize},
              {SettingId::kAutomaticAccountManagementNameOrPrefix, std::move(prefix)}}));
  };
  EXPECT_TRUE(with(std::string(14, 'p'), true).ok());
  EXPECT_TRUE(with(std::string(15, 'p'), false).ok());
  EXPECT_TRUE(with(std::string(20, 'p'), false).ok());
  const ValidationReport report = with(std::string(15, 'p'), true);
  ASSERT_EQ(report.Errors().size(), 1u);
  EXPECT_EQ(report.Errors()[0].setting, SettingId::kAutomaticAccountManagementNameOrPrefix);
  EXPECT_NE(report.Errors()[0].message.find("allowed at most 14 when "
                                            "AutomaticAccountManagementRandomizeName is true"),
            std::string::npos)
      << report.Errors()[0].message;
  EXPECT_NE(report.Errors()[0].message.find("cuts"), std::string::npos);
}

TEST(ValidationTest, EmptyPolicyIsValid) {
  const ValidationReport report = ValidatePolicySettings(PolicySettings());
  EXPECT_TRUE(report.ok());
  EXPECT_TRUE(report.findings.empty());
  EXPECT_OK(report.ToStatus());
}

TEST(ValidationTest, ReportsEveryErrorAtOnce) {
  const PolicySettings s = Make({
      {SettingId::kBackupDirectory, std::int64_t{1}},
      {SettingId::kAdministratorAccountName, std::string("a:b")},
      {SettingId::kPasswordAgeDays, std::int64_t{3}},
      {SettingId::kPasswordLength, std::int64_t{100}},
      {SettingId::kPasswordComplexity, std::int64_t{0}},
      {SettingId::kPostAuthenticationResetDelay, std::int64_t{25}},
      {SettingId::kPostAuthenticationActions, std::int64_t{4}},
      {SettingId::kRotateAfterRevealHours, std::int64_t{-5}},
  });
  const ValidationReport report = ValidatePolicySettings(s);
  EXPECT_FALSE(report.ok());
  const std::vector<ValidationFinding> errors = report.Errors();
  ASSERT_EQ(errors.size(), 7u) << ::testing::PrintToString(Messages(errors));
  const Status status = report.ToStatus();
  ASSERT_TRUE(status.IsInvalidArgument());
  std::string joined;
  for (const auto& f : errors) {
    EXPECT_NE(status.message().find(f.message), std::string::npos);
    joined += (joined.empty() ? "" : "; ") + f.message;
  }
  EXPECT_EQ(status.message(), joined);
  for (std::string_view name :
       {"AdministratorAccountName: \"a:b\"", "PasswordAgeDays: 3", "PasswordLength: 100",
        "PasswordComplexity: 0", "PostAuthenticationResetDelay: 25", "PostAuthenticationActions: 4",
        "RotateAfterRevealHours: -5"}) {
    EXPECT_NE(status.message().find(name), std::string::npos) << name << " in " << status;
  }
  // Findings come in SettingId order.
  for (std::size_t i = 1; i < report.findings.size(); ++i) {
    EXPECT_LE(report.findings[i - 1].setting, report.findings[i].setting);
  }
}

TEST(ValidationTest, DisabledBackupIgnoresEveryOtherSetting) {
  for (bool configured : {false, true}) {
    PolicySettings s = Make({{SettingId::kPasswordLength, std::int64_t{20}},
                             {SettingId::kAdPasswordEncryptionEnabled, false},
                             {SettingId::kAdministratorAccountName, std::string("admin")},
                             {SettingId::kRotateAfterRevealHours, std::int64_t{2}}});
    if (configured) s.Set(SettingId::kBackupDirectory, std::int64_t{0});
    const ValidationReport report = ValidatePolicySettings(s);
    EXPECT_TRUE(report.ok());
    EXPECT_OK(report.ToStatus());
    const auto ignored = report.Ignored();
    ASSERT_EQ(ignored.size(), 4u) << ::testing::PrintToString(Messages(ignored));
    EXPECT_EQ(ignored[0].setting, SettingId::kAdministratorAccountName);
    EXPECT_EQ(ignored[1].setting, SettingId::kPasswordLength);
    EXPECT_EQ(ignored[2].setting, SettingId::kAdPasswordEncryptionEnabled);
    EXPECT_EQ(ignored[3].setting, SettingId::kRotateAfterRevealHours);
    for (const auto& f : ignored) {
      EXPECT_EQ(f.kind, FindingKind::kIgnored);
      EXPECT_NE(f.message.find("BackupDirectory is 0 (disabled)"), std::string::npos) << f.message;
      EXPECT_NE(f.message.find(SpecOf(f.setting).csp_name), std::string::npos) << f.message;
    }
  }
}

TEST(ValidationTest, BackupDirectoryAloneIsNeverIgnored) {
  EXPECT_TRUE(ValidatePolicySettings(Make({{SettingId::kBackupDirectory, std::int64_t{0}}}))
                  .findings.empty());
}

TEST(ValidationTest, ActiveDirectorySettingsIgnoredOutsideActiveDirectory) {
  const std::vector<SettingId> ad_only = {
      SettingId::kPasswordExpirationProtectionEnabled, SettingId::kAdPasswordEncryptionEnabled,
      SettingId::kAdPasswordEncryptionPrincipal, SettingId::kAdEncryptedPasswordHistorySize};
  PolicySettings s = Make({{SettingId::kBackupDirectory, std::int64_t{1}},
                           {SettingId::kPasswordExpirationProtectionEnabled, true},
                           {SettingId::kAdPasswordEncryptionEnabled, true},
                           {SettingId::kAdPasswordEncryptionPrincipal, std::string("S-1-5-32-544")},
                           {SettingId::kAdEncryptedPasswordHistorySize, std::int64_t{3}}});
  const ValidationReport cloud = ValidatePolicySettings(s);
  EXPECT_TRUE(cloud.ok());
  ASSERT_EQ(cloud.Ignored().size(), ad_only.size());
  for (std::size_t i = 0; i < ad_only.size(); ++i) {
    EXPECT_EQ(cloud.Ignored()[i].setting, ad_only[i]);
    EXPECT_NE(cloud.Ignored()[i].message.find("BackupDirectory is 2 (Active Directory)"),
              std::string::npos)
        << cloud.Ignored()[i].message;
  }
  s.Set(SettingId::kBackupDirectory, std::int64_t{2});
  EXPECT_TRUE(ValidatePolicySettings(s).findings.empty());
}

TEST(ValidationTest, PasswordLengthIgnoredForPassphrases) {
  for (std::int64_t complexity = 1; complexity <= 8; ++complexity) {
    const ValidationReport report =
        ValidatePolicySettings(Make({{SettingId::kBackupDirectory, std::int64_t{1}},
                                     {SettingId::kPasswordComplexity, complexity},
                                     {SettingId::kPasswordLength, std::int64_t{16}}}));
    EXPECT_TRUE(report.ok());
    if (complexity >= 6) {
      ASSERT_EQ(report.Ignored().size(), 1u) << complexity;
      EXPECT_EQ(report.Ignored()[0].setting, SettingId::kPasswordLength);
      EXPECT_NE(report.Ignored()[0].message.find("PasswordComplexity 1-5"), std::string::npos);
    } else {
      EXPECT_TRUE(report.findings.empty()) << complexity;
    }
  }
}

TEST(ValidationTest, PassphraseLengthIgnoredForPasswords) {
  for (std::int64_t complexity = 1; complexity <= 8; ++complexity) {
    const ValidationReport report =
        ValidatePolicySettings(Make({{SettingId::kBackupDirectory, std::int64_t{1}},
                                     {SettingId::kPasswordComplexity, complexity},
                                     {SettingId::kPassphraseLength, std::int64_t{5}}}));
    EXPECT_TRUE(report.ok());
    if (complexity <= 5) {
      ASSERT_EQ(report.Ignored().size(), 1u) << complexity;
      EXPECT_EQ(report.Ignored()[0].setting, SettingId::kPassphraseLength);
    } else {
      EXPECT_TRUE(report.findings.empty()) << complexity;
    }
  }
  // Complexity unset means 4: passwords, so a passphrase length is ignored.
  const ValidationReport unset =
      ValidatePolicySettings(Make({{SettingId::kBackupDirectory, std::int64_t{1}},
                                   {SettingId::kPassphraseLength, std::int64_t{5}}}));
  ASSERT_EQ(unset.Ignored().size(), 1u);
  EXPECT_NE(unset.Ignored()[0].message.find("PasswordComplexity is 4 (default)"), std::string::npos)
      << unset.Ignored()[0].message;
}

TEST(ValidationTest, AutomaticAccountSettingsIgnoredUnlessEnabled) {
  const std::vector<SettingId> subs = {SettingId::kAutomaticAccountManagementTarget,
                                       SettingId::kAutomaticAccountManagementNameOrPrefix,
                                       SettingId::kAutomaticAccountManagementEnableAccount,
                                       SettingId::kAutomaticAccountManagementRandomizeName};
  PolicySettings s = Make({{SettingId::kBackupDirectory, std::int64_t{1}},
                           {SettingId::kAutomaticAccountManagementTarget, std::int64_t{0}},
                           {SettingId::kAutomaticAccountManagementNameOrPrefix, std::string("Adm")},
                           {SettingId::kAutomaticAccountManagementEnableAccount, true},
                           {SettingId::kAutomaticAccountManagementRandomizeName, false}});
  for (int state = 0; state < 3; ++state) {
    // 0: enabled unset (false by default), 1: false, 2: true.
    if (state > 0) s.Set(SettingId::kAutomaticAccountManagementEnabled, state == 2);
    const ValidationReport report = ValidatePolicySettings(s);
    EXPECT_TRUE(report.ok());
    if (state == 2) {
      EXPECT_TRUE(report.findings.empty());
      continue;
    }
    ASSERT_EQ(report.Ignored().size(), subs.size()) << state;
    for (std::size_t i = 0; i < subs.size(); ++i) {
      EXPECT_EQ(report.Ignored()[i].setting, subs[i]);
      EXPECT_NE(report.Ignored()[i].message.find("AutomaticAccountManagementEnabled is true"),
                std::string::npos);
    }
  }
}

TEST(ValidationTest, AdministratorAccountNameIgnoredWithAutomaticAccount) {
  PolicySettings s = Make({{SettingId::kBackupDirectory, std::int64_t{1}},
                           {SettingId::kAdministratorAccountName, std::string("admin")},
                           {SettingId::kAutomaticAccountManagementEnabled, true}});
  const ValidationReport report = ValidatePolicySettings(s);
  EXPECT_TRUE(report.ok());
  ASSERT_EQ(report.Ignored().size(), 1u);
  EXPECT_EQ(report.Ignored()[0].setting, SettingId::kAdministratorAccountName);
  EXPECT_EQ(report.Ignored()[0].message.rfind("AdministratorAccountName: \"admin\" is ignored", 0),
            0u);
  s.Set(SettingId::kAutomaticAccountManagementEnabled, false);
  EXPECT_TRUE(ValidatePolicySettings(s).findings.empty());
}

TEST(ValidationTest, InvalidValueIsAnErrorEvenWhenItWouldBeIgnored) {
  const ValidationReport report =
      ValidatePolicySettings(Make({{SettingId::kBackupDirectory, std::int64_t{0}},
                                   {SettingId::kPasswordLength, std::int64_t{7}},
                                   {SettingId::kPasswordAgeDays, std::int64_t{10}}}));
  ASSERT_EQ(report.Errors().size(), 1u);
  EXPECT_EQ(report.Errors()[0].setting, SettingId::kPasswordLength);
  ASSERT_EQ(report.Ignored().size(), 1u);
  EXPECT_EQ(report.Ignored()[0].setting, SettingId::kPasswordAgeDays);
}

TEST(ValidationTest, RefusedControllerDoesNotMarkOthersIgnored) {
  // With BackupDirectory refused, what the admin meant is unknown: report
  // only the error, not "ignored" noise about everything it controls.
  const ValidationReport report =
      ValidatePolicySettings(Make({{SettingId::kBackupDirectory, std::int64_t{7}},
                                   {SettingId::kAdPasswordEncryptionEnabled, true},
                                   {SettingId::kPasswordLength, std::int64_t{10}}}));
  ASSERT_EQ(report.findings.size(), 1u);
  EXPECT_EQ(report.findings[0].setting, SettingId::kBackupDirectory);
  EXPECT_EQ(report.findings[0].message, "BackupDirectory: 7 is out of range; allowed 0-2");
}

TEST(ValidationReportTest, FiltersByKind) {
  ValidationReport report;
  report.findings = {{SettingId::kPasswordLength, FindingKind::kIgnored, "a"},
                     {SettingId::kPasswordAgeDays, FindingKind::kError, "b"},
                     {SettingId::kPassphraseLength, FindingKind::kError, "c"}};
  EXPECT_FALSE(report.ok());
  EXPECT_EQ(Messages(report.Errors()), (std::vector<std::string>{"b", "c"}));
  EXPECT_EQ(Messages(report.Ignored()), (std::vector<std::string>{"a"}));
  EXPECT_EQ(report.ToStatus(), InvalidArgumentError("b; c"));
  report.findings.erase(report.findings.begin() + 1, report.findings.end());
  EXPECT_TRUE(report.ok());
  EXPECT_OK(report.ToStatus());
}

}  // namespace
}  // namespace openlaps::core
