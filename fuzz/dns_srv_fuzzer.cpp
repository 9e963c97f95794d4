// DNS answers, from whatever resolver the network offers: the SRV records of
// a domain's controllers parse or are refused, and every record read names a
// target and keeps its 16-bit fields.
#include "agent/active_directory/domain_controller_locator.h"
#include "fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace openlaps;
  auto records = agent::ad::ParseServiceRecords(std::span(data, size));
  if (!records.ok()) return 0;
  for (const agent::ad::ServiceRecord& r : *records) {
    if (r.target.empty() || r.port < 0 || r.port > 0xffff) fuzz::Broken();
  }
  if (agent::ad::LdapUris(*records).size() != records->size()) fuzz::Broken();
  return 0;
}
