// Effective-policy resolution for a synthetic fleet of 1,000,000 devices,
// 500 policies and 10,000 groups, on one core (DESIGN.md §9). Reports devices
// per second, the process's peak RSS and the size of the fleet data itself.
#include <benchmark/benchmark.h>
#include <sys/resource.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "core/effective_policy.h"
#include "core/policy_settings.h"

namespace openlaps::core {
namespace {

constexpr std::size_t kDevices = 1'000'000;
constexpr std::size_t kPolicies = 500;
constexpr GroupId kGroups = 10'000;
// Group ids 1..kGroups, like database ids: sites, departments, then a long
// tail of small groups. Every device is in one site and one department.
constexpr GroupId kSiteGroups = 100;
constexpr GroupId kDepartmentGroups = 300;
constexpr GroupId kFirstDepartment = kSiteGroups + 1;
constexpr GroupId kFirstTail = kFirstDepartment + kDepartmentGroups;
constexpr std::uint64_t kSeed = 0x0de1a95;
constexpr std::uint8_t kNotApplied = 0xff;
constexpr double kMiB = 1024.0 * 1024.0;

double PeakRssMiB() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) * 1024.0 / kMiB;  // ru_maxrss is in KiB
}

template <typename T>
std::size_t BytesOf(const std::vector<T>& v) {
  return v.capacity() * sizeof(T);
}

// The device side of the fleet, stored flat: device d's groups are
// device_groups[group_offsets[d] .. group_offsets[d + 1]], and so on.
struct Fleet {
  std::vector<Platform> platforms;
  std::vector<GroupId> device_groups;
  std::vector<std::uint32_t> group_offsets;
  std::vector<GroupId> user_groups;
  std::vector<std::uint32_t> user_group_offsets;
  std::vector<PolicyReport> reports;
  std::vector<std::uint32_t> report_offsets;
  std::vector<std::uint8_t> applied;  // index into applied_settings, or kNotApplied
  std::vector<PolicySettings> applied_settings;

  DeviceContext Context(std::size_t d) const {
    DeviceContext context;
    context.platform = platforms[d];
    context.device_groups = {device_groups.data() + group_offsets[d],
                             device_groups.data() + group_offsets[d + 1]};
    context.user_groups = {user_groups.data() + user_group_offsets[d],
                           user_groups.data() + user_group_offsets[d + 1]};
    context.applied = applied[d] == kNotApplied ? nullptr : &applied_settings[applied[d]];
    context.reports = {reports.data() + report_offsets[d], reports.data() + report_offsets[d + 1]};
    return context;
  }

  std::size_t Bytes() const {
    return BytesOf(platforms) + BytesOf(device_groups) + BytesOf(group_offsets) +
           BytesOf(user_groups) + BytesOf(user_group_offsets) + BytesOf(reports) +
           BytesOf(report_offsets) + BytesOf(applied) + BytesOf(applied_settings);
  }
};

// Settings a policy may configure, with the value most policies agree on.
struct CommonSetting {
  SettingId id;
  SettingValue usual;
  SettingValue deviant;
};

const std::vector<CommonSetting>& CommonSettings() {
  static const std::vector<CommonSetting> settings = {
      {SettingId::kBackupDirectory, std::int64_t{1}, std::int64_t{2}},
      {SettingId::kPasswordAgeDays, std::int64_t{30}, std::int64_t{7}},
      {SettingId::kPasswordLength, std::int64_t{14}, std::int64_t{24}},
      {SettingId::kPasswordComplexity, std::int64_t{4}, std::int64_t{6}},
      {SettingId::kPostAuthenticationResetDelay, std::int64_t{24}, std::int64_t{8}},
      {SettingId::kPostAuthenticationActions, std::int64_t{3}, std::int64_t{1}},
      {SettingId::kAdministratorAccountName, std::string("lapsadmin"), std::string("itadmin")},
      {SettingId::kPasswordExpirationProtectionEnabled, true, false},
  };
  return settings;
}

class Generator {
 public:
  explicit Generator(std::uint64_t seed) : rng_(seed) {}

  bool Chance(double p) { return std::bernoulli_distribution(p)(rng_); }
  std::int64_t Uniform(std::int64_t lo, std::int64_t hi) {  // inclusive
    return std::uniform_int_distribution<std::int64_t>(lo, hi)(rng_);
  }
  GroupId Site() { return Uniform(1, kSiteGroups); }
  GroupId Department() { return Uniform(kFirstDepartment, kFirstTail - 1); }
  GroupId Tail() { return Uniform(kFirstTail, kGroups); }

  std::vector<Policy> Policies() {
    std::vector<Policy> policies(kPolicies);
    const auto& common = CommonSettings();
    for (std::size_t i = 0; i < kPolicies; ++i) {
      Policy& p = policies[i];
      p.id = static_cast<PolicyId>(1000 + i);
      p.version = Uniform(1, 5);
      const double platform = std::uniform_real_distribution<double>(0, 1)(rng_);
      p.platforms = platform < 0.85 ? PlatformBit(Platform::kWindows)
                    : platform < 0.95
                        ? kAllPlatforms
                        : PlatformBit(Platform::kLinux) | PlatformBit(Platform::kMacOS);
      // 3-6 of the common settings, almost always with the usual value.
      const auto configured = static_cast<std::size_t>(Uniform(3, 6));
      for (std::size_t k = 0; k < configured; ++k) {
        const CommonSetting& s = common[static_cast<std::size_t>(Uniform(0, 7))];
        p.settings.Set(s.id, Chance(0.01) ? s.deviant : s.usual);
      }
      // 1-3 includes, broad groups for some policies; a few excludes.
      const auto includes = Uniform(1, 3);
      for (std::int64_t k = 0; k < includes; ++k) {
        const double tier = std::uniform_real_distribution<double>(0, 1)(rng_);
        const GroupId group = tier < 0.1 ? Site() : tier < 0.35 ? Department() : Tail();
        p.assignments.push_back({group, AssignmentKind::kInclude});
      }
      if (Chance(0.2)) p.assignments.push_back({Tail(), AssignmentKind::kExclude});
      if (Chance(0.05)) p.assignments.push_back({Department(), AssignmentKind::kExclude});
    }
    return policies;
  }

