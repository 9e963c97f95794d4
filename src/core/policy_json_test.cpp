#include "core/policy_json.h"

#include <gtest/gtest.h>

#include <initializer_list>
#include <limits>
#include <random>
#include <string>
#include <utility>

#include "testing/status_matchers.h"

namespace openlaps::core {
namespace {

using nlohmann::json;

PolicySettings Make(std::initializer_list<std::pair<SettingId, SettingValue>> values) {
  PolicySettings s;
  for (const auto& [id, value] : values) s.Set(id, value);
  return s;
}

// A PolicySettings with each setting configured or not at random, values of
// the right type but any range, so round trips cover what validation refuses.
PolicySettings RandomSettings(std::mt19937_64& rng) {
  constexpr std::int64_t kSpecialInts[] = {std::numeric_limits<std::int64_t>::min(),
                                           std::numeric_limits<std::int64_t>::max(),
                                           -1,
                                           0,
                                           1,
                                           2,
                                           6,
                                           7,
                                           8};
  const std::string alphabet = "abcXYZ019 _-.\\/\"@:;[]{}<>|=,+*?";
  auto pick = [&](std::uint64_t n) {
    return std::uniform_int_distribution<std::uint64_t>(0, n - 1)(rng);
  };
  PolicySettings s;
  for (const SettingSpec& spec : AllSettingSpecs()) {
    if (pick(2) == 0) continue;
    switch (spec.type) {
      case SettingType::kInt:
        if (pick(3) == 0) {
          s.Set(spec.id, kSpecialInts[pick(std::size(kSpecialInts))]);
        } else {
          s.Set(spec.id, std::uniform_int_distribution<std::int64_t>(-5, 400)(rng));
        }
        break;
      case SettingType::kBool:
        s.Set(spec.id, pick(2) == 0);
        break;
      case SettingType::kString: {
        std::string v;
        const std::uint64_t len = pick(25);
        for (std::uint64_t i = 0; i < len; ++i) v += alphabet[pick(alphabet.size())];
        if (pick(4) == 0) v += "\xc3\xa9\xe2\x82\xac";  // é€: non-ASCII survives too
        s.Set(spec.id, std::move(v));
        break;
      }
    }
  }
  return s;
}

// Makes sure the random settings exercise the nesting paths, not only the
// top level: backup directory 1/2, passphrase complexity and automatic
// account management each show up configured.
PolicySettings BiasTowardsNesting(PolicySettings s, std::mt19937_64& rng) {
  switch (rng() % 5) {
    case 0:
      s.Set(SettingId::kBackupDirectory, std::int64_t{1});
      break;
    case 1:
      s.Set(SettingId::kBackupDirectory, std::int64_t{2});
      break;
    default:
      break;
  }
  if (rng() % 3 == 0)
    s.Set(SettingId::kPasswordComplexity, static_cast<std::int64_t>(rng() % 3 + 6));
  if (rng() % 3 == 0) s.Set(SettingId::kAutomaticAccountManagementEnabled, true);
  return s;
}

// ---------------------------------------------------------------------------
// OpenLAPS JSON.

TEST(PolicyJsonTest, WritesOnlyConfiguredSettingsWithNativeTypes) {
  const PolicySettings s = Make({{SettingId::kBackupDirectory, std::int64_t{1}},
                                 {SettingId::kPasswordAgeDays, std::int64_t{30}},
                                 {SettingId::kAdPasswordEncryptionEnabled, false},
                                 {SettingId::kAdPasswordEncryptionPrincipal, std::string("LAPS")},
                                 {SettingId::kRotateAfterRevealHours, std::int64_t{4}}});
  EXPECT_EQ(PolicySettingsToJson(s), json::parse(R"({
      "backupDirectory": 1,
      "passwordAgeDays": 30,
      "adPasswordEncryptionEnabled": false,
      "adPasswordEncryptionPrincipal": "LAPS",
      "rotateAfterRevealHours": 4
  })"));
  EXPECT_EQ(PolicySettingsToJson(PolicySettings()), json::object());
}

TEST(PolicyJsonTest, ReadsEverySettingByItsKey) {
  json j = json::object();
  PolicySettings want;
  for (const SettingSpec& spec : AllSettingSpecs()) {
    want.Set(spec.id, spec.default_value);
    j[std::string(spec.json_key)] =
        std::visit([](const auto& v) { return json(v); }, spec.default_value);
  }
  ASSERT_OK_AND_ASSIGN(PolicySettings got, PolicySettingsFromJson(j));
  EXPECT_EQ(got, want);
  EXPECT_EQ(got.ConfiguredCount(), kSettingCount);
  EXPECT_EQ(PolicySettingsToJson(got), j);
}

TEST(PolicyJsonTest, RoundTripsAJsonSample) {
  const json sample = json::parse(R"({
      "backupDirectory": 2,
      "administratorAccountName": "lapsadmin",
      "passwordAgeDays": 14,
      "passwordComplexity": 8,
      "passphraseLength": 5,
      "adPasswordEncryptionPrincipal": "CONTOSO\\LAPS Readers",
      "automaticAccountManagementEnabled": false,
      "postAuthenticationActions": 11
  })");
  ASSERT_OK_AND_ASSIGN(PolicySettings s, PolicySettingsFromJson(sample));
  EXPECT_EQ(s.GetInt(SettingId::kPasswordAgeDays), 14);
  EXPECT_EQ(s.GetString(SettingId::kAdPasswordEncryptionPrincipal), "CONTOSO\\LAPS Readers");
  EXPECT_EQ(s.GetBool(SettingId::kAutomaticAccountManagementEnabled), false);
  EXPECT_EQ(s.ConfiguredCount(), 8u);
  EXPECT_EQ(PolicySettingsToJson(s), sample);
}

TEST(PolicyJsonTest, RoundTripsRandomSettings) {
  std::mt19937_64 rng(20240601);
  for (int i = 0; i < 1000; ++i) {
    const PolicySettings s = RandomSettings(rng);
    const json j = PolicySettingsToJson(s);
    ASSERT_OK_AND_ASSIGN(PolicySettings back, PolicySettingsFromJson(j));
    ASSERT_EQ(back, s) << j.dump();
    // Through text too, as the server stores and sends it.
    ASSERT_OK_AND_ASSIGN(PolicySettings reparsed, PolicySettingsFromJson(json::parse(j.dump())));
    ASSERT_EQ(reparsed, s) << j.dump();
  }
}

TEST(PolicyJsonTest, KeysAreCaseInsensitiveAndNullMeansNotConfigured) {
  ASSERT_OK_AND_ASSIGN(
      PolicySettings s,
      PolicySettingsFromJson(
          json::parse(R"({"PasswordLength": 20, "BACKUPDIRECTORY": 1, "passwordAgeDays": null})")));
  EXPECT_EQ(s, Make({{SettingId::kPasswordLength, std::int64_t{20}},
                     {SettingId::kBackupDirectory, std::int64_t{1}}}));
}

struct BadJsonCase {
  std::string name;
  std::string input;
  std::vector<std::string> expected_fragments;
};

class PolicyJsonErrorTest : public ::testing::TestWithParam<BadJsonCase> {};

TEST_P(PolicyJsonErrorTest, RefusesWithInvalidArgument) {
  const BadJsonCase& c = GetParam();
  const Result<PolicySettings> r = PolicySettingsFromJson(json::parse(c.input));
  ASSERT_FALSE(r.ok()) << c.input;
  EXPECT_TRUE(r.status().IsInvalidArgument()) << r.status();
  for (const std::string& fragment : c.expected_fragments) {
    EXPECT_NE(r.status().message().find(fragment), std::string::npos)
        << "missing \"" << fragment << "\" in " << r.status();
  }
}

INSTANTIATE_TEST_SUITE_P(
    Cases, PolicyJsonErrorTest,
    ::testing::Values(
        BadJsonCase{"NotAnObject", R"([1, 2])", {"must be a JSON object", "array"}},
        BadJsonCase{"Null", R"(null)", {"must be a JSON object"}},
        BadJsonCase{
            "UnknownKey", R"({"passwordAgeDayz": 3})", {"unknown setting \"passwordAgeDayz\""}},
        BadJsonCase{"StringForInt",
                    R"({"passwordLength": "20"})",
                    {"passwordLength: expected an integer, got string \"20\""}},
        BadJsonCase{"FloatForInt", R"({"passwordLength": 20.5})", {"expected an integer"}},
        BadJsonCase{"BoolForInt", R"({"passwordLength": true})", {"expected an integer"}},
        BadJsonCase{"IntForBool", R"({"adPasswordEncryptionEnabled": 1})", {"expected a boolean"}},
        BadJsonCase{
            "StringForBool", R"({"adPasswordEncryptionEnabled": "true"})", {"expected a boolean"}},
        BadJsonCase{"IntForString", R"({"administratorAccountName": 5})", {"expected a string"}},
        BadJsonCase{
            "ObjectForString", R"({"administratorAccountName": {}})", {"expected a string"}},
        BadJsonCase{"TooBig",
                    R"({"passwordAgeDays": 18446744073709551615})",
                    {"does not fit a 64-bit integer"}},
        BadJsonCase{"Duplicate",
                    R"({"passwordAgeDays": 3, "PasswordAgeDays": 4})",
                    {"configured more than once"}},
        BadJsonCase{
            "EveryProblemAtOnce",
            R"({"a": 1, "passwordLength": "x", "backupDirectory": false, "rotateAfterRevealHours": []})",
            {"unknown setting \"a\"", "passwordLength: expected an integer",
             "backupDirectory: expected an integer", "rotateAfterRevealHours: expected"}}),
    [](const ::testing::TestParamInfo<BadJsonCase>& info) { return info.param.name; });

TEST(PolicyJsonTest, ErrorsAreJoinedWithSemicolons) {
  const Result<PolicySettings> r = PolicySettingsFromJson(json::parse(R"({"x": 1, "y": 2})"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status(), InvalidArgumentError("unknown setting \"x\"; unknown setting \"y\""));
}

// ---------------------------------------------------------------------------
// Intune settings catalog.

// What Intune holds for an Active Directory LAPS policy, in our canonical
// form (SettingId order, children: [] on every choice, no template ids).
constexpr char kIntuneActiveDirectorySample[] = R"([
  {
    "@odata.type": "#microsoft.graph.deviceManagementConfigurationSetting",
    "settingInstance": {
      "@odata.type": "#microsoft.graph.deviceManagementConfigurationChoiceSettingInstance",
      "settingDefinitionId": "device_vendor_msft_laps_policies_backupdirectory",
      "choiceSettingValue": {
        "@odata.type": "#microsoft.graph.deviceManagementConfigurationChoiceSettingValue",
        "value": "device_vendor_msft_laps_policies_backupdirectory_2",
        "children": [
          {
            "@odata.type": "#microsoft.graph.deviceManagementConfigurationSimpleSettingInstance",
            "settingDefinitionId": "device_vendor_msft_laps_policies_passwordagedays",
            "simpleSettingValue": {
              "@odata.type": "#microsoft.graph.deviceManagementConfigurationIntegerSettingValue",
              "value": 30
            }
          },
          {
            "@odata.type": "#microsoft.graph.deviceManagementConfigurationChoiceSettingInstance",
            "settingDefinitionId": "device_vendor_msft_laps_policies_passwordexpirationprotectionenabled",
            "choiceSettingValue": {
              "@odata.type": "#microsoft.graph.deviceManagementConfigurationChoiceSettingValue",
              "value": "device_vendor_msft_laps_policies_passwordexpirationprotectionenabled_true",
              "children": []
            }
          },
          {
            "@odata.type": "#microsoft.graph.deviceManagementConfigurationChoiceSettingInstance",
            "settingDefinitionId": "device_vendor_msft_laps_policies_adpasswordencryptionenabled",
            "choiceSettingValue": {
              "@odata.type": "#microsoft.graph.deviceManagementConfigurationChoiceSettingValue",
              "value": "device_vendor_msft_laps_policies_adpasswordencryptionenabled_true",
              "children": []
            }
          },
          {
            "@odata.type": "#microsoft.graph.deviceManagementConfigurationSimpleSettingInstance",
            "settingDefinitionId": "device_vendor_msft_laps_policies_adpasswordencryptionprincipal",
            "simpleSettingValue": {
              "@odata.type": "#microsoft.graph.deviceManagementConfigurationStringSettingValue",
              "value": "CONTOSO\\Helpdesk Administrators"
            }
          },
          {
            "@odata.type": "#microsoft.graph.deviceManagementConfigurationSimpleSettingInstance",
            "settingDefinitionId": "device_vendor_msft_laps_policies_adencryptedpasswordhistorysize",
            "simpleSettingValue": {
              "@odata.type": "#microsoft.graph.deviceManagementConfigurationIntegerSettingValue",
              "value": 6
            }
          }
        ]
      }
    }
  },
  {
    "@odata.type": "#microsoft.graph.deviceManagementConfigurationSetting",
    "settingInstance": {
      "@odata.type": "#microsoft.graph.deviceManagementConfigurationSimpleSettingInstance",
      "settingDefinitionId": "device_vendor_msft_laps_policies_administratoraccountname",
      "simpleSettingValue": {
        "@odata.type": "#microsoft.graph.deviceManagementConfigurationStringSettingValue",
        "value": "LocalAdmin"
      }
    }
  },
  {
    "@odata.type": "#microsoft.graph.deviceManagementConfigurationSetting",
    "settingInstance": {
      "@odata.type": "#microsoft.graph.deviceManagementConfigurationSimpleSettingInstance",
      "settingDefinitionId": "device_vendor_msft_laps_policies_passwordlength",
      "simpleSettingValue": {
        "@odata.type": "#microsoft.graph.deviceManagementConfigurationIntegerSettingValue",
        "value": 16
      }
    }
  },
  {
    "@odata.type": "#microsoft.graph.deviceManagementConfigurationSetting",
    "settingInstance": {
      "@odata.type": "#microsoft.graph.deviceManagementConfigurationChoiceSettingInstance",
      "settingDefinitionId": "device_vendor_msft_laps_policies_passwordcomplexity",
      "choiceSettingValue": {
        "@odata.type": "#microsoft.graph.deviceManagementConfigurationChoiceSettingValue",
        "value": "device_vendor_msft_laps_policies_passwordcomplexity_4",
        "children": []
      }
    }
  },
  {
    "@odata.type": "#microsoft.graph.deviceManagementConfigurationSetting",
    "settingInstance": {
      "@odata.type": "#microsoft.graph.deviceManagementConfigurationSimpleSettingInstance",
      "settingDefinitionId": "device_vendor_msft_laps_policies_postauthenticationresetdelay",
      "simpleSettingValue": {
        "@odata.type": "#microsoft.graph.deviceManagementConfigurationIntegerSettingValue",
        "value": 8
      }
    }
  },
  {
    "@odata.type": "#microsoft.graph.deviceManagementConfigurationSetting",
    "settingInstance": {
      "@odata.type": "#microsoft.graph.deviceManagementConfigurationChoiceSettingInstance",
      "settingDefinitionId": "device_vendor_msft_laps_policies_postauthenticationactions",
      "choiceSettingValue": {
        "@odata.type": "#microsoft.graph.deviceManagementConfigurationChoiceSettingValue",
        "value": "device_vendor_msft_laps_policies_postauthenticationactions_3",
        "children": []
      }
    }
  }
])";

