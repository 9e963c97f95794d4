// OData query options over a collection of JSON objects, as Graph applies
// them: $filter (eq, ne, gt, ge, lt, le, and, or, not, parentheses,
// startswith), $orderby, $select, $top, $skiptoken, $count. Collections are
// filtered in memory after the scope-tag check.
#ifndef OPENLAPS_SERVER_ODATA_H_
#define OPENLAPS_SERVER_ODATA_H_

#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/status.h"
#include "http/message.h"

namespace openlaps::server {

// Bounds on the query options, so that neither parsing nor evaluating them
// can recurse deeply or take long, whatever a client sends. Over a bound:
// InvalidArgument (400) naming the option and the bound.
inline constexpr std::size_t kMaxFilterLength = 4096;  // characters of $filter
inline constexpr int kMaxFilterDepth = 32;             // nested '(' and `not`
inline constexpr int kMaxFilterTerms = 256;            // comparisons and startswith
inline constexpr std::size_t kMaxOrderByLength = 1024;
inline constexpr std::size_t kMaxOrderByKeys = 8;
inline constexpr std::size_t kMaxSelectLength = 1024;
inline constexpr std::size_t kMaxSelectFields = 64;

struct ODataOptions {
  std::set<std::string> filterable;  // fields $filter and $orderby may name
  std::int64_t default_page_size = 100;
  std::int64_t max_page_size = 1000;
  // Fields $search="field:term" may name (directory objects only); $search
  // and $count then need `ConsistencyLevel: eventual`, as in Entra ID.
  std::set<std::string> searchable{};
};

// Builds the Graph collection body: {"@odata.context"?, "@odata.count"?,
// "value": [...], "@odata.nextLink"?}. `base_url` is scheme://host used for
// nextLink. InvalidArgument for a malformed or unsupported option.
Result<nlohmann::json> ApplyODataQuery(const http::Request& request, std::string_view base_url,
                                       std::vector<nlohmann::json> items,
                                       const ODataOptions& options);

// The same over a JSON array (the `value` a handler built).
Result<nlohmann::json> ApplyODataQuery(const http::Request& request, std::string_view base_url,
                                       nlohmann::json value, const ODataOptions& options);

// $select alone, for single-object GETs. Returns the object unchanged when
// the request has no $select.
Result<nlohmann::json> ApplySelect(const http::Request& request, nlohmann::json object);

// Evaluates a $filter expression against one object (exposed for tests).
Result<bool> EvaluateFilter(std::string_view filter, const nlohmann::json& object,
                            const std::set<std::string>& filterable);

}  // namespace openlaps::server

#endif  // OPENLAPS_SERVER_ODATA_H_
