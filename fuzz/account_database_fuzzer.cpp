// /etc/passwd and /etc/shadow as the agent reads them (a scratch root's, or
// the machine's): any bytes, any line lengths.
#include "agent/platform/linux/account_database.h"
#include "fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace openlaps;
  std::string_view text = fuzz::AsText(data, size);
  const bool named = fuzz::TakeSelector(text) & 1;
  const std::string_view name = named ? "root" : "";
  (void)agent::FindPasswdEntry(text, name);
  auto shadow = agent::FindShadowEntry(text, named ? "root" : "admin");
  if (shadow.ok()) {
    // The entry is a slice of the text, at its own offset.
    if (shadow->offset > text.size() || shadow->line.size() > text.size() - shadow->offset)
      fuzz::Broken();
    if (text.substr(shadow->offset, shadow->line.size()) != shadow->line) fuzz::Broken();
    if (shadow->fields.size() < 3 || shadow->fields.size() > agent::kMaxAccountFields)
      fuzz::Broken();
  }
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    (void)agent::SplitAccountFields(text.substr(start, end - start));
    start = end + 1;
  }
  return 0;
}
