#include "server/failure_coalescer.h"

namespace openlaps::server {

FailureCoalescer::FailureCoalescer(std::chrono::seconds interval, std::size_t max_keys)
    : interval_(interval), max_keys_(max_keys) {}

bool FailureCoalescer::Record(const std::string& key, const store::AuditEvent& event,
                              core::Timestamp now) {
  std::lock_guard lock(mu_);
  auto it = entries_.find(key);
  if (it != entries_.end() && now >= it->second.window_end && it->second.count == 0) {
    entries_.erase(it);  // an ended, quiet interval: this failure opens a new one
    it = entries_.end();
  }
  if (it == entries_.end()) {
    if (entries_.size() < max_keys_) {
      entries_.emplace(key, Entry{event, now + interval_, 0, {}, {}});
      return true;
    }
    // Full: count it under its activity's overflow key, which the cap
    // leaves room for (a few activities, not attacker-chosen).
    const std::string overflow = "\x01overflow\n" + event.activity;
    it = entries_.find(overflow);
    if (it == entries_.end()) {
      store::AuditEvent merged = event;
      merged.actor_id.clear();
      merged.actor_name = std::string(kOverflowSource);
      merged.target_id.clear();
      merged.target_name.clear();
      entries_.emplace(overflow, Entry{std::move(merged), now + interval_, 0, {}, {}});
      return true;
    }
  }
  Entry& entry = it->second;
  if (entry.count == 0) entry.first = now;
  entry.last = now;
  ++entry.count;
  return false;
}

std::vector<FailureCoalescer::Summary> FailureCoalescer::TakeDue(core::Timestamp now) {
  std::vector<Summary> due;
  std::lock_guard lock(mu_);
  for (auto it = entries_.begin(); it != entries_.end();) {
    if (now < it->second.window_end) {
      ++it;
      continue;
    }
    if (it->second.count > 0) {
      due.push_back(
          {std::move(it->second.event), it->second.count, it->second.first, it->second.last});
    }
    it = entries_.erase(it);
  }
  return due;
}

std::vector<FailureCoalescer::Summary> FailureCoalescer::TakeAll() {
  std::vector<Summary> all;
  std::lock_guard lock(mu_);
  for (auto& [key, entry] : entries_) {
    if (entry.count > 0)
      all.push_back({std::move(entry.event), entry.count, entry.first, entry.last});
  }
  entries_.clear();
  return all;
}

std::size_t FailureCoalescer::tracked() const {
  std::lock_guard lock(mu_);
  return entries_.size();
}

}  // namespace openlaps::server
