// Core describes a conflict with policy ids ("PasswordAgeDays conflicts with
// policy 3", "... with policies 2, 5", several joined by "; "; see
// core::PolicyState::detail) because core knows no names. Reports and the
// console name the policies instead, as admins know them.
#ifndef OPENLAPS_SERVER_CONFLICT_TEXT_H_
#define OPENLAPS_SERVER_CONFLICT_TEXT_H_

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "store/model.h"

namespace openlaps::server {

// Each policy id after "conflicts with policy"/"policies" becomes its name
// in quotes, or "(a policy outside your scope)" when `name_of` has none, so
// a name the caller may not see never leaks. Other text passes unchanged.
std::string NameConflictingPolicies(
    std::string_view detail, const std::function<std::optional<std::string>(store::Id)>& name_of);

}  // namespace openlaps::server

#endif  // OPENLAPS_SERVER_CONFLICT_TEXT_H_