// A cloud policy with passphrases, automatic account management and our
// RotateAfterRevealHours extension.
constexpr char kIntuneCloudSample[] = R"([
  {
    "@odata.type": "#microsoft.graph.deviceManagementConfigurationSetting",
    "settingInstance": {
      "@odata.type": "#microsoft.graph.deviceManagementConfigurationChoiceSettingInstance",
      "settingDefinitionId": "device_vendor_msft_laps_policies_backupdirectory",
      "choiceSettingValue": {
        "@odata.type": "#microsoft.graph.deviceManagementConfigurationChoiceSettingValue",
        "value": "device_vendor_msft_laps_policies_backupdirectory_1",
        "children": [
          {
            "@odata.type": "#microsoft.graph.deviceManagementConfigurationSimpleSettingInstance",
            "settingDefinitionId": "device_vendor_msft_laps_policies_passwordagedays_aad",
            "simpleSettingValue": {
              "@odata.type": "#microsoft.graph.deviceManagementConfigurationIntegerSettingValue",
              "value": 7
            }
          }
        ]
      }
    }
  },
  {
    "@odata.type": "#microsoft.graph.deviceManagementConfigurationSetting",
    "settingInstance": {
      "@odata.type": "#microsoft.graph.deviceManagementConfigurationChoiceSettingInstance",
      "settingDefinitionId": "device_vendor_msft_laps_policies_passwordcomplexity",
      "choiceSettingValue": {
        "@odata.type": "#microsoft.graph.deviceManagementConfigurationChoiceSettingValue",
        "value": "device_vendor_msft_laps_policies_passwordcomplexity_8",
        "children": [
          {
            "@odata.type": "#microsoft.graph.deviceManagementConfigurationSimpleSettingInstance",
            "settingDefinitionId": "device_vendor_msft_laps_policies_passphraselength",
            "simpleSettingValue": {
              "@odata.type": "#microsoft.graph.deviceManagementConfigurationIntegerSettingValue",
              "value": 4
            }
          }
        ]
      }
    }
  },
  {
    "@odata.type": "#microsoft.graph.deviceManagementConfigurationSetting",
    "settingInstance": {
      "@odata.type": "#microsoft.graph.deviceManagementConfigurationChoiceSettingInstance",
      "settingDefinitionId": "device_vendor_msft_laps_policies_postauthenticationactions",
      "choiceSettingValue": {
        "@odata.type": "#microsoft.graph.deviceManagementConfigurationChoiceSettingValue",
        "value": "device_vendor_msft_laps_policies_postauthenticationactions_11",
        "children": []
      }
    }
  },
  {
    "@odata.type": "#microsoft.graph.deviceManagementConfigurationSetting",
    "settingInstance": {
      "@odata.type": "#microsoft.graph.deviceManagementConfigurationChoiceSettingInstance",
      "settingDefinitionId": "device_vendor_msft_laps_policies_automaticaccountmanagementenabled",
      "choiceSettingValue": {
        "@odata.type": "#microsoft.graph.deviceManagementConfigurationChoiceSettingValue",
        "value": "device_vendor_msft_laps_policies_automaticaccountmanagementenabled_true",
        "children": [
          {
            "@odata.type": "#microsoft.graph.deviceManagementConfigurationChoiceSettingInstance",
            "settingDefinitionId": "device_vendor_msft_laps_policies_automaticaccountmanagementtarget",
            "choiceSettingValue": {
              "@odata.type": "#microsoft.graph.deviceManagementConfigurationChoiceSettingValue",
              "value": "device_vendor_msft_laps_policies_automaticaccountmanagementtarget_1",
              "children": []
            }
          },
          {
            "@odata.type": "#microsoft.graph.deviceManagementConfigurationSimpleSettingInstance",
            "settingDefinitionId": "device_vendor_msft_laps_policies_automaticaccountmanagementnameorprefix",
            "simpleSettingValue": {
              "@odata.type": "#microsoft.graph.deviceManagementConfigurationStringSettingValue",
              "value": "CorpAdmin"
            }
          },
          {
            "@odata.type": "#microsoft.graph.deviceManagementConfigurationChoiceSettingInstance",
            "settingDefinitionId": "device_vendor_msft_laps_policies_automaticaccountmanagementenableaccount",
            "choiceSettingValue": {
              "@odata.type": "#microsoft.graph.deviceManagementConfigurationChoiceSettingValue",
              "value": "device_vendor_msft_laps_policies_automaticaccountmanagementenableaccount_true",
              "children": []
            }
          },
          {
            "@odata.type": "#microsoft.graph.deviceManagementConfigurationChoiceSettingInstance",
            "settingDefinitionId": "device_vendor_msft_laps_policies_automaticaccountmanagementrandomizename",
            "choiceSettingValue": {
              "@odata.type": "#microsoft.graph.deviceManagementConfigurationChoiceSettingValue",
              "value": "device_vendor_msft_laps_policies_automaticaccountmanagementrandomizename_false",
              "children": []
            }
          }
        ]
      }
    }
  },
  {
    "@odata.type": "#microsoft.graph.deviceManagementConfigurationSetting",
    "settingInstance": {
      "@odata.type": "#microsoft.graph.deviceManagementConfigurationSimpleSettingInstance",
      "settingDefinitionId": "openlaps_rotateafterrevealhours",
      "simpleSettingValue": {
        "@odata.type": "#microsoft.graph.deviceManagementConfigurationIntegerSettingValue",
        "value": 12
      }
    }
  }
])";

