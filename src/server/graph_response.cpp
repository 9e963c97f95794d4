#include "server/graph_response.h"

#include "core/bounded_json.h"

namespace openlaps::server {

int HttpStatusFor(StatusCode code) {
  switch (code) {
    case StatusCode::kOk:
      return 200;
    case StatusCode::kInvalidArgument:
      return 400;
    case StatusCode::kUnauthenticated:
      return 401;
    case StatusCode::kPermissionDenied:
      return 403;
    case StatusCode::kNotFound:
      return 404;
    case StatusCode::kAlreadyExists:
      return 409;
    case StatusCode::kFailedPrecondition:
      return 409;
    case StatusCode::kAborted:
      return 409;
    case StatusCode::kResourceExhausted:
      return 429;
    case StatusCode::kUnimplemented:
      return 501;
    case StatusCode::kUnavailable:
      return 503;
    case StatusCode::kDeadlineExceeded:
      return 504;
    case StatusCode::kDataLoss:
    case StatusCode::kInternal:
      return 500;
  }
  return 500;
}

std::string_view GraphErrorCodeFor(StatusCode code) {
  switch (code) {
    case StatusCode::kOk:
      return "ok";
    case StatusCode::kInvalidArgument:
      return "BadRequest";
    case StatusCode::kUnauthenticated:
      return "InvalidAuthenticationToken";
    case StatusCode::kPermissionDenied:
      return "Authorization_RequestDenied";
    case StatusCode::kNotFound:
      return "ResourceNotFound";
    case StatusCode::kAlreadyExists:
      return "Conflict";
    case StatusCode::kFailedPrecondition:
      return "PreconditionFailed";
    case StatusCode::kAborted:
      return "Conflict";
    case StatusCode::kResourceExhausted:
      return "TooManyRequests";
    case StatusCode::kUnimplemented:
      return "NotImplemented";
    case StatusCode::kUnavailable:
      return "ServiceNotAvailable";
    case StatusCode::kDeadlineExceeded:
      return "Timeout";
    case StatusCode::kDataLoss:
    case StatusCode::kInternal:
      return "InternalServerError";
  }
  return "InternalServerError";
}

http::Response ErrorResponse(const Status& status, std::string_view request_id,
                             core::Timestamp now) {
  nlohmann::json body = {
      {"error",
       {{"code", GraphErrorCodeFor(status.code())},
        {"message", status.message()},
        {"innerError", {{"request-id", request_id}, {"date", core::FormatUtc(now)}}}}}};
  http::Response response = JsonResponse(HttpStatusFor(status.code()), body);
  if (status.IsUnauthenticated()) response.headers["WWW-Authenticate"] = "Bearer";
  return response;
}

http::Response MethodNotAllowedResponse(std::string_view method, std::string_view path,
                                        const std::vector<std::string>& allowed,
                                        std::string_view request_id, core::Timestamp now) {
  constexpr int kMethodNotAllowed = 405;
  std::string allow;
  for (const std::string& m : allowed) allow += (allow.empty() ? "" : ", ") + m;
  nlohmann::json body = {
      {"error",
       {{"code", "MethodNotAllowed"},
        {"message", "method " + std::string(method) + " is not allowed on " + std::string(path) +
                        " (allowed: " + allow + ")"},
        {"innerError", {{"request-id", request_id}, {"date", core::FormatUtc(now)}}}}}};
  http::Response response = JsonResponse(kMethodNotAllowed, body);
  response.headers["Allow"] = allow;
  return response;
}

http::Response JsonResponse(int http_status, const nlohmann::json& body) {
  http::Response response;
  response.status = http_status;
  response.headers["Content-Type"] = "application/json; charset=utf-8";
  response.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return response;
}

http::Response NoContent() {
  http::Response response;
  response.status = 204;
  return response;
}

Result<nlohmann::json> ParseJsonObject(std::string_view body) {
  Result<nlohmann::json> read = core::ParseBoundedJson(body);
  if (!read.ok()) return InvalidArgumentError("request body: " + read.status().message());
  nlohmann::json parsed = std::move(read).value();
  if (!parsed.is_object()) return InvalidArgumentError("request body must be a JSON object");
  return parsed;
}

Result<std::string> BodyString(const nlohmann::json& object, std::string_view key,
                               std::string fallback, std::string_view path) {
  if (!object.is_object()) return fallback;
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return fallback;
  if (!it->is_string()) {
    return InvalidArgumentError(std::string(path.empty() ? key : path) + " must be a string");
  }
  return it->get<std::string>();
}

Status AlreadyExistsAs(const Status& status, std::string_view what) {
  if (!status.IsAlreadyExists()) return status;
  return AlreadyExistsError(std::string(what) + " already exists");
}

}  // namespace openlaps::server
