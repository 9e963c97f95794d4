// SignInApi: POST /api/v1/login and the sign-in lockouts. Throttled per
// account and per source in the store, Argon2id on the password pool
// (details in sign_in_api.cpp).
#ifndef OPENLAPS_SERVER_SIGN_IN_API_H_
#define OPENLAPS_SERVER_SIGN_IN_API_H_

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http/detail/awaitable.h"
#include "server/api_area.h"
#include "server/server_context.h"

namespace openlaps::server {

class SignInApi : public ApiArea {
 public:
  explicit SignInApi(ServerContext& context) : context_(context) {}
  void RegisterRoutes(RouteRegistry& routes) override;

 private:
  boost::asio::awaitable<Result<http::Response>> Login(Call& call);
  Result<http::Response> ListSignInLockouts(Call& call);
  Result<http::Response> ClearSignInLockout(Call& call);
  // Login's steps: a 429 while any of `subjects` is locked out; a failed
  // check counted against the account and the source (audited); a session
  // for a good one.
  Result<std::optional<http::Response>> LockedOut(const Call& call,
                                                  std::initializer_list<std::string> subjects);
  Result<http::Response> RefuseSignIn(const Call& call, const std::string& name,
                                      const std::string& account, const std::string& source,
                                      const Result<store::AdminAccount>& admin);
  Result<http::Response> OpenSession(Call& call, const store::AdminAccount& admin,
                                     const std::string& account);

  ServerContext& context_;
};

}  // namespace openlaps::server

#endif  // OPENLAPS_SERVER_SIGN_IN_API_H_