TEST(PolicyIntuneTest, ReadsActiveDirectorySample) {
  const json sample = json::parse(kIntuneActiveDirectorySample);
  ASSERT_OK_AND_ASSIGN(PolicySettings s, PolicySettingsFromIntune(sample));
  EXPECT_EQ(s, Make({
                   {SettingId::kBackupDirectory, std::int64_t{2}},
                   {SettingId::kAdministratorAccountName, std::string("LocalAdmin")},
                   {SettingId::kPasswordAgeDays, std::int64_t{30}},
                   {SettingId::kPasswordLength, std::int64_t{16}},
                   {SettingId::kPasswordComplexity, std::int64_t{4}},
                   {SettingId::kPasswordExpirationProtectionEnabled, true},
                   {SettingId::kAdPasswordEncryptionEnabled, true},
                   {SettingId::kAdPasswordEncryptionPrincipal,
                    std::string("CONTOSO\\Helpdesk Administrators")},
                   {SettingId::kAdEncryptedPasswordHistorySize, std::int64_t{6}},
                   {SettingId::kPostAuthenticationResetDelay, std::int64_t{8}},
                   {SettingId::kPostAuthenticationActions, std::int64_t{3}},
               }));
  EXPECT_EQ(PolicySettingsToIntune(s), sample);
}

