#include "server/conflict_text.h"

#include <charconv>

namespace openlaps::server {

namespace {
constexpr std::string_view kMarker = " conflicts with polic";  // "policy " or "policies "

std::string NameOne(std::string_view id_text,
                    const std::function<std::optional<std::string>(store::Id)>& name_of) {
  store::Id id = 0;
  auto [end, ec] = std::from_chars(id_text.data(), id_text.data() + id_text.size(), id);
  if (ec != std::errc() || end != id_text.data() + id_text.size()) return std::string(id_text);
  std::optional<std::string> name = name_of(id);
  return name ? "\"" + *name + "\"" : "(a policy outside your scope)";
}
}  // namespace

std::string NameConflictingPolicies(
    std::string_view detail, const std::function<std::optional<std::string>(store::Id)>& name_of) {
  std::string out;
  std::size_t at = 0;
  while (at < detail.size()) {
    std::size_t marker = detail.find(kMarker, at);
    if (marker == std::string_view::npos) break;
    std::size_t list = detail.find(' ', marker + kMarker.size());
    if (list == std::string_view::npos) break;
    std::size_t end = detail.find(';', list);
    if (end == std::string_view::npos) end = detail.size();
    out += detail.substr(at, list + 1 - at);
    std::string_view ids = detail.substr(list + 1, end - list - 1);
    while (true) {
      std::size_t comma = ids.find(", ");
      out += NameOne(ids.substr(0, comma), name_of);
      if (comma == std::string_view::npos) break;
      out += ", ";
      ids.remove_prefix(comma + 2);
    }
    at = end;
  }
  if (at < detail.size()) out += detail.substr(at);
  return out;
}

}  // namespace openlaps::server
