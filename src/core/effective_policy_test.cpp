#include "core/effective_policy.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <map>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "core/policy_settings.h"

namespace openlaps::core {
namespace {

using SettingPairs = std::vector<std::pair<SettingId, SettingValue>>;

PolicySettings Settings(const SettingPairs& pairs) {
  PolicySettings settings;
  for (const auto& [id, value] : pairs) settings.Set(id, value);
  return settings;
}

Assignment Include(GroupId group) { return {group, AssignmentKind::kInclude}; }
Assignment Exclude(GroupId group) { return {group, AssignmentKind::kExclude}; }

Policy MakePolicy(PolicyId id, const SettingPairs& settings, std::vector<Assignment> assignments,
                  PlatformSet platforms = kAllPlatforms, std::int64_t version = 1) {
  Policy policy;
  policy.id = id;
  policy.version = version;
  policy.platforms = platforms;
  policy.settings = Settings(settings);
  policy.assignments = std::move(assignments);
  return policy;
}

// Owns what a DeviceContext points at; built with chained setters.
class Device {
 public:
  Device& On(Platform platform) {
    platform_ = platform;
    return *this;
  }
  Device& Groups(std::vector<GroupId> groups) {
    device_groups_ = std::move(groups);
    return *this;
  }
  Device& UserGroups(std::vector<GroupId> groups) {
    user_groups_ = std::move(groups);
    return *this;
  }
  Device& Applied(PolicySettings applied) {
    applied_ = std::move(applied);
    return *this;
  }
  Device& Reports(std::vector<PolicyReport> reports) {
    reports_ = std::move(reports);
    return *this;
  }

  DeviceContext Context() const {
    DeviceContext context;
    context.platform = platform_;
    context.device_groups = device_groups_;
    context.user_groups = user_groups_;
    context.applied = applied_ ? &*applied_ : nullptr;
    context.reports = reports_;
    return context;
  }