TEST(PolicyIntuneTest, ReadsCloudSample) {
  const json sample = json::parse(kIntuneCloudSample);
  ASSERT_OK_AND_ASSIGN(PolicySettings s, PolicySettingsFromIntune(sample));
  EXPECT_EQ(s, Make({
                   {SettingId::kBackupDirectory, std::int64_t{1}},
                   {SettingId::kPasswordAgeDays, std::int64_t{7}},
                   {SettingId::kPassphraseLength, std::int64_t{4}},
                   {SettingId::kPasswordComplexity, std::int64_t{8}},
                   {SettingId::kPostAuthenticationActions, std::int64_t{11}},
                   {SettingId::kAutomaticAccountManagementEnabled, true},
                   {SettingId::kAutomaticAccountManagementTarget, std::int64_t{1}},
                   {SettingId::kAutomaticAccountManagementNameOrPrefix, std::string("CorpAdmin")},
                   {SettingId::kAutomaticAccountManagementEnableAccount, true},
                   {SettingId::kAutomaticAccountManagementRandomizeName, false},
                   {SettingId::kRotateAfterRevealHours, std::int64_t{12}},
               }));
  EXPECT_EQ(PolicySettingsToIntune(s), sample);
}

TEST(PolicyIntuneTest, RoundTripsRandomSettings) {
  std::mt19937_64 rng(7);
  for (int i = 0; i < 1000; ++i) {
    const PolicySettings s = BiasTowardsNesting(RandomSettings(rng), rng);
    const json j = PolicySettingsToIntune(s);
    ASSERT_OK_AND_ASSIGN(PolicySettings back, PolicySettingsFromIntune(j));
    ASSERT_EQ(back, s) << j.dump(2);
    ASSERT_EQ(PolicySettingsToIntune(back), j);
  }
  EXPECT_EQ(PolicySettingsToIntune(PolicySettings()), json::array());
  ASSERT_OK_AND_ASSIGN(PolicySettings empty, PolicySettingsFromIntune(json::array()));
  EXPECT_TRUE(empty.Empty());
}

