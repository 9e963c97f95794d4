// LapsServer: lapsd's request handling. Owns the store, the escrow key, the
// wake hub and the routes; the transport (http::HttpServer) calls Handle.
// Routes live in one file per area: device_api.cpp (agents),
// device_admin_api.cpp (devices, credentials, rotation), policy_api.cpp
// (policies, groups, users), access_api.cpp (login, roles, tokens, audit),
// report_api.cpp (reports, CSV), web_console.cpp (the console at /).
//
// Thread-safe: Handle runs concurrently on the I/O threads.
#ifndef OPENLAPS_SERVER_LAPS_SERVER_H_
#define OPENLAPS_SERVER_LAPS_SERVER_H_

#include <boost/asio/io_context.hpp>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/effective_policy.h"
#include "core/status.h"
#include "crypto/escrow_box.h"
#include "http/detail/awaitable.h"
#include "http/message.h"
#include "protocol/device_messages.h"
#include "server/audit_trail.h"
#include "server/config.h"
#include "server/rbac.h"
#include "server/router.h"
#include "server/wake_hub.h"
#include "store/store.h"

namespace openlaps::server {

class PasswordPool;

class LapsServer {
 public:
  // Opens the escrow key (creating it on first start), seeds built-in roles
  // and, on first start, the first administrator (credentials written to
  // config.initial_admin_file, mode 0600; never logged).
  static Result<std::unique_ptr<LapsServer>> Create(const ServerConfig& config,
                                                    std::unique_ptr<store::Store> store,
                                                    const core::Clock& clock);
  LapsServer(const LapsServer&) = delete;
  LapsServer& operator=(const LapsServer&) = delete;
  ~LapsServer();

  boost::asio::awaitable<http::Response> Handle(http::Request& request);

  // Fails every device action whose deadline passed (one atomic store
  // operation, so with several nodes each is failed once) and audits each;
  // returns how many. Called periodically by ActionSweeper.
  int SweepOverdueActions();

  store::Store& store() { return *store_; }
  WakeHub& hub() { return hub_; }
  const crypto::BoxPublicKey& escrow_public_key() const { return escrow_keys_.public_key; }

  // Every registered route, for the route x role x scope matrix test
  // (tests/integration/lapsd_access_test.cpp): a route without its rows
  // there fails that test.
  struct RouteInfo {
    std::string method;
    std::string pattern;     // "/v1.0/groups/{id}"
    std::string auth;        // "none", "admin" or "device"
    std::string permission;  // admin routes: the permission needed ("" = any admin)
  };
  std::vector<RouteInfo> RouteTable() const;

  // The audit chain's upkeep on `io`: checkpoints every
  // audit_checkpoint_interval, coalesced failures flushed as their
  // intervals end. FinishAuditWork, after `io` stopped: flushes every count
  // and writes a last checkpoint.
  void StartAuditWork(boost::asio::io_context& io);
  void FinishAuditWork();

 private:
  struct Call {
    http::Request& request;
    PathParams params;
    std::string request_id;
    core::Timestamp now;
    // Heap-held, so a parked long-poll can drop them and keep its frame small.
    std::unique_ptr<AdminPrincipal> admin;
    std::unique_ptr<store::Device> device;
    bool device_session = false;   // authenticated by a session MAC, not a signature
    store::Id admin_token_id = 0;  // the bearer token this admin call came with
    store::TokenKind admin_token_kind = store::TokenKind::kSession;
    std::string base_url;  // scheme://host for @odata.nextLink

    const std::string& Param(std::string_view name) const { return params.find(name)->second; }
  };
  using AsyncHandler = std::function<boost::asio::awaitable<Result<http::Response>>(Call&)>;
  using SyncHandler = std::function<Result<http::Response>(Call&)>;
  enum class Auth { kNone, kAdmin, kDevice };
  struct Route {
    Auth auth = Auth::kNone;
    std::string permission;  // admin routes: required permission ("" = any admin)
    AsyncHandler handler;
  };

  LapsServer(const ServerConfig& config, std::unique_ptr<store::Store> store,
             const core::Clock& clock, crypto::BoxKeyPair escrow_keys);

