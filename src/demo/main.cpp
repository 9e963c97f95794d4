// openlaps-demo: shows the LAPS domain core at work on a small synthetic
// fleet: policy validation, effective policy with a conflict, the rotation
// schedule, and generated password shapes (never the passwords themselves).
#include <cstdio>
#include <vector>

#include "core/clock.h"
#include "core/effective_policy.h"
#include "core/password_generator.h"
#include "core/policy_json.h"
#include "core/policy_validation.h"
#include "core/rotation_schedule.h"
#include "crypto/csprng.h"

namespace {

using openlaps::core::AssignmentKind;
using openlaps::core::PolicySettings;
using openlaps::core::SettingId;

PolicySettings CloudPolicy(int age_days, int complexity) {
  PolicySettings s;
  s.Set(SettingId::kBackupDirectory, std::int64_t{1});
  s.Set(SettingId::kPasswordAgeDays, std::int64_t{age_days});
  s.Set(SettingId::kPasswordComplexity, std::int64_t{complexity});
  return s;
}

void ShowPasswords() {
  openlaps::crypto::CsprngRandom random;
  std::printf("Password generation (shape only; passwords are never printed):\n");
  for (int complexity = 1; complexity <= 8; ++complexity) {
    openlaps::core::PasswordSpec spec;
    spec.complexity = complexity;
    auto password = openlaps::core::GeneratePassword(spec, random);
    if (!password.ok()) {
      std::printf("  complexity %d: %s\n", complexity, password.status().ToString().c_str());
      continue;
    }
    std::printf("  complexity %d: %2zu characters, %.0f bits of entropy\n", complexity,
                password->size(), openlaps::core::PasswordEntropyBits(spec));
  }
}

void ShowFleet() {
  namespace core = openlaps::core;
  std::vector<core::Policy> policies(3);
  policies[0] = {
      .id = 1, .settings = CloudPolicy(30, 4), .assignments = {{10, AssignmentKind::kInclude}}};
  policies[1] = {
      .id = 2, .settings = CloudPolicy(14, 4), .assignments = {{20, AssignmentKind::kInclude}}};
  policies[2] = {
      .id = 3, .settings = CloudPolicy(30, 6), .assignments = {{30, AssignmentKind::kInclude}}};
  core::PolicyIndex index(policies);

  struct Device {
    const char* name;
    std::vector<core::GroupId> groups;
  };
  const std::vector<Device> fleet = {
      {"lab-01 (group 10)", {10}},
      {"lab-02 (groups 10, 30: complexity conflict)", {10, 30}},
      {"hr-07 (group 20)", {20}},
      {"kiosk-3 (no group)", {}},
  };
  std::printf("\nEffective policy per device:\n");
  for (const Device& d : fleet) {
    core::DeviceContext ctx;
    ctx.platform = core::Platform::kLinux;
    ctx.device_groups = d.groups;
    core::EffectivePolicy effective = index.Resolve(ctx);
    std::printf("  %-46s ", d.name);
    if (effective.HasConflict()) {
      std::printf("conflict, nothing sent:");
    } else if (!effective.settings) {
      std::printf("no LAPS policy");
    } else {
      std::printf("%s", core::PolicySettingsToJson(*effective.settings).dump().c_str());
    }
    for (const core::PolicyState& s : effective.states) {
      std::printf(" [policy %lld %s]", static_cast<long long>(s.policy),
                  std::string(core::PolicyStateName(s.state)).c_str());
    }
    std::printf("\n");
  }

  PolicySettings bad;
  bad.Set(SettingId::kBackupDirectory, std::int64_t{1});
  bad.Set(SettingId::kPasswordAgeDays, std::int64_t{3});
  bad.Set(SettingId::kPasswordLength, std::int64_t{100});
  std::printf("\nValidation of a bad policy: %s\n",
              core::ValidatePolicySettings(bad).ToStatus().ToString().c_str());
}

void ShowSchedule() {
  namespace core = openlaps::core;
  auto march = [](unsigned day) {
    return core::Timestamp(std::chrono::sys_days(std::chrono::year{2026} / 3 / day));
  };
  core::LapsSettings settings = core::LapsSettings::Resolve(CloudPolicy(10, 4));
  core::Timestamp first = march(1);
  core::Timestamp manual = march(5);
  std::printf("\nRotation schedule, PasswordAgeDays 10 (Intune's example):\n");
  std::printf("  backed up %s, next %s\n", core::FormatUtc(first).c_str(),
              core::FormatUtc(core::NextRotation(first, settings.password_age_days)).c_str());
  std::printf("  manual rotation %s, next %s\n", core::FormatUtc(manual).c_str(),
              core::FormatUtc(core::NextRotation(manual, settings.password_age_days)).c_str());
}

}  // namespace

int main() {
  ShowPasswords();
  ShowFleet();
  ShowSchedule();
  return 0;
}