// The settingDefinitionIds at the top level and, per parent, its children.
std::vector<std::string> TopLevelIds(const json& settings) {
  std::vector<std::string> out;
  for (const json& s : settings) out.push_back(s["settingInstance"]["settingDefinitionId"]);
  return out;
}

std::vector<std::string> ChildIds(const json& settings, std::size_t index) {
  std::vector<std::string> out;
  for (const json& c : settings[index]["settingInstance"]["choiceSettingValue"]["children"]) {
    out.push_back(c["settingDefinitionId"]);
  }
  return out;
}

TEST(PolicyIntuneTest, ChildrenWithoutTheirParentOptionGoToTheTopLevel) {
  // No backup directory, complexity 4, automatic management off: nothing
  // nests, and PasswordAgeDays uses its non-cloud definition.
  const PolicySettings s = Make({
      {SettingId::kPasswordAgeDays, std::int64_t{10}},
      {SettingId::kPassphraseLength, std::int64_t{5}},
      {SettingId::kPasswordComplexity, std::int64_t{4}},
      {SettingId::kAdPasswordEncryptionEnabled, false},
      {SettingId::kAutomaticAccountManagementEnabled, false},
      {SettingId::kAutomaticAccountManagementTarget, std::int64_t{0}},
  });
  const json j = PolicySettingsToIntune(s);
  const std::string p(kLapsSettingPrefix);
  EXPECT_EQ(TopLevelIds(j),
            (std::vector<std::string>{p + "passwordagedays", p + "passphraselength",
                                      p + "passwordcomplexity", p + "adpasswordencryptionenabled",
                                      p + "automaticaccountmanagementenabled",
                                      p + "automaticaccountmanagementtarget"}));
  ASSERT_OK_AND_ASSIGN(PolicySettings back, PolicySettingsFromIntune(j));
  EXPECT_EQ(back, s);
}