  Fleet Devices(const std::vector<Policy>& policies) {
    // Which policies include each site: reports name policies the device sees.
    std::vector<std::vector<const Policy*>> site_policies(kSiteGroups + 1);
    for (const Policy& p : policies) {
      for (const Assignment& a : p.assignments) {
        if (a.kind == AssignmentKind::kInclude && a.group <= kSiteGroups) {
          site_policies[static_cast<std::size_t>(a.group)].push_back(&p);
        }
      }
    }

    Fleet fleet;
    const auto& common = CommonSettings();
    for (int variant = 0; variant < 4; ++variant) {
      PolicySettings& applied = fleet.applied_settings.emplace_back();
      for (const CommonSetting& s : common) applied.Set(s.id, variant == 3 ? s.deviant : s.usual);
    }
    fleet.platforms.reserve(kDevices);
    fleet.group_offsets.reserve(kDevices + 1);
    fleet.user_group_offsets.reserve(kDevices + 1);
    fleet.report_offsets.reserve(kDevices + 1);
    fleet.applied.reserve(kDevices);
    fleet.device_groups.reserve(kDevices * 6);
    fleet.group_offsets.push_back(0);
    fleet.user_group_offsets.push_back(0);
    fleet.report_offsets.push_back(0);
    for (std::size_t d = 0; d < kDevices; ++d) {
      const double platform = std::uniform_real_distribution<double>(0, 1)(rng_);
      fleet.platforms.push_back(platform < 0.8    ? Platform::kWindows
                                : platform < 0.92 ? Platform::kMacOS
                                                  : Platform::kLinux);
      // 3-8 groups: a site, a department and 1-6 small groups.
      const GroupId site = Site();
      fleet.device_groups.push_back(site);
      fleet.device_groups.push_back(Department());
      for (auto n = Uniform(1, 6); n > 0; --n) fleet.device_groups.push_back(Tail());
      fleet.group_offsets.push_back(static_cast<std::uint32_t>(fleet.device_groups.size()));

      if (Chance(0.05)) {
        for (auto n = Uniform(1, 2); n > 0; --n) fleet.user_groups.push_back(Tail());
      }
      fleet.user_group_offsets.push_back(static_cast<std::uint32_t>(fleet.user_groups.size()));

      const auto& seen = site_policies[static_cast<std::size_t>(site)];
      if (!seen.empty() && Chance(0.4)) {
        const Policy& p =
            *seen[static_cast<std::size_t>(Uniform(0, static_cast<std::int64_t>(seen.size()) - 1))];
        const bool error = Chance(0.05);
        fleet.reports.push_back({p.id, Chance(0.8) ? p.version : p.version - 1, error,
                                 error ? "0x80070005 access denied" : ""});
      }
      fleet.report_offsets.push_back(static_cast<std::uint32_t>(fleet.reports.size()));

      fleet.applied.push_back(Chance(0.6) ? static_cast<std::uint8_t>(Uniform(0, 3)) : kNotApplied);
    }
    return fleet;
  }

 private:
  std::mt19937_64 rng_;
};

struct World {
  std::vector<Policy> policies;
  PolicyIndex index;
  Fleet fleet;
};

const World& TheWorld() {
  static const World world = [] {
    Generator generator(kSeed);
    World w;
    w.policies = generator.Policies();
    w.index = PolicyIndex(w.policies);
    w.fleet = generator.Devices(w.policies);
    return w;
  }();
  return world;
}

void BM_ResolveFleet(benchmark::State& state) {
  const World& world = TheWorld();
  std::size_t conflicts = 0;
  std::size_t sent = 0;
  std::size_t states = 0;
  for (auto _ : state) {
    conflicts = sent = states = 0;
    for (std::size_t d = 0; d < kDevices; ++d) {
      EffectivePolicy effective = world.index.Resolve(world.fleet.Context(d));
      conflicts += effective.HasConflict() ? 1 : 0;
      sent += effective.settings.has_value() ? 1 : 0;
      states += effective.states.size();
      benchmark::DoNotOptimize(effective);
    }
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * kDevices));
  const double devices = static_cast<double>(kDevices);
  state.counters["conflict_pct"] = 100.0 * static_cast<double>(conflicts) / devices;
  state.counters["sent_pct"] = 100.0 * static_cast<double>(sent) / devices;
  state.counters["policies_per_device"] = static_cast<double>(states) / devices;
  state.counters["fleet_mib"] = static_cast<double>(world.fleet.Bytes()) / kMiB;
  state.counters["peak_rss_mib"] = PeakRssMiB();
}
BENCHMARK(BM_ResolveFleet)->Iterations(2)->UseRealTime()->Unit(benchmark::kMillisecond);

// Rebuilding the index, as lapsd does on every policy or assignment change.
void BM_BuildIndex(benchmark::State& state) {
  const World& world = TheWorld();
  for (auto _ : state) {
    PolicyIndex index(world.policies);
    benchmark::DoNotOptimize(index);
  }
}
BENCHMARK(BM_BuildIndex)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace openlaps::core

BENCHMARK_MAIN();