 private:
  Platform platform_ = Platform::kWindows;
  std::vector<GroupId> device_groups_;
  std::vector<GroupId> user_groups_;
  std::optional<PolicySettings> applied_;
  std::vector<PolicyReport> reports_;
};

constexpr GroupId kGroupA = 10;
constexpr GroupId kGroupB = 11;
constexpr GroupId kGroupC = 12;

const SettingPairs kAge30 = {{SettingId::kPasswordAgeDays, std::int64_t{30}}};
const SettingPairs kAge7 = {{SettingId::kPasswordAgeDays, std::int64_t{7}}};
const SettingPairs kLength20 = {{SettingId::kPasswordLength, std::int64_t{20}}};

std::vector<PolicyId> StatePolicies(const EffectivePolicy& effective) {
  std::vector<PolicyId> ids;
  for (const PolicyState& s : effective.states) ids.push_back(s.policy);
  return ids;
}

// --- Targeting ---------------------------------------------------------------

struct TargetingCase {
  std::string name;
  std::vector<Assignment> assignments;
  std::vector<GroupId> device_groups;
  std::vector<GroupId> user_groups;
  bool targeted;
};

class TargetingTest : public ::testing::TestWithParam<TargetingCase> {};

TEST_P(TargetingTest, AppliesOnlyWhenIncludedAndNotExcluded) {
  const TargetingCase& c = GetParam();
  PolicyIndex index({MakePolicy(1, kAge30, c.assignments)});
  Device device = Device().Groups(c.device_groups).UserGroups(c.user_groups);
  EffectivePolicy effective = index.Resolve(device.Context());
  if (c.targeted) {
    ASSERT_EQ(effective.states.size(), 1u);
    EXPECT_EQ(effective.states[0].policy, 1);
    EXPECT_EQ(effective.states[0].state, PolicyStateKind::kPending);
    ASSERT_TRUE(effective.settings.has_value());
    EXPECT_EQ(*effective.settings, Settings(kAge30));
  } else {
    EXPECT_TRUE(effective.states.empty());
    EXPECT_FALSE(effective.settings.has_value());
  }
  EXPECT_FALSE(effective.HasConflict());
}

INSTANTIATE_TEST_SUITE_P(
    Cases, TargetingTest,
    ::testing::Values(
        TargetingCase{"ViaDeviceGroup", {Include(kGroupA)}, {kGroupC, kGroupA}, {}, true},
        TargetingCase{"ViaUserGroup", {Include(kGroupA)}, {kGroupC}, {kGroupA}, true},
        TargetingCase{"UnrelatedGroup", {Include(kGroupA)}, {kGroupB}, {kGroupC}, false},
        TargetingCase{"NoGroups", {Include(kGroupA)}, {}, {}, false},
        TargetingCase{"ExcludeOnly", {Exclude(kGroupA)}, {kGroupA}, {}, false},
        TargetingCase{"DeviceExcludeBeatsDeviceInclude",
                      {Include(kGroupA), Exclude(kGroupB)},
                      {kGroupA, kGroupB},
                      {},
                      false},
        TargetingCase{"UserExcludeBeatsDeviceInclude",
                      {Include(kGroupA), Exclude(kGroupB)},
                      {kGroupA},
                      {kGroupB},
                      false},
        TargetingCase{"DeviceExcludeBeatsUserInclude",
                      {Include(kGroupA), Exclude(kGroupB)},
                      {kGroupB},
                      {kGroupA},
                      false},
        TargetingCase{"SameGroupIncludedAndExcluded",
                      {Include(kGroupA), Exclude(kGroupA)},
                      {kGroupA},
                      {},
                      false},
        TargetingCase{"ExcludeOfOtherGroupIgnored",
                      {Include(kGroupA), Exclude(kGroupB)},
                      {kGroupA, kGroupC},
                      {},
                      true},
        TargetingCase{"GroupInBothListsListedOnce",
                      {Include(kGroupA), Include(kGroupB)},
                      {kGroupA, kGroupB},
                      {kGroupA},
                      true}),
    [](const auto& info) { return info.param.name; });

TEST(EffectivePolicyTest, PlatformMismatchIsNotApplicableAndDoesNotMerge) {
  PolicyIndex index({
      MakePolicy(1, kAge30, {Include(kGroupA)}, PlatformBit(Platform::kLinux)),
      MakePolicy(2, kAge7, {Include(kGroupA)},
                 PlatformBit(Platform::kWindows) | PlatformBit(Platform::kMacOS)),
  });
  Device windows = Device().On(Platform::kWindows).Groups({kGroupA});
  EffectivePolicy effective = index.Resolve(windows.Context());
  EXPECT_FALSE(effective.HasConflict());  // policy 1 does not take part
  EXPECT_EQ(effective.settings, Settings(kAge7));
  ASSERT_EQ(effective.states.size(), 2u);
  EXPECT_EQ(effective.states[0].policy, 1);
  EXPECT_EQ(effective.states[0].state, PolicyStateKind::kNotApplicable);
  EXPECT_EQ(effective.states[0].detail, "not for platform windows");
  EXPECT_EQ(effective.states[1].state, PolicyStateKind::kPending);

  Device linux_device = Device().On(Platform::kLinux).Groups({kGroupA});
  effective = index.Resolve(linux_device.Context());
  EXPECT_EQ(effective.settings, Settings(kAge30));
  ASSERT_EQ(effective.states.size(), 2u);
  EXPECT_EQ(effective.states[0].state, PolicyStateKind::kPending);
  EXPECT_EQ(effective.states[1].state, PolicyStateKind::kNotApplicable);
}

TEST(EffectivePolicyTest, OnlyNotApplicablePoliciesSendNothing) {
  PolicyIndex index({MakePolicy(1, kAge30, {Include(kGroupA)}, PlatformBit(Platform::kMacOS))});
  Device device = Device().On(Platform::kLinux).Groups({kGroupA});
  EffectivePolicy effective = index.Resolve(device.Context());
  EXPECT_FALSE(effective.settings.has_value());
  ASSERT_EQ(effective.states.size(), 1u);
  EXPECT_EQ(effective.states[0].state, PolicyStateKind::kNotApplicable);
}

// --- Merge and conflicts -----------------------------------------------------

TEST(EffectivePolicyTest, MergesNonOverlappingSettings) {
  PolicyIndex index({
      MakePolicy(1, kAge30, {Include(kGroupA)}),
      MakePolicy(2, kLength20, {Include(kGroupB)}),
      MakePolicy(3, {{SettingId::kAdministratorAccountName, std::string("lapsadmin")}},
                 {Include(kGroupC)}),
  });
  Device device = Device().Groups({kGroupA, kGroupB}).UserGroups({kGroupC});
  EffectivePolicy effective = index.Resolve(device.Context());
  EXPECT_FALSE(effective.HasConflict());
  EXPECT_EQ(effective.settings,
            Settings({{SettingId::kPasswordAgeDays, std::int64_t{30}},
                      {SettingId::kPasswordLength, std::int64_t{20}},
                      {SettingId::kAdministratorAccountName, std::string("lapsadmin")}}));
  EXPECT_EQ(StatePolicies(effective), (std::vector<PolicyId>{1, 2, 3}));
}

TEST(EffectivePolicyTest, SameValueInTwoPoliciesIsNotAConflict) {
  PolicyIndex index({
      MakePolicy(1,
                 {{SettingId::kPasswordAgeDays, std::int64_t{30}},
                  {SettingId::kAdministratorAccountName, std::string("admin")}},
                 {Include(kGroupA)}),
      MakePolicy(2,
                 {{SettingId::kPasswordAgeDays, std::int64_t{30}},
                  {SettingId::kAdministratorAccountName, std::string("admin")},
                  {SettingId::kPasswordLength, std::int64_t{20}}},
                 {Include(kGroupB)}),
  });
  Device device = Device().Groups({kGroupA, kGroupB});
  EffectivePolicy effective = index.Resolve(device.Context());
  EXPECT_FALSE(effective.HasConflict());
  EXPECT_EQ(effective.settings,
            Settings({{SettingId::kPasswordAgeDays, std::int64_t{30}},
                      {SettingId::kAdministratorAccountName, std::string("admin")},
                      {SettingId::kPasswordLength, std::int64_t{20}}}));
  for (const PolicyState& s : effective.states) EXPECT_EQ(s.state, PolicyStateKind::kPending);
}

TEST(EffectivePolicyTest, ConflictOnDeviceThatAppliedKeepsAppliedSettings) {
  PolicyIndex index({
      MakePolicy(7, kAge7, {Include(kGroupB)}),
      MakePolicy(3,
                 {{SettingId::kPasswordAgeDays, std::int64_t{30}},
                  {SettingId::kPasswordLength, std::int64_t{20}}},
                 {Include(kGroupA)}),
  });
  const PolicySettings applied = Settings({{SettingId::kPasswordAgeDays, std::int64_t{14}},
                                           {SettingId::kPasswordLength, std::int64_t{16}}});
  // Succeeded reports do not hide the conflict.
  Device device = Device().Groups({kGroupA}).UserGroups({kGroupB}).Applied(applied).Reports(
      {{3, 1, false, ""}, {7, 1, false, ""}});
  EffectivePolicy effective = index.Resolve(device.Context());
  ASSERT_TRUE(effective.HasConflict());
  EXPECT_EQ(effective.settings, applied);  // every setting, not just the conflicting one
  ASSERT_EQ(effective.conflicts.size(), 1u);
  EXPECT_EQ(effective.conflicts[0].setting, SettingId::kPasswordAgeDays);
  EXPECT_EQ(effective.conflicts[0].policies, (std::vector<PolicyId>{3, 7}));
  ASSERT_EQ(effective.states.size(), 2u);
  EXPECT_EQ(effective.states[0].policy, 3);
  EXPECT_EQ(effective.states[0].state, PolicyStateKind::kConflict);
  EXPECT_EQ(effective.states[0].detail, "PasswordAgeDays conflicts with policy 7");
  EXPECT_EQ(effective.states[1].policy, 7);
  EXPECT_EQ(effective.states[1].state, PolicyStateKind::kConflict);
  EXPECT_EQ(effective.states[1].detail, "PasswordAgeDays conflicts with policy 3");
}

TEST(EffectivePolicyTest, ConflictOnDeviceThatNeverAppliedSendsNothing) {
  PolicyIndex index({
      MakePolicy(1, kAge30, {Include(kGroupA)}),
      MakePolicy(2, kAge7, {Include(kGroupA)}),
  });
  Device device = Device().Groups({kGroupA});
  EffectivePolicy effective = index.Resolve(device.Context());
  ASSERT_TRUE(effective.HasConflict());
  EXPECT_FALSE(effective.settings.has_value());
  ASSERT_EQ(effective.states.size(), 2u);
  EXPECT_EQ(effective.states[0].state, PolicyStateKind::kConflict);
  EXPECT_EQ(effective.states[1].state, PolicyStateKind::kConflict);
}

TEST(EffectivePolicyTest, UninvolvedPolicyIsPendingDuringConflict) {
  PolicyIndex index({
      MakePolicy(1, kAge30, {Include(kGroupA)}),
      MakePolicy(2, kAge7, {Include(kGroupA)}),
      MakePolicy(3, kLength20, {Include(kGroupA)}),
  });
  // Even with a succeeded report for its current version: nothing new reaches
  // the device while the conflict lasts.
  Device device = Device().Groups({kGroupA}).Reports({{3, 1, false, ""}});
  EffectivePolicy effective = index.Resolve(device.Context());
  ASSERT_EQ(effective.states.size(), 3u);
  EXPECT_EQ(effective.states[2].policy, 3);
  EXPECT_EQ(effective.states[2].state, PolicyStateKind::kPending);
  EXPECT_EQ(effective.states[2].detail, "not applied: another policy conflicts");
  ASSERT_EQ(effective.conflicts.size(), 1u);
  EXPECT_EQ(effective.conflicts[0].policies, (std::vector<PolicyId>{1, 2}));
}

TEST(EffectivePolicyTest, ConflictDetailNamesEverySettingAndOtherPolicies) {
  // Policies in descending id order: the index sorts them.
  PolicyIndex index({
      MakePolicy(9, {{SettingId::kPasswordAgeDays, std::int64_t{7}}}, {Include(kGroupC)}),
      MakePolicy(5,
                 {{SettingId::kPasswordAgeDays, std::int64_t{30}},
                  {SettingId::kPasswordLength, std::int64_t{20}}},
                 {Include(kGroupB)}),
      MakePolicy(2,
                 {{SettingId::kPasswordAgeDays, std::int64_t{30}},
                  {SettingId::kPasswordLength, std::int64_t{14}}},
                 {Include(kGroupA)}),
  });
  Device device = Device().Groups({kGroupC, kGroupB, kGroupA});
  EffectivePolicy effective = index.Resolve(device.Context());
  ASSERT_EQ(effective.conflicts.size(), 2u);
  // Conflicts in SettingId order, policies ascending.
  EXPECT_EQ(effective.conflicts[0].setting, SettingId::kPasswordAgeDays);
  EXPECT_EQ(effective.conflicts[0].policies, (std::vector<PolicyId>{2, 5, 9}));
  EXPECT_EQ(effective.conflicts[1].setting, SettingId::kPasswordLength);
  EXPECT_EQ(effective.conflicts[1].policies, (std::vector<PolicyId>{2, 5}));
  EXPECT_EQ(StatePolicies(effective), (std::vector<PolicyId>{2, 5, 9}));
  EXPECT_EQ(effective.states[0].detail,
            "PasswordAgeDays conflicts with policy 9; PasswordLength conflicts with policy 5");
  EXPECT_EQ(effective.states[1].detail,
            "PasswordAgeDays conflicts with policy 9; PasswordLength conflicts with policy 2");
  EXPECT_EQ(effective.states[2].detail, "PasswordAgeDays conflicts with policies 2, 5");
}

TEST(EffectivePolicyTest, RemovingAnAssignmentClearsTheConflict) {
  Policy first = MakePolicy(1, kAge30, {Include(kGroupA)});
  Policy second = MakePolicy(2, kAge7, {Include(kGroupB)});
  const PolicySettings applied = Settings(kAge7);
  Device device = Device().Groups({kGroupA}).UserGroups({kGroupB}).Applied(applied);
  ASSERT_TRUE(PolicyIndex({first, second}).Resolve(device.Context()).HasConflict());

  second.assignments = {Include(kGroupC)};
  EffectivePolicy effective = PolicyIndex({first, second}).Resolve(device.Context());
  EXPECT_FALSE(effective.HasConflict());
  EXPECT_EQ(effective.settings, Settings(kAge30));
  EXPECT_EQ(StatePolicies(effective), (std::vector<PolicyId>{1}));
  EXPECT_EQ(effective.states[0].state, PolicyStateKind::kPending);

  // An exclude clears it too.
  second.assignments = {Include(kGroupB), Exclude(kGroupA)};
  effective = PolicyIndex({first, second}).Resolve(device.Context());
  EXPECT_FALSE(effective.HasConflict());
  EXPECT_EQ(effective.settings, Settings(kAge30));
}

TEST(EffectivePolicyTest, AligningValuesClearsTheConflict) {
  Policy first = MakePolicy(1, kAge30, {Include(kGroupA)});
  Policy second = MakePolicy(2, {{SettingId::kPasswordAgeDays, std::int64_t{7}}, kLength20.front()},
                             {Include(kGroupA)});
  Device device = Device().Groups({kGroupA});
  EffectivePolicy effective = PolicyIndex({first, second}).Resolve(device.Context());
  ASSERT_TRUE(effective.HasConflict());
  EXPECT_FALSE(effective.settings.has_value());

  second.settings.Set(SettingId::kPasswordAgeDays, std::int64_t{30});
  ++second.version;
  effective = PolicyIndex({first, second}).Resolve(device.Context());
  EXPECT_FALSE(effective.HasConflict());
  EXPECT_EQ(effective.settings, Settings({kAge30.front(), kLength20.front()}));
  for (const PolicyState& s : effective.states) {
    EXPECT_EQ(s.state, PolicyStateKind::kPending);
    EXPECT_EQ(s.detail, "");
  }
}

// --- States from reports -----------------------------------------------------

struct ReportCase {
  std::string name;
  std::vector<PolicyReport> reports;
  PolicyStateKind state;
  std::string detail;
};

class ReportStateTest : public ::testing::TestWithParam<ReportCase> {};

TEST_P(ReportStateTest, StateFollowsReportForCurrentVersion) {
  const ReportCase& c = GetParam();
  PolicyIndex index({MakePolicy(4, kAge30, {Include(kGroupA)}, kAllPlatforms, /*version=*/3)});
  Device device = Device().Groups({kGroupA}).Reports(c.reports);
  EffectivePolicy effective = index.Resolve(device.Context());
  ASSERT_EQ(effective.states.size(), 1u);
  EXPECT_EQ(effective.states[0].state, c.state);
  EXPECT_EQ(effective.states[0].detail, c.detail);
  EXPECT_EQ(effective.settings, Settings(kAge30));
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ReportStateTest,
    ::testing::Values(
        ReportCase{"NoReport", {}, PolicyStateKind::kPending, ""},
        ReportCase{"Succeeded", {{4, 3, false, ""}}, PolicyStateKind::kSucceeded, ""},
        ReportCase{"Error",
                   {{4, 3, true, "0x80070005 access denied"}},
                   PolicyStateKind::kError,
                   "0x80070005 access denied"},
        ReportCase{"StaleSucceeded", {{4, 2, false, ""}}, PolicyStateKind::kPending, ""},
        ReportCase{"StaleError", {{4, 2, true, "old"}}, PolicyStateKind::kPending, ""},
        ReportCase{"OtherPolicy", {{5, 3, false, ""}}, PolicyStateKind::kPending, ""},
        ReportCase{"CurrentAmongStale",
                   {{4, 1, true, "old"}, {5, 3, true, "other"}, {4, 3, false, ""}},
                   PolicyStateKind::kSucceeded,
                   ""}),
    [](const auto& info) { return info.param.name; });

TEST(EffectivePolicyTest, NotApplicableIgnoresReports) {
  PolicyIndex index({MakePolicy(1, kAge30, {Include(kGroupA)}, PlatformBit(Platform::kMacOS))});
  Device device = Device().Groups({kGroupA}).Reports({{1, 1, false, ""}});
  EffectivePolicy effective = index.Resolve(device.Context());
  ASSERT_EQ(effective.states.size(), 1u);
  EXPECT_EQ(effective.states[0].state, PolicyStateKind::kNotApplicable);
}

// --- Empty and lookups -------------------------------------------------------

TEST(EffectivePolicyTest, NoPoliciesSendsNothing) {
  Device device = Device().Groups({kGroupA}).UserGroups({kGroupB});
  for (const PolicyIndex& index : {PolicyIndex(), PolicyIndex(std::vector<Policy>{})}) {
    EffectivePolicy effective = index.Resolve(device.Context());
    EXPECT_FALSE(effective.settings.has_value());
    EXPECT_TRUE(effective.states.empty());
    EXPECT_FALSE(effective.HasConflict());
    EXPECT_EQ(index.Find(1), nullptr);
  }
}

TEST(EffectivePolicyTest, ApplicablePolicyWithoutSettingsSendsEmptySettings) {
  PolicyIndex index({MakePolicy(1, {}, {Include(kGroupA)})});
  Device device = Device().Groups({kGroupA});
  EffectivePolicy effective = index.Resolve(device.Context());
  ASSERT_TRUE(effective.settings.has_value());
  EXPECT_TRUE(effective.settings->Empty());
}

TEST(EffectivePolicyTest, FindAndPoliciesAreSortedById) {
  PolicyIndex index({MakePolicy(30, {}, {}), MakePolicy(-5, {}, {}), MakePolicy(12, {}, {})});
  std::vector<PolicyId> ids;
  for (const Policy& p : index.policies()) ids.push_back(p.id);
  EXPECT_EQ(ids, (std::vector<PolicyId>{-5, 12, 30}));
  ASSERT_NE(index.Find(12), nullptr);
  EXPECT_EQ(index.Find(12)->id, 12);
  EXPECT_EQ(index.Find(11), nullptr);
  EXPECT_EQ(index.Find(31), nullptr);
}

TEST(EffectivePolicyTest, ExtremeGroupIdsAreMatchedExactly) {
  constexpr GroupId kMin = std::numeric_limits<GroupId>::min();
  constexpr GroupId kMax = std::numeric_limits<GroupId>::max();
  PolicyIndex index({
      MakePolicy(1, kAge30, {Include(kMin)}),
      MakePolicy(2, kLength20, {Include(kMax), Exclude(0)}),
  });
  Device device = Device().Groups({kMin, kMax});
  EXPECT_EQ(StatePolicies(index.Resolve(device.Context())), (std::vector<PolicyId>{1, 2}));
  device.Groups({kMin + 1, kMax - 1, 1, -1});
  EXPECT_TRUE(index.Resolve(device.Context()).states.empty());
  device.Groups({kMax, 0});
  EXPECT_TRUE(index.Resolve(device.Context()).states.empty());
}

TEST(EffectivePolicyTest, DenseGroupIdsWithGapsAndOutOfRange) {
  // Ids 100..140 in steps of 4 are dense enough for direct indexing.
  std::vector<Policy> policies;
  for (PolicyId id = 0; id < 10; ++id) {
    policies.push_back(MakePolicy(id, {}, {Include(100 + 4 * id)}));
  }
  PolicyIndex index(std::move(policies));
  for (GroupId g = 90; g < 150; ++g) {
    Device device = Device().Groups({g});
    const bool assigned = g >= 100 && g < 140 && (g - 100) % 4 == 0;
    EXPECT_EQ(StatePolicies(index.Resolve(device.Context())),
              assigned ? std::vector<PolicyId>{(g - 100) / 4} : std::vector<PolicyId>{})
        << "group " << g;
  }
}

struct NameCase {
  Platform platform;
  std::string_view name;
};

TEST(EffectivePolicyTest, PlatformNamesRoundTrip) {
  for (const NameCase& c :
       {NameCase{Platform::kWindows, "windows"}, NameCase{Platform::kLinux, "linux"},
        NameCase{Platform::kMacOS, "macOS"}}) {
    EXPECT_EQ(PlatformName(c.platform), c.name);
    EXPECT_EQ(PlatformFromName(c.name), c.platform);
  }
  EXPECT_EQ(PlatformFromName("MACOS"), Platform::kMacOS);
  EXPECT_EQ(PlatformFromName("Windows"), Platform::kWindows);
  EXPECT_EQ(PlatformFromName("LiNuX"), Platform::kLinux);
  EXPECT_EQ(PlatformFromName(""), std::nullopt);
  EXPECT_EQ(PlatformFromName("win"), std::nullopt);
  EXPECT_EQ(PlatformFromName("windows "), std::nullopt);
}

TEST(EffectivePolicyTest, PolicyStateNamesAreIntunes) {
  EXPECT_EQ(PolicyStateName(PolicyStateKind::kPending), "pending");
  EXPECT_EQ(PolicyStateName(PolicyStateKind::kSucceeded), "succeeded");
  EXPECT_EQ(PolicyStateName(PolicyStateKind::kError), "error");
  EXPECT_EQ(PolicyStateName(PolicyStateKind::kConflict), "conflict");
  EXPECT_EQ(PolicyStateName(PolicyStateKind::kNotApplicable), "notApplicable");
}

// --- Randomized cross-check against a brute-force reference --------------------

// The rules of DESIGN.md §4, written as plainly as possible.
EffectivePolicy ReferenceResolve(std::vector<Policy> policies, const DeviceContext& device) {
  std::sort(policies.begin(), policies.end(),
            [](const Policy& a, const Policy& b) { return a.id < b.id; });
  auto in_device = [&](GroupId g) {
    return std::find(device.device_groups.begin(), device.device_groups.end(), g) !=
               device.device_groups.end() ||
           std::find(device.user_groups.begin(), device.user_groups.end(), g) !=
               device.user_groups.end();
  };
  std::vector<const Policy*> targeted;
  std::vector<const Policy*> applicable;
  for (const Policy& p : policies) {
    bool included = false;
    bool excluded = false;
    for (const Assignment& a : p.assignments) {
      if (!in_device(a.group)) continue;
      (a.kind == AssignmentKind::kInclude ? included : excluded) = true;
    }
    if (!included || excluded) continue;
    targeted.push_back(&p);
    if ((p.platforms & PlatformBit(device.platform)) != 0) applicable.push_back(&p);
  }

  EffectivePolicy out;
  PolicySettings merged;
  std::set<SettingId> conflicting;
  for (std::size_t s = 0; s < kSettingCount; ++s) {
    const auto id = static_cast<SettingId>(s);
    std::vector<SettingValue> values;
    std::vector<PolicyId> ids;
    for (const Policy* p : applicable) {
      if (!p->settings.IsConfigured(id)) continue;
      values.push_back(*p->settings.Get(id));
      ids.push_back(p->id);
    }
    if (values.empty()) continue;
    merged.Set(id, values.front());
    if (std::any_of(values.begin(), values.end(),
                    [&](const SettingValue& v) { return v != values.front(); })) {
      conflicting.insert(id);
      out.conflicts.push_back({id, ids});
    }
  }
  if (conflicting.empty()) {
    if (!applicable.empty()) out.settings = merged;
  } else if (device.applied != nullptr) {
    out.settings = *device.applied;
  }

  for (const Policy* p : targeted) {
    PolicyState state;
    state.policy = p->id;
    const bool applies = std::find(applicable.begin(), applicable.end(), p) != applicable.end();
    std::vector<std::string> parts;
    for (SettingId id : conflicting) {
      if (!applies || !p->settings.IsConfigured(id)) continue;
      std::vector<PolicyId> others;
      for (const Policy* o : applicable) {
        if (o->settings.IsConfigured(id) && o->settings.Get(id) != p->settings.Get(id)) {
          others.push_back(o->id);
        }
      }
      std::string part =
          std::string(SpecOf(id).csp_name) +
          (others.size() == 1 ? " conflicts with policy " : " conflicts with policies ");
      for (std::size_t i = 0; i < others.size(); ++i) {
        part += (i > 0 ? ", " : "") + std::to_string(others[i]);
      }
      parts.push_back(part);
    }
    if (!applies) {
      state.state = PolicyStateKind::kNotApplicable;
      state.detail = "not for platform " + std::string(PlatformName(device.platform));
    } else if (!parts.empty()) {
      state.state = PolicyStateKind::kConflict;
      for (std::size_t i = 0; i < parts.size(); ++i) state.detail += (i > 0 ? "; " : "") + parts[i];
    } else if (!conflicting.empty()) {
      state.state = PolicyStateKind::kPending;
      state.detail = "not applied: another policy conflicts";
    } else {
      state.state = PolicyStateKind::kPending;
      for (const PolicyReport& r : device.reports) {
        if (r.policy != p->id || r.version != p->version) continue;
        state.state = r.error ? PolicyStateKind::kError : PolicyStateKind::kSucceeded;
        state.detail = r.error ? r.error_detail : "";
        break;
      }
    }
    out.states.push_back(state);
  }
  return out;
}

void ExpectSame(const EffectivePolicy& got, const EffectivePolicy& want) {
  EXPECT_EQ(got.settings, want.settings);
  ASSERT_EQ(got.conflicts.size(), want.conflicts.size());
  for (std::size_t i = 0; i < got.conflicts.size(); ++i) {
    EXPECT_EQ(got.conflicts[i].setting, want.conflicts[i].setting);
    EXPECT_EQ(got.conflicts[i].policies, want.conflicts[i].policies);
  }
  ASSERT_EQ(got.states.size(), want.states.size());
  for (std::size_t i = 0; i < got.states.size(); ++i) {
    EXPECT_EQ(got.states[i].policy, want.states[i].policy);
    EXPECT_EQ(got.states[i].state, want.states[i].state) << "policy " << got.states[i].policy;
    EXPECT_EQ(got.states[i].detail, want.states[i].detail);
  }
}

struct RandomFleetCase {
  std::string name;
  std::vector<GroupId> groups;      // the group ids policies are assigned
  std::vector<GroupId> unassigned;  // more ids devices may be in, just outside
};

class RandomCrossCheckTest : public ::testing::TestWithParam<RandomFleetCase> {};

TEST_P(RandomCrossCheckTest, MatchesReference) {
  const std::vector<GroupId>& groups = GetParam().groups;
  std::vector<GroupId> device_pool = groups;
  device_pool.insert(device_pool.end(), GetParam().unassigned.begin(), GetParam().unassigned.end());
  std::mt19937_64 rng(20240611);
  auto chance = [&](double p) { return std::bernoulli_distribution(p)(rng); };
  auto pick = [&](std::size_t n) {
    return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng);
  };
  const std::vector<SettingId> setting_pool = {
      SettingId::kPasswordAgeDays, SettingId::kPasswordLength, SettingId::kAdministratorAccountName,
      SettingId::kPasswordExpirationProtectionEnabled};
  auto random_value = [&](SettingId id) -> SettingValue {
    switch (id) {
      case SettingId::kAdministratorAccountName:
        return std::string(chance(0.5) ? "admin" : "lapsadmin");
      case SettingId::kPasswordExpirationProtectionEnabled:
        return chance(0.5);
      default:
        return static_cast<std::int64_t>(chance(0.7) ? 30 : 7);
    }
  };
  const Platform platforms[] = {Platform::kWindows, Platform::kLinux, Platform::kMacOS};

