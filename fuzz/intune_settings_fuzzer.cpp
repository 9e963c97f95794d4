// Intune's settings-catalog settings[] (policy import), as bounded JSON.
#include "core/bounded_json.h"
#include "core/policy_json.h"
#include "fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace openlaps;
  nlohmann::json settings = core::ParseBoundedJsonOrDiscarded(fuzz::AsText(data, size));
  if (settings.is_discarded()) return 0;
  auto read = core::PolicySettingsFromIntune(settings);
  if (read.ok()) {
    // What we write, we read back the same.
    auto again = core::PolicySettingsFromIntune(core::PolicySettingsToIntune(*read));
    if (!again.ok() || !(*again == *read)) fuzz::Broken();
  }
  return 0;
}
