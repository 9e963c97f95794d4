// Call and Route: what a handler sees of one request, and how a route is
// kept in the router (its authentication, its permission, its handler).
// Shared by LapsServer's dispatch and every API area (api_area.h).
#ifndef OPENLAPS_SERVER_CALL_H_
#define OPENLAPS_SERVER_CALL_H_

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/status.h"
#include "http/detail/awaitable.h"
#include "http/message.h"
#include "server/rbac.h"
#include "server/router.h"
#include "store/store.h"

namespace openlaps::server {

// One request on its way through dispatch: filled by LapsServer::Handle
// (params, id, time, the authenticated admin or device), then handed to the
// route's handler. Lives for the request only.
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

// Who may call a route: anyone, a signed-in admin (bearer token), or an
// enrolled device (signed or session-MAC'd request).
enum class Auth { kNone, kAdmin, kDevice };

struct Route {
  Auth auth = Auth::kNone;
  std::string permission;  // admin routes: required permission ("" = any admin)
  AsyncHandler handler;
};

}  // namespace openlaps::server

#endif  // OPENLAPS_SERVER_CALL_H_
