// A whole query string ($filter, $orderby, $select, $top, $skiptoken,
// $count) as a request target, through ParseTarget and ApplyODataQuery.
// A nextLink, when there is one, must point forward.
#include <cstring>
#include <string>
#include <vector>

#include "fuzz/fuzz_input.h"
#include "http/message.h"
#include "server/odata.h"

constexpr const char* kBaseUrl = "https://lapsd.example";

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace openlaps;
  http::Request request;
  request.method = "GET";
  request.target = "/beta/deviceManagement/managedDevices?" + std::string(fuzz::AsText(data, size));
  if (!http::ParseTarget(request.target, &request.path, &request.query)) return 0;
  std::vector<nlohmann::json> items;
  for (int i = 0; i < 7; ++i) {
    items.push_back({{"id", std::to_string(i)},
                     {"deviceName", "ws-" + std::to_string(i % 3)},
                     {"count", i * 10},
                     {"isOnline", i % 2 == 0}});
  }
  server::ODataOptions options;
  options.filterable = {"id", "deviceName", "count", "isOnline"};
  options.default_page_size = 3;
  options.max_page_size = 5;
  auto page = server::ApplyODataQuery(request, kBaseUrl, items, options);
  if (page.ok()) {
    if (!page->contains("value") || !(*page)["value"].is_array()) fuzz::Broken();
    if ((*page)["value"].size() > 5) fuzz::Broken();
    if (auto link = page->find("@odata.nextLink"); link != page->end()) {
      // Its $skiptoken is a position past this page's first item.
      std::string next = link->get<std::string>().substr(std::strlen(kBaseUrl));
      std::string path;
      std::vector<std::pair<std::string, std::string>> query;
      if (!http::ParseTarget(next, &path, &query)) fuzz::Broken();
      bool has_token = false;
      for (const auto& [key, value] : query) {
        if (key != "$skiptoken") continue;
        has_token = true;
        if (value.empty() || value.find_first_not_of("0123456789") != std::string::npos)
          fuzz::Broken();
      }
      if (!has_token) fuzz::Broken();
    }
  }
  (void)server::ApplySelect(request, items.front());
  return 0;
}