  Status Bootstrap();
  void AddRoute(std::string method, std::string_view pattern, Auth auth,
                std::string_view permission, SyncHandler handler);
  void AddAsyncRoute(std::string method, std::string_view pattern, Auth auth,
                     std::string_view permission, AsyncHandler handler);
  void RegisterDeviceRoutes();
  void RegisterDeviceAdminRoutes();
  void RegisterPolicyRoutes();
  void RegisterAccessRoutes();
  void RegisterReportRoutes();      // report_api.cpp
  void RegisterWebRoutes();         // web_console.cpp
  void RegisterSignInRoutes();      // sign_in_api.cpp
  void RegisterRevocationRoutes();  // revocation_api.cpp

  Status AuthenticateAdmin(Call& call);
  Status AuthenticateDevice(Call& call);

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

  // The policies as the resolver needs them, rebuilt after any change to
  // policies or assignments, on this node or another (Store::PolicyEpoch).
  struct PolicySnapshot {
    core::PolicyIndex index;
    std::map<store::Id, std::string> guids;
    std::int64_t epoch = 0;  // the store's policy epoch it was built at
  };
  Result<std::shared_ptr<const PolicySnapshot>> PolicySnapshotNow();
  void InvalidatePolicies();
  Result<core::EffectivePolicy> ResolveFor(const store::Device& device);
  bool IsOnline(const store::Device& device, core::Timestamp now);

  // Device routes.
  Result<http::Response> Enroll(Call& call);
  Result<http::Response> OpenDeviceSession(Call& call);
  Result<http::Response> Checkin(Call& call);
  Result<http::Response> PostCredential(Call& call);
  boost::asio::awaitable<Result<http::Response>> WaitForActions(Call& call);
  Result<http::Response> ReportAction(Call& call);
  Result<http::Response> Goodbye(Call& call);
  // Steps of the routes above.
  Result<protocol::CheckinAnswer> CheckinAnswerFor(const store::Device& device);
  Result<http::Response> EscrowPending(Call& call, const protocol::CredentialRequest& request);
  Result<http::Response> CommitCredential(Call& call, const std::string& rotation_id);
  Result<std::vector<protocol::ActionSummary>> PendingActions(store::Id device_id);

  // Admin routes: devices, credentials, rotation.
  Result<http::Response> ListManagedDevices(Call& call);
  Result<http::Response> GetManagedDevice(Call& call);
  Result<http::Response> RotateLocalAdminPassword(Call& call);
  Result<http::Response> ListDeviceActions(Call& call);
  Result<http::Response> CancelDeviceAction(Call& call);
  Result<http::Response> ListDeviceLocalCredentials(Call& call);
  Result<http::Response> GetDeviceLocalCredential(Call& call);
  Result<store::Device> VisibleDevice(const Call& call, std::string_view permission,
                                      std::string_view guid);

  // Admin routes: policies, groups, users.
  Result<http::Response> ListPolicies(Call& call);
  Result<http::Response> GetPolicy(Call& call);
  Result<http::Response> CreatePolicy(Call& call);
  Result<http::Response> UpdatePolicy(Call& call);
  Result<http::Response> DeletePolicy(Call& call);
  Result<http::Response> AssignPolicy(Call& call);
  Result<http::Response> ListPolicyAssignments(Call& call);
  Result<http::Response> PolicyDeviceStatuses(Call& call);
  Result<store::PolicyRecord> VisiblePolicy(const Call& call, std::string_view permission,
                                            std::string_view guid);
  Result<store::Group> VisibleGroup(const Call& call, std::string_view permission,
                                    std::string_view guid);
  Result<http::Response> ListGroups(Call& call);
  Result<http::Response> GetGroup(Call& call);
  Result<http::Response> CreateGroup(Call& call);
  Result<http::Response> DeleteGroup(Call& call);
  Result<http::Response> ListGroupMembers(Call& call);
  Result<http::Response> AddGroupMember(Call& call);
  Result<http::Response> RemoveGroupMember(Call& call);
  Result<http::Response> ListUsers(Call& call);
  Result<http::Response> CreateUser(Call& call);
  void WakeGroupMembers(const std::vector<store::Id>& group_ids);
  struct GroupMember {
    store::Id id = 0;
    std::string name;
  };
  Result<GroupMember> ResolveGroupMember(const Call& call, const store::Group& group,
                                         const std::string& guid);
  void AfterMembershipChange(const store::Group& group, store::Id member_id);

