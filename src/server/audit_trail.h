// AuditTrail: what lapsd does around the store's keyed audit chain.
//  - Checkpoints: WriteCheckpoint records the chain's head in the
//    checkpoint file (audit_checkpoint.h) and the log, refusing to move it
//    backwards or onto another chain (so a cut tail stays detected);
//    Verify checks the table against the newest checkpoint this node has.
//  - Unauthenticated failures: RecordUnauthenticated coalesces them
//    (failure_coalescer.h); FlushDue/FlushAll write the counted rows.
// Thread-safe.
#ifndef OPENLAPS_SERVER_AUDIT_TRAIL_H_
#define OPENLAPS_SERVER_AUDIT_TRAIL_H_

#include <chrono>
#include <filesystem>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "core/clock.h"
#include "core/status.h"
#include "server/audit_checkpoint.h"
#include "server/failure_coalescer.h"
#include "store/store.h"

namespace openlaps::server {

struct AuditTrailOptions {
  std::filesystem::path checkpoint_file;
  std::chrono::seconds coalesce_interval{60};
  std::size_t max_coalesced_keys = 10000;
};

class AuditTrail {
 public:
  // Reads the checkpoint file; a file that does not verify is kept as a
  // problem every Verify reports (and logged), never silently replaced.
  AuditTrail(store::Store& store, const store::AuditKey& key, AuditTrailOptions options);

  // The head now, to the file and the log. Refused (logged, file kept)
  // when the chain no longer holds the last checkpoint.
  Status WriteCheckpoint(core::Timestamp now);

  // The verification answer of POST auditEvents/verify: {"intact", "count",
  // "head": {"sequence", "hash"}, "checkpoint": {...} or null, "problem"}.
  Result<nlohmann::json> Verify();

  // `event` describes an unauthenticated failure; `key` says whose (source,
  // device, reason). Appends it when it is the first of its interval.
  Status RecordUnauthenticated(const std::string& key, store::AuditEvent event,
                               core::Timestamp now);
  Status FlushDue(core::Timestamp now);
  Status FlushAll();

 private:
  Status Append(FailureCoalescer::Summary summary);

  store::Store& store_;
  const store::AuditKey key_;
  const AuditTrailOptions options_;
  FailureCoalescer coalescer_;
  std::mutex mu_;
  std::optional<AuditCheckpoint> checkpoint_;  // GUARDED_BY(mu_), newest known
  std::string checkpoint_problem_;             // GUARDED_BY(mu_), why the file is unusable
};

}  // namespace openlaps::server

#endif  // OPENLAPS_SERVER_AUDIT_TRAIL_H_
