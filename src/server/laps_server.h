// LapsServer: lapsd's request handling; the transport (http::HttpServer)
// calls Handle. It only wires: builds the ServerContext (store, keys, audit
// trail, wake hub, password pool, policy cache; server_context.h), lets each
// API area (api_area.h) register its routes, and dispatches a request to its
// route after authenticating it. The areas, one class and file each:
// DeviceAdminApi (devices, credentials, rotation), PolicyApi (policies,
// groups, users), AccessApi (roles, scope tags, tokens, audit, me/logout),
// SignInApi, RevocationApi, ReportApi (reports, CSV) and WebConsole (the
// console at /). The device routes (device_api.cpp, agents) are still
// LapsServer members over the context.
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
#include "server/api_area.h"
#include "server/audit_trail.h"
#include "server/call.h"
#include "server/config.h"
#include "server/rbac.h"
#include "server/router.h"
#include "server/server_context.h"
#include "server/wake_hub.h"
#include "store/store.h"

namespace openlaps::server {

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
  explicit LapsServer(std::unique_ptr<ServerContext> context);

  Status Bootstrap();
  // The device routes (device_api.cpp), until they move to an ApiArea.
  void RegisterDeviceRoutes();
  void AddRoute(std::string method, std::string_view pattern, Auth auth,
                std::string_view permission, SyncHandler handler);
  void AddAsyncRoute(std::string method, std::string_view pattern, Auth auth,
                     std::string_view permission, AsyncHandler handler);

  Status AuthenticateAdmin(Call& call);
  Status AuthenticateDevice(Call& call);

  // The context's helpers under the names the device routes use.
  Status Audit(const Call& call, std::string activity, std::string category, std::string result,
               std::string target_type, std::string target_id, std::string target_name,
               nlohmann::json detail = nlohmann::json::object());
  Status AuditUnauthenticated(const Call& call, std::string activity, std::string category,
                              std::string result, std::string target_type, std::string target_id,
                              std::string target_name, std::string reason,
                              nlohmann::json detail = nlohmann::json::object());
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

  std::unique_ptr<ServerContext> context_;
  // The device routes' and the dispatch's view of context_.
  store::Store* const store_;
  const ServerConfig& config_;
  const core::Clock& clock_;
  const crypto::BoxKeyPair& escrow_keys_;
  const core::SecretString& session_secret_;
  WakeHub& hub_;

  Router<Route> router_;
  // Every other area (api_area.h), registered after the device routes.
  std::vector<std::unique_ptr<ApiArea>> areas_;
};

}  // namespace openlaps::server

#endif  // OPENLAPS_SERVER_LAPS_SERVER_H_