  // Sign-in (sign_in_api.cpp): throttled per account and per source in the
  // store, Argon2id on password_pool_, reveals limited per admin.
  boost::asio::awaitable<Result<http::Response>> Login(Call& call);
  Result<http::Response> ListSignInLockouts(Call& call);
  Result<http::Response> ClearSignInLockout(Call& call);
  // A 429 answer when the admin is over the reveal limit (audited); nullopt
  // when the reveal may go ahead (and is then counted).
  Result<std::optional<http::Response>> ThrottleReveal(const Call& call,
                                                       const store::Device& device);

  // Revocation (revocation_api.cpp): tokens, sessions, administrators, role
  // assignments. Every change takes effect on the next request on any node:
  // AuthenticateAdmin reads tokens, accounts and assignments from the store.
  Result<http::Response> ListAdmins(Call& call);
  Result<http::Response> UpdateAdmin(Call& call);
  Result<http::Response> DeleteAdmin(Call& call);
  Result<http::Response> ListAdminTokens(Call& call);
  Result<http::Response> RevokeAdminToken(Call& call);
  Result<http::Response> RevokeSignInSessions(Call& call);
  Result<http::Response> DeleteRoleAssignment(Call& call);
  // The admin `{id}` names ("me" is the caller), when the caller may act on
  // it: itself always, another only when the caller CanManage it (could
  // have granted everything it holds); refusals are audited.
  Result<store::AdminAccount> ActionableAdmin(const Call& call, std::string_view id);
  // Sign-in lockouts (per account name and per source address) are not
  // scoped, so clearing one needs role management without scope limits.
  Status RequireUnscopedRoleManagement(const Call& call);
  // FailedPrecondition when the change would leave no enabled admin with
  // unscoped role management (nobody could repair access any more).
  Status KeepsAnUnscopedAdministrator(std::optional<store::Id> without_admin,
                                      std::optional<store::Id> without_assignment);

  // Admin routes: sign-in, roles, scope tags, tokens, audit.
  Result<http::Response> Me(Call& call);
  Result<http::Response> Logout(Call& call);
  Result<http::Response> CreateEnrollmentToken(Call& call);
  Result<http::Response> ListEnrollmentTokens(Call& call);
  Result<http::Response> CreateApiToken(Call& call);
  boost::asio::awaitable<Result<http::Response>> CreateAdmin(Call& call);
  Result<http::Response> ListRoleDefinitions(Call& call);
  Result<http::Response> CreateRoleDefinition(Call& call);
  Result<http::Response> ListRoleAssignments(Call& call);
  Result<http::Response> CreateRoleAssignment(Call& call);
  Result<http::Response> ListScopeTags(Call& call);
  Result<http::Response> CreateScopeTag(Call& call);
  Result<http::Response> ListAuditEvents(Call& call);
  Result<http::Response> VerifyAuditChain(Call& call);

  ServerConfig config_;
  std::unique_ptr<store::Store> store_;
  const core::Clock& clock_;
  crypto::BoxKeyPair escrow_keys_;
  // Derives device session keys (crypto::SessionKey); from the escrow key,
  // so every node that can open escrow can verify sessions.
  core::SecretString session_secret_;
  // Keyed audit chain and its outside checkpoints; the key is derived from
  // the escrow key like session_secret_, so every node has it.
  std::unique_ptr<AuditTrail> audit_trail_;
  WakeHub hub_;
  std::unique_ptr<PasswordPool> password_pool_;  // made in Bootstrap
  Router<Route> router_;

  std::mutex policy_mu_;
  std::shared_ptr<const PolicySnapshot> policies_;  // GUARDED_BY(policy_mu_)
};

}  // namespace openlaps::server

#endif  // OPENLAPS_SERVER_LAPS_SERVER_H_
