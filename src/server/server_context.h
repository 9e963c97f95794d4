// ServerContext: what every API area shares (api_area.h): the store, the
// clock, the configuration, the escrow keys and the secrets derived from
// them, the audit trail, the wake hub, the password pool and the policy
// snapshot cache, with the helpers several areas need (auditing, policy
// resolution, the reveal limit). Owned by LapsServer; areas hold a
// reference and never outlive it.
//
// Thread-safe: used concurrently by every I/O thread. The policy cache is
// guarded by its own mutex; everything else is immutable after Create or
// thread-safe itself (Store, AuditTrail, WakeHub, PasswordPool).
#ifndef OPENLAPS_SERVER_SERVER_CONTEXT_H_
#define OPENLAPS_SERVER_SERVER_CONTEXT_H_

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "core/clock.h"
#include "core/effective_policy.h"
#include "core/secret.h"
#include "core/status.h"
#include "crypto/escrow_box.h"
#include "http/message.h"
#include "server/audit_trail.h"
#include "server/call.h"
#include "server/config.h"
#include "server/wake_hub.h"
#include "store/store.h"

namespace openlaps::server {

class PasswordPool;

// The policies as the resolver needs them, rebuilt after any change to
// policies or assignments, on this node or another (Store::PolicyEpoch).
struct PolicySnapshot {
  core::PolicyIndex index;
  std::map<store::Id, std::string> guids;
  std::int64_t epoch = 0;  // the store's policy epoch it was built at
};

class ServerContext {
 public:
  // Derives the session secret and the audit chain key from the escrow key
  // (so every node that can open escrow has them) and starts the password
  // pool.
  static Result<std::unique_ptr<ServerContext>> Create(const ServerConfig& config,
                                                       std::unique_ptr<store::Store> store,
                                                       const core::Clock& clock,
                                                       crypto::BoxKeyPair escrow_keys);
  ServerContext(const ServerContext&) = delete;
  ServerContext& operator=(const ServerContext&) = delete;
  ~ServerContext();

  const ServerConfig& config() const { return config_; }
  store::Store& store() { return *store_; }
  const core::Clock& clock() const { return clock_; }
  const crypto::BoxKeyPair& escrow_keys() const { return escrow_keys_; }
  // Derives device session keys (crypto::SessionKey).
  const core::SecretString& session_secret() const { return session_secret_; }
  AuditTrail& audit_trail() { return *audit_trail_; }
  WakeHub& hub() { return hub_; }
  PasswordPool& password_pool() { return *password_pool_; }

  // Audit: writes and commits the event; a failure to audit fails the call.
  Status Audit(const Call& call, std::string activity, std::string category, std::string result,
               std::string target_type, std::string target_id, std::string target_name,
               nlohmann::json detail = nlohmann::json::object());
  // For failures of requests nobody authenticated (bad device signatures,
  // bogus enrollments, failed sign-ins): one row per source (remote
  // address, and the device or account named), activity and reason per
  // interval, with a `count` in its detail (AuditTrail). Never fails the call
  // because a row was coalesced.
  Status AuditUnauthenticated(const Call& call, std::string activity, std::string category,
                              std::string result, std::string target_type, std::string target_id,
                              std::string target_name, std::string reason,
                              nlohmann::json detail = nlohmann::json::object());

  Result<std::shared_ptr<const PolicySnapshot>> PolicySnapshotNow();
  void InvalidatePolicies();
  // Against the current snapshot; or against `snapshot`, when the caller
  // resolves many devices or maps the result's policy ids with the same one
  // (one epoch read, and ids that match).
  Result<core::EffectivePolicy> ResolveFor(const store::Device& device);
  Result<core::EffectivePolicy> ResolveFor(const PolicySnapshot& snapshot,
                                           const store::Device& device);
  bool IsOnline(const store::Device& device, core::Timestamp now);

  // A 429 answer when the caller is over the reveal limit (audited);
  // nullopt when the reveal may go ahead (and is then counted). Counted per
  // admin in the store, so every node sees the same counts.
  Result<std::optional<http::Response>> ThrottleReveal(const Call& call,
                                                       const store::Device& device);

 private:
  ServerContext(const ServerConfig& config, std::unique_ptr<store::Store> store,
                const core::Clock& clock, crypto::BoxKeyPair escrow_keys);

  ServerConfig config_;
  std::unique_ptr<store::Store> store_;
  const core::Clock& clock_;
  crypto::BoxKeyPair escrow_keys_;
  core::SecretString session_secret_;
  // Keyed audit chain and its outside checkpoints; the key is derived from
  // the escrow key like session_secret_, so every node has it.
  std::unique_ptr<AuditTrail> audit_trail_;
  WakeHub hub_;
  std::unique_ptr<PasswordPool> password_pool_;  // made in Create

  std::mutex policy_mu_;
  std::shared_ptr<const PolicySnapshot> policies_;  // GUARDED_BY(policy_mu_)
};

// `response` with a Retry-After of `after` (at least a second).
http::Response WithRetryAfter(http::Response response, std::chrono::seconds after);

// Sign-in lockouts (per account name and per source address) are not
// scoped, so listing or clearing them needs role management without scope
// limits; so does anything else that reaches every account.
Status RequireUnscopedRoleManagement(const Call& call);

}  // namespace openlaps::server

#endif  // OPENLAPS_SERVER_SERVER_CONTEXT_H_
