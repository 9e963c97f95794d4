// AccessApi: /healthz, me and logout, API and enrollment tokens,
// administrators, roles, role assignments, scope tags, and the audit log
// with its chain check.
#ifndef OPENLAPS_SERVER_ACCESS_API_H_
#define OPENLAPS_SERVER_ACCESS_API_H_

#include <optional>
#include <string_view>
#include <vector>

#include "http/detail/awaitable.h"
#include "server/api_area.h"
#include "server/server_context.h"

namespace openlaps::server {

class AccessApi : public ApiArea {
 public:
  explicit AccessApi(ServerContext& context) : context_(context) {}
  void RegisterRoutes(RouteRegistry& routes) override;

 private:
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

  ServerContext& context_;
};

}  // namespace openlaps::server

#endif  // OPENLAPS_SERVER_ACCESS_API_H_
