#include "server/server_context.h"

#include <algorithm>

#include "crypto/hashing.h"
#include "server/graph_response.h"
#include "server/password_pool.h"
#include "server/permissions.h"

namespace openlaps::server {

namespace {

std::string RevealSubject(const store::AdminAccount& admin) { return "reveal:" + admin.guid; }

// An event of the call's time about a target; the actor is the remote
// address until Audit names the admin or device that acted.
store::AuditEvent CallEvent(const Call& call, std::string activity, std::string category,
                            std::string result, std::string target_type, std::string target_id,
                            std::string target_name) {
  store::AuditEvent event;
  event.time = call.now;
  event.actor_type = "anonymous";
  event.actor_name = call.request.remote_address;
  event.activity = std::move(activity);
  event.category = std::move(category);
  event.result = std::move(result);
  event.target_type = std::move(target_type);
  event.target_id = std::move(target_id);
  event.target_name = std::move(target_name);
  return event;
}

}  // namespace

Result<std::unique_ptr<ServerContext>> ServerContext::Create(const ServerConfig& config,
                                                             std::unique_ptr<store::Store> store,
                                                             const core::Clock& clock,
                                                             crypto::BoxKeyPair escrow_keys) {
  std::unique_ptr<ServerContext> context(
      new ServerContext(config, std::move(store), clock, std::move(escrow_keys)));
  auto pool = PasswordPool::Create(config.password_hash_threads, config.password_hash_queue);
  if (!pool.ok()) return pool.status();
  context->password_pool_ = std::move(pool).value();
  return context;
}

ServerContext::ServerContext(const ServerConfig& config, std::unique_ptr<store::Store> store,
                             const core::Clock& clock, crypto::BoxKeyPair escrow_keys)
    : config_(config),
      store_(std::move(store)),
      clock_(clock),
      escrow_keys_(std::move(escrow_keys)) {
  crypto::Digest secret = crypto::Blake2bMac(crypto::AsBytes(escrow_keys_.secret_key.Reveal()),
                                             crypto::AsBytes("OPENLAPS-SESSION-SECRET-V1"));
  session_secret_ = core::SecretString(
      std::string_view(reinterpret_cast<const char*>(secret.data()), secret.size()));
  core::SecureZero(secret.data(), secret.size());
  store::AuditKey audit_key = crypto::Blake2bMac(crypto::AsBytes(escrow_keys_.secret_key.Reveal()),
                                                 crypto::AsBytes("OPENLAPS-AUDIT-CHAIN-KEY-V1"));
  store_->SetAuditKey(audit_key);
  audit_trail_ = std::make_unique<AuditTrail>(
      *store_, audit_key,
      AuditTrailOptions{.checkpoint_file = config_.audit_checkpoint_file,
                        .coalesce_interval = config_.unauthenticated_audit_interval});
  core::SecureZero(audit_key.data(), audit_key.size());
}

ServerContext::~ServerContext() = default;

Status ServerContext::Audit(const Call& call, std::string activity, std::string category,
                            std::string result, std::string target_type, std::string target_id,
                            std::string target_name, nlohmann::json detail) {
  store::AuditEvent event =
      CallEvent(call, std::move(activity), std::move(category), std::move(result),
                std::move(target_type), std::move(target_id), std::move(target_name));
  if (call.admin) {
    event.actor_type = "admin";
    event.actor_id = call.admin->admin().guid;
    event.actor_name = call.admin->admin().name;
  } else if (call.device) {
    event.actor_type = "device";
    event.actor_id = call.device->guid;
    event.actor_name = call.device->name;
  }
  detail["requestId"] = call.request_id;
  event.detail_json = detail.dump();
  return store_->AppendAudit(std::move(event)).status();
}

Status ServerContext::AuditUnauthenticated(const Call& call, std::string activity,
                                           std::string category, std::string result,
                                           std::string target_type, std::string target_id,
                                           std::string target_name, std::string reason,
                                           nlohmann::json detail) {
  store::AuditEvent event =
      CallEvent(call, std::move(activity), std::move(category), std::move(result),
                std::move(target_type), std::move(target_id), std::move(target_name));
  detail["reason"] = reason;
  // The first request's id; the count says how many followed.
  detail["requestId"] = call.request_id;
  event.detail_json = detail.dump();
  // Not the name: an attacker chooses it freely (an enrollment's device
  // name, a sign-in's user name); ids name only records that exist.
  std::string key =
      call.request.remote_address + '\n' + event.activity + '\n' + event.target_id + '\n' + reason;
  return audit_trail_->RecordUnauthenticated(key, std::move(event), call.now);
}

Result<std::shared_ptr<const PolicySnapshot>> ServerContext::PolicySnapshotNow() {
  // Another node may have changed the policies: the store's epoch says
  // whether the cached snapshot is still current. Read before listing, so a
  // change racing the rebuild leaves an older epoch and a rebuild next time.
  auto epoch = store_->PolicyEpoch();
  if (!epoch.ok()) return epoch.status();
  {
    std::lock_guard<std::mutex> lock(policy_mu_);
    if (policies_ && policies_->epoch == *epoch) return policies_;
  }
  auto policies = store_->ListPolicies();
  if (!policies.ok()) return policies.status();
  std::vector<core::Policy> domain;
  domain.reserve(policies->size());
  std::map<store::Id, std::string> guids;
  for (const store::PolicyRecord& p : *policies) {
    domain.push_back({p.id, p.version, p.platforms, p.settings, p.assignments});
    guids[p.id] = p.guid;
  }
  auto snapshot = std::make_shared<const PolicySnapshot>(
      PolicySnapshot{core::PolicyIndex(std::move(domain)), std::move(guids), *epoch});
  std::lock_guard<std::mutex> lock(policy_mu_);
  policies_ = snapshot;
  return snapshot;
}

void ServerContext::InvalidatePolicies() {
  std::lock_guard<std::mutex> lock(policy_mu_);
  policies_.reset();
}

Result<core::EffectivePolicy> ServerContext::ResolveFor(const store::Device& device) {
  OPENLAPS_ASSIGN_OR_RETURN(auto snapshot, PolicySnapshotNow());
  return ResolveFor(*snapshot, device);
}

Result<core::EffectivePolicy> ServerContext::ResolveFor(const PolicySnapshot& snapshot,
                                                        const store::Device& device) {
  auto device_groups = store_->ListGroupsOf(store::GroupKind::kDevice, device.id);
  if (!device_groups.ok()) return device_groups.status();
  std::vector<store::Id> user_groups;
  if (device.signed_in_user_id) {
    auto groups = store_->ListGroupsOf(store::GroupKind::kUser, *device.signed_in_user_id);
    if (!groups.ok()) return groups.status();
    user_groups = std::move(groups).value();
  }
  auto stored_reports = store_->ListPolicyReports(device.id);
  if (!stored_reports.ok()) return stored_reports.status();
  std::vector<core::PolicyReport> reports;
  for (const store::PolicyReportRecord& r : *stored_reports) {
    if (r.state == core::PolicyStateKind::kSucceeded || r.state == core::PolicyStateKind::kError) {
      reports.push_back(
          {r.policy_id, r.version, r.state == core::PolicyStateKind::kError, r.detail});
    }
  }
  core::DeviceContext context;
  context.platform = device.platform;
  context.device_groups = *device_groups;
  context.user_groups = user_groups;
  context.applied = device.applied_settings ? &*device.applied_settings : nullptr;
  context.reports = reports;
  return snapshot.index.Resolve(context);
}

bool ServerContext::IsOnline(const store::Device& device, core::Timestamp now) {
  // Parked here, or on any node (another node's poll is only in the store).
  if (hub_.IsParked(device.id)) return true;
  if (device.parked_until && *device.parked_until > now) return true;
  // Otherwise only for a short grace after the last proof of life (the gap
  // between one long-poll and the next), and not after a goodbye.
  std::optional<core::Timestamp> seen = device.last_seen ? device.last_seen : device.last_checkin;
  if (!seen) return false;
  if (device.goodbye_at) return false;  // said goodbye or hung up since
  return *seen + config_.online_grace >= now;
}

Result<std::optional<http::Response>> ServerContext::ThrottleReveal(const Call& call,
                                                                    const store::Device& device) {
  const std::string subject = RevealSubject(call.admin->admin());
  auto throttle = store_->GetThrottle(subject);
  if (!throttle.ok() && !throttle.status().IsNotFound()) return throttle.status();
  if (throttle.ok() && throttle->blocked_until && *throttle->blocked_until > call.now) {
    OPENLAPS_RETURN_IF_ERROR(Audit(call, "Recover device local administrator password", "Device",
                                   "denied", "device", device.guid, device.name,
                                   {{"reason", "reveal rate limit"},
                                    {"limit", config_.reveal_limit},
                                    {"windowSeconds", config_.reveal_window.count()}}));
    return std::optional<http::Response>(WithRetryAfter(
        ErrorResponse(
            Status(StatusCode::kResourceExhausted,
                   "more than " + std::to_string(config_.reveal_limit) + " password reveals in " +
                       std::to_string(config_.reveal_window.count()) + " seconds"),
            call.request_id, call.now),
        *throttle->blocked_until - call.now));
  }
  // Counted before the reveal: the limit's last reveal blocks the next one.
  OPENLAPS_RETURN_IF_ERROR(store_
                               ->CountThrottleEvent(subject, call.now, config_.reveal_window,
                                                    config_.reveal_limit, config_.reveal_window)
                               .status());
  return std::optional<http::Response>();
}

http::Response WithRetryAfter(http::Response response, std::chrono::seconds after) {
  response.headers["Retry-After"] = std::to_string(std::max<std::int64_t>(1, after.count()));
  return response;
}

Status RequireUnscopedRoleManagement(const Call& call) {
  if (call.admin->Has(permission::kManageRoles) && call.admin->Unscoped(permission::kManageRoles)) {
    return Status::Ok();
  }
  return PermissionDeniedError("this needs the permission " +
                               std::string(permission::kManageRoles) + " without scope tags");
}

}  // namespace openlaps::server
