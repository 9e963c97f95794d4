#include "cli/admin_api.h"

#include "core/bounded_json.h"

namespace openlaps::cli {

namespace {

// Lists of a large fleet run to megabytes; nothing lapsd answers nests deep.
constexpr core::JsonLimits kServerAnswerLimits{std::size_t{256} << 20, 64};

Status StatusForHttp(int http_status, std::string message) {
  switch (http_status) {
    case 400:
      return InvalidArgumentError(std::move(message));
    case 401:
      return UnauthenticatedError(std::move(message));
    case 403:
      return PermissionDeniedError(std::move(message));
    case 404:
      return NotFoundError(std::move(message));
    case 409:
      return FailedPreconditionError(std::move(message));
    default:
      return InternalError(std::move(message));
  }
}

// The Graph error message, or a short description when the body has none.
std::string ErrorMessage(const http::Response& response) {
  nlohmann::json body = core::ParseBoundedJsonOrDiscarded(response.body, kServerAnswerLimits);
  if (body.is_object()) {
    auto error = body.find("error");
    if (error != body.end() && error->is_object()) {
      auto message = error->find("message");
      if (message != error->end() && message->is_string() &&
          !message->get_ref<const std::string&>().empty()) {
        return message->get<std::string>();
      }
    }
  }
  return "the server answered HTTP " + std::to_string(response.status);
}

// The request-target of an absolute @odata.nextLink.
std::string TargetOf(std::string_view link) {
  auto scheme = link.find("://");
  if (scheme == std::string_view::npos) return std::string(link);
  auto path = link.find('/', scheme + 3);
  return path == std::string_view::npos ? "/" : std::string(link.substr(path));
}

}  // namespace

std::optional<std::string> NormalizeServerUrl(std::string_view url) {
  while (!url.empty() && url.back() == '/') url.remove_suffix(1);
  std::string_view rest;
  if (url.starts_with("http://")) {
    rest = url.substr(7);
  } else if (url.starts_with("https://")) {
    rest = url.substr(8);
  } else {
    return std::nullopt;
  }
  if (rest.empty() || rest.find_first_of("/?#@ ") != std::string_view::npos) return std::nullopt;
  return std::string(url);
}

std::string ODataString(std::string_view text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') out += '\'';
    out += c;
  }
  return out + "'";
}

std::string QueryString(const std::vector<std::pair<std::string, std::string>>& params) {
  std::string out;
  for (const auto& [name, value] : params) {
    if (value.empty()) continue;
    out += out.empty() ? "?" : "&";
    out += http::PercentEncode(name) + "=" + http::PercentEncode(value);
  }
  return out;
}

AdminApi::AdminApi(std::unique_ptr<http::HttpClient> http, std::string server, std::string token)
    : http_(std::move(http)), server_(std::move(server)), token_(std::move(token)) {}

Result<std::unique_ptr<AdminApi>> AdminApi::Connect(std::string server, std::string token,
                                                    http::ClientOptions options) {
  auto normalized = NormalizeServerUrl(server);
  if (!normalized) {
    return InvalidArgumentError("'" + server + "' is not a server URL like https://host:8443");
  }
  auto http = http::HttpClient::Create(*normalized, std::move(options));
  if (!http.ok()) return http.status();
  return std::unique_ptr<AdminApi>(
      new AdminApi(std::move(http).value(), std::move(*normalized), std::move(token)));
}

Result<nlohmann::json> AdminApi::Call(std::string_view method, std::string_view target,
                                      const nlohmann::json& body) {
  http::Headers headers;
  headers["Accept"] = "application/json";
  if (!token_.empty()) headers["Authorization"] = "Bearer " + token_;
  std::string text;
  if (!body.is_null()) {
    text = body.dump();
    headers["Content-Type"] = "application/json";
  }
  auto response = http_->Send(method, target, headers, text);
  core::SecureZero(text.data(), text.size());  // it may carry a password
  if (!response.ok()) {
    if (response.status().code() == StatusCode::kDeadlineExceeded) return response.status();
    return UnavailableError("cannot reach " + server_ + ": " + response.status().message());
  }
  if (response->status < 200 || response->status > 299) {
    return StatusForHttp(response->status, ErrorMessage(*response));
  }
  if (response->body.empty()) return nlohmann::json(nullptr);
  nlohmann::json parsed = core::ParseBoundedJsonOrDiscarded(response->body, kServerAnswerLimits);
  if (parsed.is_discarded()) {
    return InternalError("the server at " + server_ + " did not answer with JSON");
  }
  return parsed;
}

Result<nlohmann::json> AdminApi::GetAll(std::string_view target, std::optional<std::size_t> limit) {
  OPENLAPS_ASSIGN_OR_RETURN(nlohmann::json first, Get(target));
  if (!first.is_object() || !first.contains("value") || !first["value"].is_array()) {
    return InternalError("the server did not answer with a collection");
  }
  nlohmann::json all = first;
  all.erase("@odata.nextLink");
  nlohmann::json page = std::move(first);
  while (!limit || all["value"].size() < *limit) {
    auto next = page.find("@odata.nextLink");
    if (next == page.end() || !next->is_string()) break;
    OPENLAPS_ASSIGN_OR_RETURN(page, Get(TargetOf(next->get<std::string>())));
    if (!page.is_object() || !page.contains("value") || !page["value"].is_array()) {
      return InternalError("the server did not answer with a collection");
    }
    for (auto& item : page["value"]) all["value"].push_back(std::move(item));
  }
  if (limit && all["value"].size() > *limit) {
    all["value"].erase(all["value"].begin() + static_cast<std::ptrdiff_t>(*limit),
                       all["value"].end());
  }
  return all;
}

Result<nlohmann::json> AdminApi::Login(std::string_view user, const core::SecretString& password) {
  nlohmann::json body = {{"userName", user}, {"password", password.Reveal()}};
  auto answer = Call("POST", "/api/v1/login", body);
  // Wipe the JSON copy of the password.
  auto& copy = body["password"].get_ref<std::string&>();
  core::SecureZero(copy.data(), copy.size());
  return answer;
}

}  // namespace openlaps::cli
