// Effective LAPS policy for one device, from every policy assigned to it
// (DESIGN.md §4, LAPS-REFERENCE.md §8).
//
// A policy applies to a device when one of its include assignments targets a
// group the device is in (device groups) or the signed-in user is in (user
// groups), no exclude assignment targets such a group, and the policy's
// platforms contain the device's platform. A setting conflicts when two
// applying policies configure it with different values. Then:
//  - a device that already applied LAPS settings keeps what it applied;
//  - a device that never applied any gets nothing;
// and every policy that configures a conflicting setting reports kConflict.
//
// PolicyIndex is built once per policy/assignment change and is immutable,
// so Resolve may be called from many threads at once.
#ifndef OPENLAPS_CORE_EFFECTIVE_POLICY_H_
#define OPENLAPS_CORE_EFFECTIVE_POLICY_H_

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/policy_settings.h"

namespace openlaps::core {

using PolicyId = std::int64_t;
using GroupId = std::int64_t;

enum class Platform : std::uint8_t { kWindows = 1, kLinux = 2, kMacOS = 4 };
using PlatformSet = std::uint8_t;  // bitwise OR of Platform values
inline constexpr PlatformSet kAllPlatforms = 1 | 2 | 4;
inline constexpr PlatformSet PlatformBit(Platform p) { return static_cast<PlatformSet>(p); }
std::string_view PlatformName(Platform p);
std::optional<Platform> PlatformFromName(std::string_view name);

enum class AssignmentKind : std::uint8_t { kInclude, kExclude };

struct Assignment {
  GroupId group = 0;
  AssignmentKind kind = AssignmentKind::kInclude;
};

struct Policy {
  PolicyId id = 0;
  std::int64_t version = 1;  // bumped on every settings change
  PlatformSet platforms = kAllPlatforms;
  PolicySettings settings;
  std::vector<Assignment> assignments;
};

enum class PolicyStateKind : std::uint8_t {
  kPending,
  kSucceeded,
  kError,
  kConflict,
  kNotApplicable
};
std::string_view PolicyStateName(PolicyStateKind state);

// What the device last reported for one policy.
struct PolicyReport {
  PolicyId policy = 0;
  std::int64_t version = 0;  // the policy version the report is about
  bool error = false;
  std::string error_detail;
};

struct DeviceContext {
  Platform platform = Platform::kWindows;
  std::span<const GroupId> device_groups;
  std::span<const GroupId> user_groups;  // of the signed-in user, if any
  // What the device last applied; nullptr when it never applied LAPS settings.
  const PolicySettings* applied = nullptr;
  std::span<const PolicyReport> reports;
};

struct PolicyState {
  PolicyId policy = 0;
  PolicyStateKind state = PolicyStateKind::kPending;
  // kError: the device's error detail. kConflict: per conflicting setting the
  // policy configures, "<CSP name> conflicts with policy 7" (or "policies 7, 9":
  // the other applying policies that set it to a different value), joined by
  // "; ". kPending because of another policy's conflict: "not applied: another
  // policy conflicts". kNotApplicable: names the device's platform.
  std::string detail;
};

struct SettingConflict {
  SettingId setting;
  std::vector<PolicyId> policies;  // ascending
};

struct EffectivePolicy {
  // The settings to send; nullopt when nothing is sent (no applicable policy,
  // or a conflict on a device that never applied settings).
  std::optional<PolicySettings> settings;
  std::vector<SettingConflict> conflicts;  // empty when none
  // One entry per policy that targets the device (applicable or not), in
  // ascending policy id.
  std::vector<PolicyState> states;

  bool HasConflict() const { return !conflicts.empty(); }
};

class PolicyIndex {
 public:
  PolicyIndex() = default;
  explicit PolicyIndex(std::vector<Policy> policies);

  EffectivePolicy Resolve(const DeviceContext& device) const;

  const Policy* Find(PolicyId id) const;
  std::span<const Policy> policies() const { return policies_; }

 private:
  // Per policy, what Resolve needs in a compact form: which settings it
  // configures and, per configured setting, a small id standing for the value
  // (equal ids <=> equal values), so merging compares integers, not variants.
  struct PolicyInfo {
    std::uint32_t configured = 0;  // bit i set <=> SettingId(i) configured
    PlatformSet platforms = 0;
    std::array<std::uint32_t, kSettingCount> value_ids{};
  };
  // One assignment of policies_[policy_index] to a group.
  struct Target {
    std::uint32_t policy_index;
    AssignmentKind kind;
  };

  // The targets of `group`, empty when no policy is assigned to it.
  std::span<const Target> TargetsOf(GroupId group) const;

  std::vector<Policy> policies_;   // sorted by id
  std::vector<PolicyInfo> infos_;  // parallel to policies_
  // Targets grouped by group id. When the assigned group ids are dense enough,
  // dense_offsets_[g - dense_base_] .. [g - dense_base_ + 1] delimits the
  // targets of g (direct indexing); otherwise group_ids_ is sorted and
  // offsets_[i] .. offsets_[i + 1] delimits the targets of group_ids_[i].
  std::vector<Target> targets_;
  bool dense_ = false;
  GroupId dense_base_ = 0;
  std::vector<std::uint32_t> dense_offsets_;
  std::vector<GroupId> group_ids_;
  std::vector<std::uint32_t> offsets_;
};

}  // namespace openlaps::core

#endif  // OPENLAPS_CORE_EFFECTIVE_POLICY_H_
