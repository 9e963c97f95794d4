#include "agent/active_directory/directory_connection.h"

namespace openlaps::agent::ad {

std::optional<std::string_view> DirectoryEntry::First(std::string_view attribute) const {
  auto it = values.find(attribute);
  if (it == values.end() || it->second.empty()) return std::nullopt;
  return it->second.front();
}

std::string EscapeFilterValue(std::string_view value) {
  std::string out;
  for (char c : value) {
    if (c == '*' || c == '(' || c == ')' || c == '\\' || c == '\0') {
      constexpr std::string_view kHex = "0123456789abcdef";
      const auto byte = static_cast<unsigned char>(c);
      out += '\\';
      out += kHex[byte >> 4];
      out += kHex[byte & 0xf];
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace openlaps::agent::ad
