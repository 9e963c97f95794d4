// FailureCoalescer: turns a flood of unauthenticated failures (bad device
// signatures, bogus enrollments, failed sign-ins) into a bounded number of
// audit rows. Per key (source, device, activity, reason) and interval: the
// first failure is written at once, the rest are counted and handed back
// once when the interval ends, as one row with the count.
//
// In memory, per lapsd node; at most `max_keys` keys are tracked: beyond
// that, failures are counted under one overflow key per activity, so memory
// stays bounded whatever the attacker varies. Time comes in as arguments.
// Thread-safe.
#ifndef OPENLAPS_SERVER_FAILURE_COALESCER_H_
#define OPENLAPS_SERVER_FAILURE_COALESCER_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "core/clock.h"
#include "store/model.h"

namespace openlaps::server {

class FailureCoalescer {
 public:
  // The overflow key's actor_name, where the source is no longer told apart.
  static constexpr std::string_view kOverflowSource = "(too many sources)";

  FailureCoalescer(std::chrono::seconds interval, std::size_t max_keys);

  // A failure described by `event` (its actor and target already filled).
  // True: the first of its interval, to be written now with count 1.
  // False: counted, handed back by TakeDue/TakeAll.
  bool Record(const std::string& key, const store::AuditEvent& event, core::Timestamp now);

  struct Summary {
    store::AuditEvent event;  // as recorded first (overflow: source replaced)
    std::int64_t count = 0;   // failures after the one written at once
    core::Timestamp first{};  // of those counted
    core::Timestamp last{};
  };
  // The counts of the intervals that ended by `now` (only those with a
  // count); forgets their keys.
  std::vector<Summary> TakeDue(core::Timestamp now);
  // Everything still counted, at shutdown.
  std::vector<Summary> TakeAll();

  std::size_t tracked() const;

 private:
  struct Entry {
    store::AuditEvent event;
    core::Timestamp window_end{};
    std::int64_t count = 0;
    core::Timestamp first{};
    core::Timestamp last{};
  };

  const std::chrono::seconds interval_;
  const std::size_t max_keys_;
  mutable std::mutex mu_;
  std::map<std::string, Entry, std::less<>> entries_;  // GUARDED_BY(mu_)
};

}  // namespace openlaps::server

#endif  // OPENLAPS_SERVER_FAILURE_COALESCER_H_
