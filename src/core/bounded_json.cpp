#include "core/bounded_json.h"

#include <string>

namespace openlaps::core {

int JsonNestingDepth(std::string_view text, int stop_at) {
  int depth = 0;
  int deepest = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;  // the escaped character cannot end the string
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    switch (c) {
      case '"':
        in_string = true;
        break;
      case '[':
      case '{':
        if (++depth > deepest) deepest = depth;
        if (deepest > stop_at) return deepest;
        break;
      case ']':
      case '}':
        if (depth > 0) --depth;
        break;
      default:
        break;
    }
  }
  return deepest;
}

Result<nlohmann::json> ParseBoundedJson(std::string_view text, const JsonLimits& limits) {
  if (text.size() > limits.max_bytes) {
    return InvalidArgumentError("JSON text is longer than " + std::to_string(limits.max_bytes) +
                                " bytes");
  }
  if (JsonNestingDepth(text, limits.max_depth) > limits.max_depth) {
    return InvalidArgumentError("JSON nests deeper than " + std::to_string(limits.max_depth) +
                                " levels");
  }
  nlohmann::json parsed = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) return InvalidArgumentError("not valid JSON");
  return parsed;
}

nlohmann::json ParseBoundedJsonOrDiscarded(std::string_view text, const JsonLimits& limits) {
  Result<nlohmann::json> parsed = ParseBoundedJson(text, limits);
  if (!parsed.ok()) return nlohmann::json(nlohmann::json::value_t::discarded);
  return std::move(parsed).value();
}

}  // namespace openlaps::core