  int conflicts_seen = 0;
  int not_applicable_seen = 0;
  for (int round = 0; round < 200; ++round) {
    std::vector<Policy> policies;
    const std::size_t policy_count = pick(7);
    for (std::size_t i = 0; i < policy_count; ++i) {
      Policy p;
      p.id = static_cast<PolicyId>(pick(1000)) - 500;
      if (std::any_of(policies.begin(), policies.end(),
                      [&](const Policy& q) { return q.id == p.id; })) {
        continue;
      }
      p.version = static_cast<std::int64_t>(pick(3)) + 1;
      p.platforms = chance(0.7) ? kAllPlatforms : static_cast<PlatformSet>(pick(7) + 1);
      for (SettingId id : setting_pool) {
        if (chance(0.4)) p.settings.Set(id, random_value(id));
      }
      const std::size_t assignment_count = pick(4);
      for (std::size_t a = 0; a < assignment_count; ++a) {
        p.assignments.push_back({groups[pick(groups.size())], chance(0.25)
                                                                  ? AssignmentKind::kExclude
                                                                  : AssignmentKind::kInclude});
      }
      policies.push_back(std::move(p));
    }
    std::shuffle(policies.begin(), policies.end(), rng);
    const PolicyIndex index(policies);

    for (int d = 0; d < 25; ++d) {
      std::vector<GroupId> device_groups;
      for (std::size_t n = pick(4); n > 0; --n)
        device_groups.push_back(device_pool[pick(device_pool.size())]);
      std::vector<GroupId> user_groups;
      if (chance(0.4)) {
        for (std::size_t n = pick(3) + 1; n > 0; --n) {
          user_groups.push_back(device_pool[pick(device_pool.size())]);
        }
      }
      std::vector<PolicyReport> reports;
      for (const Policy& p : policies) {
        if (!chance(0.5)) continue;
        const bool error = chance(0.3);
        reports.push_back({p.id, static_cast<std::int64_t>(pick(3)) + 1, error,
                           error ? "error " + std::to_string(p.id) : ""});
      }
      Device device = Device()
                          .On(platforms[pick(3)])
                          .Groups(std::move(device_groups))
                          .UserGroups(std::move(user_groups))
                          .Reports(std::move(reports));
      if (chance(0.5)) {
        device.Applied(
            Settings({{SettingId::kPasswordAgeDays, random_value(SettingId::kPasswordAgeDays)}}));
      }
      const EffectivePolicy got = index.Resolve(device.Context());
      const EffectivePolicy want = ReferenceResolve(policies, device.Context());
      SCOPED_TRACE("round " + std::to_string(round) + " device " + std::to_string(d));
      ExpectSame(got, want);
      if (::testing::Test::HasFailure()) return;
      conflicts_seen += got.HasConflict() ? 1 : 0;
      not_applicable_seen += std::count_if(got.states.begin(), got.states.end(), [](const auto& s) {
        return s.state == PolicyStateKind::kNotApplicable;
      });
    }
  }
  // The fleet exercises the interesting paths.
  EXPECT_GT(conflicts_seen, 50);
  EXPECT_GT(not_applicable_seen, 50);
}

INSTANTIATE_TEST_SUITE_P(
    Fleets, RandomCrossCheckTest,
    ::testing::Values(RandomFleetCase{"DenseIds", {1, 2, 3, 4, 5, 6}, {0, 7}},
                      RandomFleetCase{"SparseIds",
                                      {std::numeric_limits<GroupId>::min(), -7, 0, 1'000'000'007,
                                       std::int64_t{1} << 50, std::numeric_limits<GroupId>::max()},
                                      {-8, 1, std::numeric_limits<GroupId>::max() - 1}}),
    [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace openlaps::core
