#include "core/effective_policy.h"

#include <algorithm>
#include <bit>
#include <cassert>
#include <cctype>
#include <limits>
#include <tuple>
#include <unordered_map>
#include <utility>

namespace openlaps::core {
namespace {

static_assert(kSettingCount <= 32, "PolicyInfo::configured is a 32-bit mask");

constexpr std::uint32_t SettingBit(std::size_t setting) { return std::uint32_t{1} << setting; }

// A vector that keeps its first N elements inline: a device hits a handful of
// policies, so Resolve normally allocates nothing for its scratch lists.
template <typename T, std::size_t N>
class SmallVector {
 public:
  void push_back(T value) {
    if (size_ < N) {
      inline_[size_++] = value;
      return;
    }
    if (size_ == N) heap_.assign(inline_.begin(), inline_.end());
    heap_.push_back(value);
    ++size_;
  }
  T* begin() { return size_ <= N ? inline_.data() : heap_.data(); }
  T* end() { return begin() + size_; }
  const T* begin() const { return size_ <= N ? inline_.data() : heap_.data(); }
  const T* end() const { return begin() + size_; }
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  T operator[](std::size_t i) const { return begin()[i]; }

 private:
  std::array<T, N> inline_;
  std::vector<T> heap_;
  std::size_t size_ = 0;
};

// Calls f(setting index) for every bit set in mask, in ascending order.
template <typename F>
void ForEachSetting(std::uint32_t mask, F&& f) {
  while (mask != 0) {
    f(static_cast<std::size_t>(std::countr_zero(mask)));
    mask &= mask - 1;
  }
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

constexpr std::string_view kConflictPendingDetail = "not applied: another policy conflicts";

}  // namespace

std::string_view PlatformName(Platform p) {
  switch (p) {
    case Platform::kWindows:
      return "windows";
    case Platform::kLinux:
      return "linux";
    case Platform::kMacOS:
      return "macOS";
  }
  return "unknown";
}

std::optional<Platform> PlatformFromName(std::string_view name) {
  for (Platform p : {Platform::kWindows, Platform::kLinux, Platform::kMacOS}) {
    if (EqualsIgnoreCase(name, PlatformName(p))) return p;
  }
  return std::nullopt;
}

std::string_view PolicyStateName(PolicyStateKind state) {
  switch (state) {
    case PolicyStateKind::kPending:
      return "pending";
    case PolicyStateKind::kSucceeded:
      return "succeeded";
    case PolicyStateKind::kError:
      return "error";
    case PolicyStateKind::kConflict:
      return "conflict";
    case PolicyStateKind::kNotApplicable:
      return "notApplicable";
  }
  return "unknown";
}

PolicyIndex::PolicyIndex(std::vector<Policy> policies) : policies_(std::move(policies)) {
  std::stable_sort(policies_.begin(), policies_.end(),
                   [](const Policy& a, const Policy& b) { return a.id < b.id; });
  assert(std::adjacent_find(policies_.begin(), policies_.end(),
                            [](const Policy& a, const Policy& b) { return a.id == b.id; }) ==
         policies_.end());
  // Target::policy_index is shifted left by one in Resolve.
  assert(policies_.size() < (std::size_t{1} << 31));

  // Intern every configured value per setting.
  std::array<std::unordered_map<SettingValue, std::uint32_t>, kSettingCount> value_ids;
  infos_.resize(policies_.size());
  for (std::size_t i = 0; i < policies_.size(); ++i) {
    PolicyInfo& info = infos_[i];
    info.platforms = policies_[i].platforms;
    for (std::size_t s = 0; s < kSettingCount; ++s) {
      const auto& value = policies_[i].settings.Get(static_cast<SettingId>(s));
      if (!value.has_value()) continue;
      info.configured |= SettingBit(s);
      auto [it, inserted] =
          value_ids[s].try_emplace(*value, static_cast<std::uint32_t>(value_ids[s].size()));
      info.value_ids[s] = it->second;
    }
  }

  // Group the assignments by group id.
  std::vector<std::tuple<GroupId, std::uint32_t, AssignmentKind>> all;
  for (std::size_t i = 0; i < policies_.size(); ++i) {
    for (const Assignment& a : policies_[i].assignments) {
      all.emplace_back(a.group, static_cast<std::uint32_t>(i), a.kind);
    }
  }
  std::sort(all.begin(), all.end());
  targets_.reserve(all.size());
  for (const auto& [group, index, kind] : all) {
    if (group_ids_.empty() || group_ids_.back() != group) {
      group_ids_.push_back(group);
      offsets_.push_back(static_cast<std::uint32_t>(targets_.size()));
    }
    targets_.push_back({index, kind});
  }
  offsets_.push_back(static_cast<std::uint32_t>(targets_.size()));
  if (group_ids_.empty()) return;

  // Direct indexing (4 bytes per id in the range) when the assigned ids cover
  // a range at most kDenseSlotsPerGroup times their count, or small anyway:
  // typical of database sequence ids, where a few thousand assigned groups lie
  // among tens of thousands. A binary search costs a branch miss per step;
  // the table costs two loads.
  constexpr std::uint64_t kMinDenseSpan = std::uint64_t{1} << 16;
  constexpr std::uint64_t kDenseSlotsPerGroup = 64;
  const std::uint64_t span = static_cast<std::uint64_t>(group_ids_.back()) -
                             static_cast<std::uint64_t>(group_ids_.front());
  if (span >= std::max<std::uint64_t>(kMinDenseSpan, kDenseSlotsPerGroup * group_ids_.size())) {
    return;
  }
  dense_ = true;
  dense_base_ = group_ids_.front();
  dense_offsets_.assign(span + 2, 0);
  std::size_t next = 0;  // index into group_ids_
  for (std::uint64_t off = 0; off <= span; ++off) {
    // Groups without targets get an empty range starting where the next begins.
    dense_offsets_[off] = offsets_[next];
    if (static_cast<std::uint64_t>(group_ids_[next]) - static_cast<std::uint64_t>(dense_base_) ==
        off) {
      ++next;
    }
  }
  dense_offsets_[span + 1] = offsets_.back();
  group_ids_ = {};
  offsets_ = {};
}

std::span<const PolicyIndex::Target> PolicyIndex::TargetsOf(GroupId group) const {
  if (dense_) {
    const std::uint64_t off =
        static_cast<std::uint64_t>(group) - static_cast<std::uint64_t>(dense_base_);
    // Ids below the base wrap around to huge offsets (off + 1 could wrap to 0).
    if (off >= dense_offsets_.size() - 1) return {};
    return {targets_.data() + dense_offsets_[off], targets_.data() + dense_offsets_[off + 1]};
  }
  auto it = std::lower_bound(group_ids_.begin(), group_ids_.end(), group);
  if (it == group_ids_.end() || *it != group) return {};
  const auto i = static_cast<std::size_t>(it - group_ids_.begin());
  return {targets_.data() + offsets_[i], targets_.data() + offsets_[i + 1]};
}

const Policy* PolicyIndex::Find(PolicyId id) const {
  auto it = std::lower_bound(policies_.begin(), policies_.end(), id,
                             [](const Policy& p, PolicyId v) { return p.id < v; });
  return it != policies_.end() && it->id == id ? &*it : nullptr;
}

EffectivePolicy PolicyIndex::Resolve(const DeviceContext& device) const {
  EffectivePolicy result;

  // Every (policy, kind) the device's groups are assigned, as
  // policy_index << 1 | excluded, so that sorting groups them by policy.
  SmallVector<std::uint32_t, 64> hits;
  for (auto groups : {device.device_groups, device.user_groups}) {
    for (GroupId group : groups) {
      for (const Target& t : TargetsOf(group)) {
        hits.push_back(t.policy_index << 1 | (t.kind == AssignmentKind::kExclude ? 1u : 0u));
      }
    }
  }
  if (hits.empty()) return result;
  std::sort(hits.begin(), hits.end());

  // Targeted = included and not excluded; ascending index is ascending id.
  SmallVector<std::uint32_t, 32> targeted;
  for (std::size_t i = 0; i < hits.size();) {
    const std::uint32_t index = hits[i] >> 1;
    bool included = false;
    bool excluded = false;
    for (; i < hits.size() && hits[i] >> 1 == index; ++i) {
      ((hits[i] & 1u) != 0 ? excluded : included) = true;
    }
    if (included && !excluded) targeted.push_back(index);
  }
  if (targeted.empty()) return result;

  // Merge the applicable policies' settings, comparing interned value ids.
  const PlatformSet platform_bit = PlatformBit(device.platform);
  std::array<std::uint32_t, kSettingCount> first_value;
  std::array<std::uint32_t, kSettingCount> first_policy;
  std::uint32_t seen = 0;
  std::uint32_t conflicting = 0;
  std::size_t applicable_count = 0;
  for (std::uint32_t index : targeted) {
    const PolicyInfo& info = infos_[index];
    if ((info.platforms & platform_bit) == 0) continue;
    ++applicable_count;
    ForEachSetting(info.configured & seen, [&](std::size_t s) {
      if (info.value_ids[s] != first_value[s]) conflicting |= SettingBit(s);
    });
    ForEachSetting(info.configured & ~seen, [&](std::size_t s) {
      first_value[s] = info.value_ids[s];
      first_policy[s] = index;
    });
    seen |= info.configured;
  }
  const auto applies = [&](std::uint32_t index) {
    return (infos_[index].platforms & platform_bit) != 0;
  };

  result.states.reserve(targeted.size());
  if (conflicting == 0) {
    if (applicable_count > 0) {
      // Start from the first applicable policy and add what the others set
      // beyond it (equal where they overlap, since nothing conflicts).
      const auto first = *std::find_if(targeted.begin(), targeted.end(), applies);
      PolicySettings& merged = result.settings.emplace(policies_[first].settings);
      ForEachSetting(seen & ~infos_[first].configured, [&](std::size_t s) {
        const auto id = static_cast<SettingId>(s);
        merged.Set(id, *policies_[first_policy[s]].settings.Get(id));
      });
    }
    for (std::uint32_t index : targeted) {
      const Policy& policy = policies_[index];
      PolicyState& state = result.states.emplace_back();
      state.policy = policy.id;
      if (!applies(index)) {
        state.state = PolicyStateKind::kNotApplicable;
        state.detail = "not for platform ";
        state.detail += PlatformName(device.platform);
        continue;
      }
      auto report =
          std::find_if(device.reports.begin(), device.reports.end(), [&](const PolicyReport& r) {
            return r.policy == policy.id && r.version == policy.version;
          });
      if (report == device.reports.end()) {
        state.state = PolicyStateKind::kPending;
      } else if (report->error) {
        state.state = PolicyStateKind::kError;
        state.detail = report->error_detail;
      } else {
        state.state = PolicyStateKind::kSucceeded;
      }
    }
    return result;
  }

  // Conflict: the device keeps what it applied, or gets nothing.
  if (device.applied != nullptr) result.settings = *device.applied;
  ForEachSetting(conflicting, [&](std::size_t s) {
    SettingConflict& conflict = result.conflicts.emplace_back();
    conflict.setting = static_cast<SettingId>(s);
    for (std::uint32_t index : targeted) {
      if (applies(index) && (infos_[index].configured & SettingBit(s)) != 0) {
        conflict.policies.push_back(policies_[index].id);
      }
    }
  });
  for (std::uint32_t index : targeted) {
    const PolicyInfo& info = infos_[index];
    PolicyState& state = result.states.emplace_back();
    state.policy = policies_[index].id;
    if (!applies(index)) {
      state.state = PolicyStateKind::kNotApplicable;
      state.detail = "not for platform ";
      state.detail += PlatformName(device.platform);
      continue;
    }
    const std::uint32_t own_conflicts = info.configured & conflicting;
    if (own_conflicts == 0) {
      state.state = PolicyStateKind::kPending;
      state.detail = kConflictPendingDetail;
      continue;
    }
    state.state = PolicyStateKind::kConflict;
    ForEachSetting(own_conflicts, [&](std::size_t s) {
      SmallVector<PolicyId, 8> others;
      for (std::uint32_t other : targeted) {
        const PolicyInfo& o = infos_[other];
        if (applies(other) && (o.configured & SettingBit(s)) != 0 &&
            o.value_ids[s] != info.value_ids[s]) {
          others.push_back(policies_[other].id);
        }
      }
      if (!state.detail.empty()) state.detail += "; ";
      state.detail += SpecOf(static_cast<SettingId>(s)).csp_name;
      state.detail += others.size() == 1 ? " conflicts with policy " : " conflicts with policies ";
      for (std::size_t i = 0; i < others.size(); ++i) {
        if (i > 0) state.detail += ", ";
        state.detail += std::to_string(others[i]);
      }
    });
  }
  return result;
}

}  // namespace openlaps::core