TEST(PolicyIntuneTest, CloudBackupNestsOnlyPasswordAge) {
  const PolicySettings s = Make({
      {SettingId::kBackupDirectory, std::int64_t{1}},
      {SettingId::kPasswordAgeDays, std::int64_t{10}},
      {SettingId::kAdEncryptedPasswordHistorySize, std::int64_t{2}},
  });
  const json j = PolicySettingsToIntune(s);
  const std::string p(kLapsSettingPrefix);
  EXPECT_EQ(TopLevelIds(j), (std::vector<std::string>{p + "backupdirectory",
                                                      p + "adencryptedpasswordhistorysize"}));
  EXPECT_EQ(ChildIds(j, 0), (std::vector<std::string>{p + "passwordagedays_aad"}));
}

TEST(PolicyIntuneTest, EncodesTypesAsIntuneDoes) {
  const json j = PolicySettingsToIntune(Make({{SettingId::kPasswordLength, std::int64_t{20}},
                                              {SettingId::kPasswordComplexity, std::int64_t{5}}}));
  ASSERT_EQ(j.size(), 2u);
  EXPECT_EQ(j[0]["settingInstance"]["simpleSettingValue"]["value"], 20);
  EXPECT_TRUE(j[0]["settingInstance"]["simpleSettingValue"]["value"].is_number_integer());
  EXPECT_EQ(j[1]["settingInstance"]["choiceSettingValue"]["value"],
            "device_vendor_msft_laps_policies_passwordcomplexity_5");
}

TEST(PolicyIntuneTest, AcceptsWhatGraphAndScriptsSend) {
  // As Graph returns it (ids, template references, auditRuleInformation,
  // values before types), wrapped in the whole policy, with a child given at
  // the top level and a choice value without @odata.type.
  const json policy = json::parse(R"({
    "name": "Windows LAPS",
    "platforms": "windows10",
    "templateReference": {"templateId": "adc46e5a-f4aa-4ff6-aeff-4f27bc525796_1"},
    "settings": [
      {
        "id": "0",
        "settingInstance": {
          "@odata.type": "#microsoft.graph.deviceManagementConfigurationChoiceSettingInstance",
          "settingDefinitionId": "device_vendor_msft_laps_policies_backupdirectory",
          "settingInstanceTemplateReference": {"settingInstanceTemplateId": "a3270f64-e493-499d-8900-90290f61ed8a"},
          "auditRuleInformation": null,
          "choiceSettingValue": {
            "value": "device_vendor_msft_laps_policies_backupdirectory_1",
            "settingValueTemplateReference": {"settingValueTemplateId": "4d90f03d-e14c-43c4-86da-681da96a2f92", "useTemplateDefault": false},
            "children": [
              {
                "@odata.type": "#microsoft.graph.deviceManagementConfigurationSimpleSettingInstance",
                "settingDefinitionId": "device_vendor_msft_laps_policies_passwordagedays_aad",
                "settingInstanceTemplateReference": null,
                "simpleSettingValue": {
                  "value": 30,
                  "settingValueTemplateReference": null,
                  "@odata.type": "#microsoft.graph.deviceManagementConfigurationIntegerSettingValue"
                }
              }
            ]
          }
        }
      },
      {
        "id": "1",
        "settingInstance": {
          "@odata.type": "#microsoft.graph.deviceManagementConfigurationSimpleSettingInstance",
          "settingDefinitionId": "device_vendor_msft_laps_policies_passphraselength",
          "simpleSettingValue": {"value": 5}
        }
      },
      {
        "@odata.type": "#microsoft.graph.deviceManagementConfigurationSetting",
        "settingInstance": {
          "@odata.type": "#microsoft.graph.deviceManagementConfigurationChoiceSettingInstance",
          "settingDefinitionId": "device_vendor_msft_laps_policies_passwordcomplexity",
          "choiceSettingValue": {"value": "device_vendor_msft_laps_policies_passwordcomplexity_6"}
        }
      }
    ]
  })");
  const PolicySettings want = Make({{SettingId::kBackupDirectory, std::int64_t{1}},
                                    {SettingId::kPasswordAgeDays, std::int64_t{30}},
                                    {SettingId::kPassphraseLength, std::int64_t{5}},
                                    {SettingId::kPasswordComplexity, std::int64_t{6}}});
  ASSERT_OK_AND_ASSIGN(PolicySettings from_policy, PolicySettingsFromIntune(policy));
  EXPECT_EQ(from_policy, want);
  ASSERT_OK_AND_ASSIGN(PolicySettings from_array, PolicySettingsFromIntune(policy["settings"]));
  EXPECT_EQ(from_array, want);
  // Written back, passphraselength nests under complexity 6.
  const json out = PolicySettingsToIntune(want);
  EXPECT_EQ(ChildIds(out, 1),
            (std::vector<std::string>{std::string(kLapsSettingPrefix) + "passphraselength"}));
}

