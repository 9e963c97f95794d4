#include "agent/interactive_user.h"

namespace openlaps::agent {

std::string AsPrincipalName(std::string_view user, std::string_view suffix) {
  if (user.empty() || suffix.empty() || user.find('@') != std::string_view::npos) {
    return std::string(user);
  }
  std::string name(user);
  name += '@';
  name += suffix;
  return name;
}

}  // namespace openlaps::agent
