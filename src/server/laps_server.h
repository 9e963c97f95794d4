// LapsServer: lapsd's request handling; the transport (http::HttpServer)
// calls Handle. It only wires: builds the ServerContext (store, keys, audit
// trail, wake hub, password pool, policy cache; server_context.h), lets each
// API area (api_area.h) register its routes, and dispatches a request to its
// route after authenticating it. The areas, one class and file each:
// DeviceApi (the agents' protocol), DeviceAdminApi (devices, credentials,
// rotation), PolicyApi (policies, groups, users), AccessApi (roles, scope
// tags, tokens, audit, me/logout), SignInApi, RevocationApi, ReportApi
// (reports, CSV) and WebConsole (the console at /).
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

  store::Store& store() { return context_->store(); }
  WakeHub& hub() { return context_->hub(); }
  const crypto::BoxPublicKey& escrow_public_key() const {
    return context_->escrow_keys().public_key;
  }

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
  Status AuthenticateAdmin(Call& call);
  Status AuthenticateDevice(Call& call);

  std::unique_ptr<ServerContext> context_;
  Router<Route> router_;
  std::vector<std::unique_ptr<ApiArea>> areas_;  // api_area.h
};

}  // namespace openlaps::server

#endif  // OPENLAPS_SERVER_LAPS_SERVER_H_