struct BadIntuneCase {
  std::string name;
  std::string input;  // the settings[] array
  std::vector<std::string> expected_fragments;
};

std::string Choice(const std::string& definition, const std::string& value,
                   const std::string& children = "[]") {
  return R"({"settingInstance": {"@odata.type": "#microsoft.graph.deviceManagementConfigurationChoiceSettingInstance", "settingDefinitionId": ")" +
         definition + R"(", "choiceSettingValue": {"value": ")" + value + R"(", "children": )" +
         children + "}}}";
}

// A bare simple setting instance, as found in children[].
std::string SimpleInstance(const std::string& definition, const std::string& value_type,
                           const std::string& value) {
  return R"({"@odata.type": "#microsoft.graph.deviceManagementConfigurationSimpleSettingInstance", "settingDefinitionId": ")" +
         definition +
         R"(", "simpleSettingValue": {"@odata.type": "#microsoft.graph.deviceManagementConfiguration)" +
         value_type + R"(", "value": )" + value + "}}";
}

std::string Simple(const std::string& definition, const std::string& value_type,
                   const std::string& value) {
  return R"({"settingInstance": )" + SimpleInstance(definition, value_type, value) + "}";
}

const std::string kP = "device_vendor_msft_laps_policies_";

class PolicyIntuneErrorTest : public ::testing::TestWithParam<BadIntuneCase> {};

TEST_P(PolicyIntuneErrorTest, RefusesWithInvalidArgument) {
  const BadIntuneCase& c = GetParam();
  const Result<PolicySettings> r = PolicySettingsFromIntune(json::parse(c.input));
  ASSERT_FALSE(r.ok()) << c.input;
  EXPECT_TRUE(r.status().IsInvalidArgument()) << r.status();
  for (const std::string& fragment : c.expected_fragments) {
    EXPECT_NE(r.status().message().find(fragment), std::string::npos)
        << "missing \"" << fragment << "\" in " << r.status();
  }
}

INSTANTIATE_TEST_SUITE_P(
    Cases, PolicyIntuneErrorTest,
    ::testing::Values(
        BadIntuneCase{"NotAnArray", R"("x")", {"expected the settings[] array"}},
        BadIntuneCase{
            "ObjectWithoutSettings", R"({"name": "p"})", {"expected the settings[] array"}},
        BadIntuneCase{
            "ElementNotObject", R"([1])", {"settings[0]: expected an object, got number"}},
        BadIntuneCase{
            "MissingInstance", R"([{"id": "0"}])", {"settings[0]: missing settingInstance"}},
        BadIntuneCase{"WrongSettingType",
                      R"([{"@odata.type": "#microsoft.graph.other", "settingInstance": {}}])",
                      {"settings[0]: @odata.type is \"#microsoft.graph.other\""}},
        BadIntuneCase{
            "NoDefinitionId", R"([{"settingInstance": {}}])", {"settingDefinitionId is missing"}},
        BadIntuneCase{"UnknownDefinition",
                      "[" + Choice(kP + "passwordfoo", kP + "passwordfoo_1") + "]",
                      {"unknown setting definition \"" + kP + "passwordfoo\""}},
        BadIntuneCase{
            "UnknownChoiceNumber",
            "[" + Choice(kP + "backupdirectory", kP + "backupdirectory_1x") + "]",
            {"unknown choice value \"" + kP + "backupdirectory_1x\" for BackupDirectory"}},
        BadIntuneCase{"ChoiceOfOtherSetting",
                      "[" + Choice(kP + "backupdirectory", kP + "passwordcomplexity_1") + "]",
                      {"unknown choice value"}},
        BadIntuneCase{"ChoiceWithoutOption",
                      "[" + Choice(kP + "backupdirectory", kP + "backupdirectory_") + "]",
                      {"unknown choice value"}},
        BadIntuneCase{
            "UnknownBoolChoice",
            "[" + Choice(kP + "adpasswordencryptionenabled", kP + "adpasswordencryptionenabled_1") +
                "]",
            {"unknown choice value", "ADPasswordEncryptionEnabled"}},
        BadIntuneCase{"ChoiceValueNotString",
                      R"([{"settingInstance": {"settingDefinitionId": ")" + kP +
                          R"(backupdirectory", "choiceSettingValue": {"value": 1}}}])",
                      {"choiceSettingValue.value: missing or not a string"}},
        BadIntuneCase{"SimpleForChoice",
                      "[" + Simple(kP + "backupdirectory", "IntegerSettingValue", "1") + "]",
                      {"BackupDirectory must be a choice setting instance"}},
        BadIntuneCase{"ChoiceForSimple",
                      "[" + Choice(kP + "passwordlength", kP + "passwordlength_8") + "]",
                      {"PasswordLength must be a simple setting instance"}},
        BadIntuneCase{"StringTypeForInt",
                      "[" + Simple(kP + "passwordlength", "StringSettingValue", "\"8\"") + "]",
                      {"@odata.type is", "IntegerSettingValue"}},
        BadIntuneCase{"StringValueForInt",
                      "[" + Simple(kP + "passwordlength", "IntegerSettingValue", "\"8\"") + "]",
                      {"PasswordLength: expected an integer, got string"}},
        BadIntuneCase{
            "IntValueForString",
            "[" + Simple(kP + "administratoraccountname", "StringSettingValue", "8") + "]",
            {"AdministratorAccountName: expected a string, got number"}},
        BadIntuneCase{"FloatValue",
                      "[" + Simple(kP + "passwordlength", "IntegerSettingValue", "8.5") + "]",
                      {"expected an integer"}},
        BadIntuneCase{"MissingValue",
                      R"([{"settingInstance": {"settingDefinitionId": ")" + kP +
                          R"(passwordlength", "simpleSettingValue": {}}}])",
                      {"simpleSettingValue.value: missing"}},
        BadIntuneCase{
            "UnknownInstanceType",
            R"([{"settingInstance": {"@odata.type": "#microsoft.graph.deviceManagementConfigurationGroupSettingCollectionInstance", "settingDefinitionId": ")" +
                kP + R"(passwordlength"}}])",
            {"unknown @odata.type"}},
        BadIntuneCase{"ChildrenNotArray",
                      "[" + Choice(kP + "backupdirectory", kP + "backupdirectory_1", "{}") + "]",
                      {"children: expected an array, got object"}},
        BadIntuneCase{
            "Duplicate",
            "[" +
                Choice(kP + "backupdirectory", kP + "backupdirectory_2",
                       "[" + SimpleInstance(kP + "passwordagedays", "IntegerSettingValue", "5") +
                           "]") +
                "," + Simple(kP + "passwordagedays_aad", "IntegerSettingValue", "9") + "]",
            {"settings[1].settingInstance: PasswordAgeDays is configured more than once"}},
        BadIntuneCase{
            "EveryProblemAtOnce",
            "[" +
                Choice(kP + "backupdirectory", kP + "backupdirectory_x",
                       R"([{"settingDefinitionId": "nope"}])") +
                "," + Simple(kP + "passwordlength", "IntegerSettingValue", "true") + ", 7]",
            {"settings[0].settingInstance.choiceSettingValue.value: unknown choice value",
             "settings[0].settingInstance.choiceSettingValue.children[0]: unknown setting "
             "definition \"nope\"",
             "settings[1].settingInstance.simpleSettingValue.value: PasswordLength",
             "settings[2]: expected an object", "; "}}),
    [](const ::testing::TestParamInfo<BadIntuneCase>& info) { return info.param.name; });

