#include "server/api_area.h"

#include <utility>

namespace openlaps::server {

void RouteRegistry::Add(std::string method, std::string_view pattern, Auth auth,
                        std::string_view permission, SyncHandler handler) {
  AddAsync(
      std::move(method), pattern, auth, permission,
      [handler = std::move(handler)](Call& call) -> boost::asio::awaitable<Result<http::Response>> {
        co_return handler(call);
      });
}

void RouteRegistry::AddAsync(std::string method, std::string_view pattern, Auth auth,
                             std::string_view permission, AsyncHandler handler) {
  router_.Add(std::move(method), pattern, Route{auth, std::string(permission), std::move(handler)});
}

}  // namespace openlaps::server
