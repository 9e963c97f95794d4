// The request-JSON path: size and nesting bounds, then nlohmann. Whatever
// parses must survive a dump and parse back to the same value.
#include "core/bounded_json.h"
#include "fuzz/fuzz_input.h"
#include "server/graph_response.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace openlaps;
  std::string_view text = fuzz::AsText(data, size);
  auto parsed = core::ParseBoundedJson(text, {.max_bytes = 1 << 16, .max_depth = 64});
  if (parsed.ok()) {
    std::string dumped = parsed->dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    auto again = core::ParseBoundedJson(dumped, {.max_bytes = 1 << 20, .max_depth = 64});
    if (!again.ok()) fuzz::Broken();
  }
  (void)server::ParseJsonObject(text);
  return 0;
}
