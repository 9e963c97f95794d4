// Device-supplied JSON objects (enroll, check-in, escrow, action reports)
// read by the protocol's messages and field by field through the one table
// of limits: nothing may throw or crash, no string read may exceed its
// limit, and whatever a message accepts it must accept again after
// writing it out.
#include "core/bounded_json.h"
#include "fuzz/fuzz_input.h"
#include "protocol/device_messages.h"
#include "protocol/json_reader.h"
#include "protocol/wire_fields.h"

namespace {

template <typename Message>
void RoundTrips(const nlohmann::json& object) {
  auto message = Message::FromJson(object);
  if (message.ok() && !Message::FromJson(message->ToJson()).ok()) openlaps::fuzz::Broken();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace openlaps;
  nlohmann::json object = core::ParseBoundedJsonOrDiscarded(fuzz::AsText(data, size));
  if (object.is_discarded() || !object.is_object()) return 0;
  for (const protocol::DeviceFieldSpec& spec : protocol::DeviceFieldSpecs()) {
    Status status;
    protocol::JsonReader reader(object, "fuzz", &status);
    std::string value = reader.String(spec.field);
    if (status.ok() && value.size() > spec.max_bytes) fuzz::Broken();
  }
  RoundTrips<protocol::EnrollRequest>(object);
  RoundTrips<protocol::CheckinRequest>(object);
  RoundTrips<protocol::CredentialRequest>(object);
  RoundTrips<protocol::ActionReport>(object);
  return 0;
}
