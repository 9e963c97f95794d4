// RevocationApi: tokens, sessions, administrators, role assignments.
// Every change takes effect on the next request on any node:
// LapsServer::AuthenticateAdmin reads tokens, accounts and assignments from
// the store.
#ifndef OPENLAPS_SERVER_REVOCATION_API_H_
#define OPENLAPS_SERVER_REVOCATION_API_H_

#include <optional>
#include <string_view>
#include <vector>

#include "http/detail/awaitable.h"
#include "server/api_area.h"
#include "server/server_context.h"

namespace openlaps::server {

class RevocationApi : public ApiArea {
 public:
  explicit RevocationApi(ServerContext& context) : context_(context) {}
  void RegisterRoutes(RouteRegistry& routes) override;

 private:
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
  // FailedPrecondition when the change would leave no enabled admin with
  // unscoped role management (nobody could repair access any more).
  Status KeepsAnUnscopedAdministrator(std::optional<store::Id> without_admin,
                                      std::optional<store::Id> without_assignment);

  ServerContext& context_;
};

}  // namespace openlaps::server

#endif  // OPENLAPS_SERVER_REVOCATION_API_H_
