// Graph-shaped responses: the one place StatusCode maps to an HTTP status
// and a Graph error code, and the helpers that build JSON bodies.
#ifndef OPENLAPS_SERVER_GRAPH_RESPONSE_H_
#define OPENLAPS_SERVER_GRAPH_RESPONSE_H_

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/status.h"
#include "http/message.h"

namespace openlaps::server {

int HttpStatusFor(StatusCode code);
std::string_view GraphErrorCodeFor(StatusCode code);

// {"error":{"code":..,"message":..,"innerError":{"request-id":..,"date":..}}}
http::Response ErrorResponse(const Status& status, std::string_view request_id,
                             core::Timestamp now);
http::Response JsonResponse(int http_status, const nlohmann::json& body);
http::Response NoContent();

// Parses a request body as a JSON object; InvalidArgument otherwise.
Result<nlohmann::json> ParseJsonObject(std::string_view body);

}  // namespace openlaps::server

#endif  // OPENLAPS_SERVER_GRAPH_RESPONSE_H_
