// Our own lapsSettings object (policies, stored settings, agent answers).
#include "core/bounded_json.h"
#include "core/policy_json.h"
#include "fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace openlaps;
  nlohmann::json object = core::ParseBoundedJsonOrDiscarded(fuzz::AsText(data, size));
  if (object.is_discarded()) return 0;
  auto read = core::PolicySettingsFromJson(object);
  if (read.ok()) {
    auto again = core::PolicySettingsFromJson(core::PolicySettingsToJson(*read));
    if (!again.ok() || !(*again == *read)) fuzz::Broken();
  }
  return 0;
}
