// $filter: the expression parser and evaluator, over a device-like object.
#include <set>
#include <string>

#include "fuzz/fuzz_input.h"
#include "server/odata.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace openlaps;
  static const nlohmann::json object = {
      {"deviceName", "ws-01"}, {"operatingSystem", "Linux"},
      {"isOnline", true},      {"count", 42},
      {"ratio", 0.5},          {"lastSyncDateTime", "2026-12-02T10:00:00Z"},
      {"missing", nullptr}};
  static const std::set<std::string> filterable = {
      "deviceName", "operatingSystem", "isOnline", "count", "ratio", "lastSyncDateTime", "missing"};
  (void)server::EvaluateFilter(fuzz::AsText(data, size), object, filterable);
  return 0;
}