// A choice instance of backupdirectory whose children[] holds `inner`.
json BackupDirectoryChoice(json inner) {
  const std::string id = std::string(kLapsSettingPrefix) + "backupdirectory";
  json children = json::array();
  if (!inner.is_null()) children.push_back(std::move(inner));
  return {{"settingDefinitionId", id},
          {"choiceSettingValue", {{"value", id + "_1"}, {"children", std::move(children)}}}};
}

// settings[] with one instance nesting `depth` levels of children, built
// iteratively (the attack seen against lapsd was 7,500 levels).
json NestedSettings(int depth) {
  json instance = BackupDirectoryChoice(nullptr);
  for (int i = 0; i < depth; ++i) instance = BackupDirectoryChoice(std::move(instance));
  return json::array({{{"settingInstance", std::move(instance)}}});
}

TEST(PolicyIntuneBoundsTest, DeepChildrenAreRefusedNamingTheBound) {
  auto result = PolicySettingsFromIntune(NestedSettings(7500));
  ASSERT_TRUE(result.status().IsInvalidArgument());
  EXPECT_NE(result.status().message().find("nest deeper than"), std::string::npos);
  EXPECT_LT(result.status().message().size(), 200u);
}

TEST(PolicyIntuneBoundsTest, NestingAtTheBoundIsReadAsUsual) {
  // Within the bound the reader walks every level; the duplicate
  // backupdirectory settings are reported, proving it got there.
  auto result = PolicySettingsFromIntune(NestedSettings(kMaxIntuneNesting));
  ASSERT_TRUE(result.status().IsInvalidArgument());
  EXPECT_NE(result.status().message().find("configured more than once"), std::string::npos);
  EXPECT_EQ(result.status().message().find("nest deeper than"), std::string::npos);
}

TEST(PolicyIntuneBoundsTest, TooManyElementsAreRefused) {
  json settings = json::array();
  for (std::size_t i = 0; i <= kMaxIntuneInstances; ++i) settings.push_back(json::object());
  auto result = PolicySettingsFromIntune(settings);
  ASSERT_TRUE(result.status().IsInvalidArgument());
  EXPECT_NE(result.status().message().find("more than"), std::string::npos);
}

TEST(PolicyIntuneBoundsTest, ReportedErrorsAreCappedAndCounted) {
  json settings = json::array();
  for (std::size_t i = 0; i < kMaxIntuneInstances; ++i) settings.push_back(42);
  auto result = PolicySettingsFromIntune(settings);
  ASSERT_TRUE(result.status().IsInvalidArgument());
  const std::string more =
      "and " + std::to_string(kMaxIntuneInstances - kMaxIntuneReportedErrors) + " more";
  EXPECT_NE(result.status().message().find(more), std::string::npos);
}

}  // namespace
}  // namespace openlaps::core
