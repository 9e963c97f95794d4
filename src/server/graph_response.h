// Graph-shaped responses: the one place StatusCode maps to an HTTP status
// and a Graph error code, and the helpers that build JSON bodies.
#ifndef OPENLAPS_SERVER_GRAPH_RESPONSE_H_
#define OPENLAPS_SERVER_GRAPH_RESPONSE_H_

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/status.h"
#include "http/message.h"

namespace openlaps::server {

int HttpStatusFor(StatusCode code);
std::string_view GraphErrorCodeFor(StatusCode code);

// {"error":{"code":..,"message":..,"innerError":{"request-id":..,"date":..}}}
http::Response ErrorResponse(const Status& status, std::string_view request_id,
                             core::Timestamp now);
// 405 for a known path without a route for the method: Allow lists the
// path's methods (sorted, comma-separated), the body is a Graph error.
http::Response MethodNotAllowedResponse(std::string_view method, std::string_view path,
                                        const std::vector<std::string>& allowed,
                                        std::string_view request_id, core::Timestamp now);
http::Response JsonResponse(int http_status, const nlohmann::json& body);
http::Response NoContent();

// Parses a request body as a JSON object; InvalidArgument otherwise.
Result<nlohmann::json> ParseJsonObject(std::string_view body);

// The string member `key` of a request body (an object): `fallback` when
// absent or null, InvalidArgument naming `path` (the key unless given) when
// it is not a string. nlohmann's value() would throw instead.
Result<std::string> BodyString(const nlohmann::json& object, std::string_view key,
                               std::string fallback = {}, std::string_view path = {});

// A store's unique-constraint refusal (AlreadyExists, in the database's own
// words) as "<what> already exists"; any other status unchanged.
Status AlreadyExistsAs(const Status& status, std::string_view what);

}  // namespace openlaps::server

#endif  // OPENLAPS_SERVER_GRAPH_RESPONSE_H_
