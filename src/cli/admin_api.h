// AdminApi: lapsd's Graph-shaped admin API as lapsctl uses it. One HTTP
// connection, a bearer token, JSON in and out, Graph errors turned into a
// Status carrying the server's message. Not thread-safe.
#ifndef OPENLAPS_CLI_ADMIN_API_H_
#define OPENLAPS_CLI_ADMIN_API_H_

#include <cstddef>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/secret.h"
#include "core/status.h"
#include "http/client.h"

namespace openlaps::cli {

class AdminApi {
 public:
  // `server` is "http(s)://host[:port]"; `token` may be empty for Login.
  // InvalidArgument when the URL is not one lapsctl can use.
  static Result<std::unique_ptr<AdminApi>> Connect(std::string server, std::string token,
                                                   http::ClientOptions options = {});
  AdminApi(const AdminApi&) = delete;
  AdminApi& operator=(const AdminApi&) = delete;

  const std::string& server() const { return server_; }

  // Errors: Unavailable/DeadlineExceeded when lapsd cannot be reached;
  // for an HTTP error, the code of that status (401 Unauthenticated, 403
  // PermissionDenied, 404 NotFound, 409 FailedPrecondition, 400
  // InvalidArgument, other 4xx/5xx Internal) with the Graph error message.
  // A 204 answers JSON null.
  Result<nlohmann::json> Call(std::string_view method, std::string_view target,
                              const nlohmann::json& body = nullptr);
  Result<nlohmann::json> Get(std::string_view target) { return Call("GET", target); }

  // A Graph collection with every page, following @odata.nextLink, or the
  // first `limit` items; the first page's other fields (counts) are kept.
  Result<nlohmann::json> GetAll(std::string_view target,
                                std::optional<std::size_t> limit = std::nullopt);

  // POST /api/v1/login; answers {access_token, expires_in}.
  Result<nlohmann::json> Login(std::string_view user, const core::SecretString& password);

 private:
  AdminApi(std::unique_ptr<http::HttpClient> http, std::string server, std::string token);

  std::unique_ptr<http::HttpClient> http_;
  std::string server_;
  std::string token_;
};

// "http://h:1/" -> "http://h:1"; nullopt when not http(s) or with a path.
std::optional<std::string> NormalizeServerUrl(std::string_view url);

// An OData string literal: 'it''s'.
std::string ODataString(std::string_view text);

// "?a=1&b=x%20y" from the pairs whose value is not empty; "" when none.
std::string QueryString(const std::vector<std::pair<std::string, std::string>>& params);

}  // namespace openlaps::cli

#endif  // OPENLAPS_CLI_ADMIN_API_H_
