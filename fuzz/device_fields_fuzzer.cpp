// Device-supplied JSON objects (enroll, check-in, escrow, action reports)
// read field by field through the one table of limits.
#include "core/bounded_json.h"
#include "fuzz/fuzz_input.h"
#include "server/device_fields.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace openlaps;
  nlohmann::json object = core::ParseBoundedJsonOrDiscarded(fuzz::AsText(data, size));
  if (object.is_discarded() || !object.is_object()) return 0;
  for (const server::DeviceFieldSpec& spec : server::DeviceFieldSpecs()) {
    auto value = server::OptionalDeviceString(object, spec.field);
    if (value.ok() && value->size() > spec.max_bytes) fuzz::Broken();
    (void)server::RequiredDeviceString(object, spec.field);
    (void)server::OptionalDeviceInteger(object, spec.key, 0);
  }
  return 0;
}
