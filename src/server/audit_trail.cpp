#include "server/audit_trail.h"

#include "core/bounded_json.h"
#include "server/log.h"

namespace openlaps::server {
namespace {

nlohmann::json HeadJson(const store::AuditHead& head) {
  return {{"sequence", head.sequence}, {"hash", head.hash}};
}

}  // namespace

AuditTrail::AuditTrail(store::Store& store, const store::AuditKey& key, AuditTrailOptions options)
    : store_(store),
      key_(key),
      options_(std::move(options)),
      coalescer_(options_.coalesce_interval, options_.max_coalesced_keys) {
  auto read = ReadAuditCheckpointFile(key_, options_.checkpoint_file);
  if (read.ok()) {
    checkpoint_ = *read;
  } else {
    checkpoint_problem_ = read.status().message();
    LogError("the audit checkpoint is unusable", {{"error", checkpoint_problem_}});
  }
}

Status AuditTrail::WriteCheckpoint(core::Timestamp now) {
  std::lock_guard lock(mu_);
  if (!checkpoint_problem_.empty()) {
    return DataLossError("not replacing the audit checkpoint: " + checkpoint_problem_);
  }
  OPENLAPS_ASSIGN_OR_RETURN(store::AuditHead head, store_.GetAuditHead());
  if (checkpoint_) {
    if (head == checkpoint_->head) return Status::Ok();
    // The new head must extend the old one: the row at its sequence unchanged.
    store::AuditQuery at;
    at.after_sequence = checkpoint_->head.sequence - 1;
    at.limit = 1;
    OPENLAPS_ASSIGN_OR_RETURN(std::vector<store::AuditEvent> rows, store_.QueryAudit(at));
    if (checkpoint_->head.sequence > 0 &&
        (rows.empty() || rows[0].sequence != checkpoint_->head.sequence ||
         rows[0].hash != checkpoint_->head.hash)) {
      Status refused =
          DataLossError("the audit chain no longer holds the checkpointed head at sequence " +
                        std::to_string(checkpoint_->head.sequence) + ": checkpoint kept");
      LogError("audit checkpoint refused", {{"error", refused.message()}});
      return refused;
    }
  }
  AuditCheckpoint next{head, now};
  OPENLAPS_RETURN_IF_ERROR(WriteAuditCheckpointFile(key_, options_.checkpoint_file, next));
  checkpoint_ = next;
  LogInfo("audit checkpoint", {{"sequence", head.sequence},
                               {"head", head.hash},
                               {"time", now.time_since_epoch().count()},
                               {"mac", AuditCheckpointMac(key_, next)}});
  return Status::Ok();
}

Result<nlohmann::json> AuditTrail::Verify() {
  std::optional<AuditCheckpoint> checkpoint;
  std::string problem;
  {
    std::lock_guard lock(mu_);
    checkpoint = checkpoint_;
    problem = checkpoint_problem_;
  }
  nlohmann::json checkpoint_json = nullptr;
  if (checkpoint) {
    checkpoint_json = HeadJson(checkpoint->head);
    checkpoint_json["time"] = core::FormatUtc(checkpoint->time);
  }
  Result<store::AuditVerification> verified =
      store_.VerifyAudit(checkpoint ? std::optional(checkpoint->head) : std::nullopt);
  if (!verified.ok() && verified.status().code() != StatusCode::kDataLoss) {
    return verified.status();
  }
  nlohmann::json answer = {{"checkpoint", checkpoint_json}};
  if (!verified.ok()) {
    answer["intact"] = false;
    answer["problem"] = verified.status().message();
    return answer;
  }
  answer["count"] = verified->count;
  answer["head"] = HeadJson(verified->head);
  if (!problem.empty()) {
    answer["intact"] = false;
    answer["problem"] = problem;
    return answer;
  }
  answer["intact"] = true;
  return answer;
}

Status AuditTrail::RecordUnauthenticated(const std::string& key, store::AuditEvent event,
                                         core::Timestamp now) {
  if (!coalescer_.Record(key, event, now)) return Status::Ok();
  return Append({std::move(event), 1, now, now});
}

Status AuditTrail::FlushDue(core::Timestamp now) {
  Status first = Status::Ok();
  for (auto& summary : coalescer_.TakeDue(now)) {
    Status s = Append(std::move(summary));
    if (first.ok()) first = s;
  }
  return first;
}

Status AuditTrail::FlushAll() {
  Status first = Status::Ok();
  for (auto& summary : coalescer_.TakeAll()) {
    Status s = Append(std::move(summary));
    if (first.ok()) first = s;
  }
  return first;
}

Status AuditTrail::Append(FailureCoalescer::Summary summary) {
  store::AuditEvent event = std::move(summary.event);
  nlohmann::json detail = core::ParseBoundedJsonOrDiscarded(event.detail_json);
  if (!detail.is_object()) detail = nlohmann::json::object();
  detail["count"] = summary.count;
  if (summary.count > 1 || summary.first != event.time) {
    detail["firstTime"] = core::FormatUtc(summary.first);
    detail["lastTime"] = core::FormatUtc(summary.last);
    event.time = summary.last;
  }
  event.detail_json = detail.dump();
  return store_.AppendAudit(std::move(event)).status();
}

}  // namespace openlaps::server
