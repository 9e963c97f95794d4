// The request target: path and query split and percent-decoded.
#include <string>
#include <utility>
#include <vector>

#include "fuzz/fuzz_input.h"
#include "http/message.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace openlaps;
  std::string_view text = fuzz::AsText(data, size);
  std::string path;
  std::vector<std::pair<std::string, std::string>> query;
  (void)http::ParseTarget(text, &path, &query);
  // Whatever decodes, encodes to something that decodes back to it.
  if (auto decoded = http::PercentDecode(text, /*plus_is_space=*/false)) {
    auto again = http::PercentDecode(http::PercentEncode(*decoded), false);
    if (!again || *again != *decoded) fuzz::Broken();
  }
  return 0;
}
