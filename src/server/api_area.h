// ApiArea: one area of lapsd's API (devices, policies, access, ...), a class
// over the shared ServerContext that registers its own routes. RouteRegistry
// is what an area registers them with: a thin front on LapsServer's router.
//
// Routes are matched in registration order (Router::Find), so LapsServer
// registers the areas in a fixed order.
#ifndef OPENLAPS_SERVER_API_AREA_H_
#define OPENLAPS_SERVER_API_AREA_H_

#include <string>
#include <string_view>

#include "server/call.h"
#include "server/router.h"

namespace openlaps::server {

class RouteRegistry {
 public:
  explicit RouteRegistry(Router<Route>& router) : router_(router) {}

  // A handler that answers without waiting (most of them).
  void Add(std::string method, std::string_view pattern, Auth auth, std::string_view permission,
           SyncHandler handler);
  // A coroutine handler: long-polls, and Argon2id work on the password pool.
  void AddAsync(std::string method, std::string_view pattern, Auth auth,
                std::string_view permission, AsyncHandler handler);

 private:
  Router<Route>& router_;
};

class ApiArea {
 public:
  virtual ~ApiArea() = default;
  // Called once, before the first request; handlers may capture `this`.
  virtual void RegisterRoutes(RouteRegistry& routes) = 0;
};

}  // namespace openlaps::server

#endif  // OPENLAPS_SERVER_API_AREA_H_
