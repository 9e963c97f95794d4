// The one way untrusted JSON is read: a size and a nesting bound are checked
// before the text reaches the parser, so nothing downstream (dumping,
// comparing, walking) can recurse deeper than max_depth.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string_view>

#include "core/status.h"

namespace openlaps::core {

struct JsonLimits {
  std::size_t max_bytes = std::size_t{1} << 20;  // 1 MiB
  int max_depth = 64;                            // objects and arrays, nested
};

// InvalidArgument naming the bound that was broken, or the parsed value.
Result<nlohmann::json> ParseBoundedJson(std::string_view text, const JsonLimits& limits = {});

// For readers that check the shape of what they got anyway: any failure,
// a broken bound included, reads as a discarded value (is_discarded()), as
// nlohmann::json::parse(text, nullptr, false) answers for invalid text.
nlohmann::json ParseBoundedJsonOrDiscarded(std::string_view text, const JsonLimits& limits = {});

// The deepest nesting of objects and arrays in `text`, counted without
// parsing (strings and escapes are skipped); stops counting past `stop_at`.
int JsonNestingDepth(std::string_view text, int stop_at);

}  // namespace openlaps::core
