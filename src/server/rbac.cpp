#include "server/rbac.h"

namespace openlaps::server {

bool ScopeFilter::Allows(const std::vector<store::Id>& object_tags) const {
  if (all) return true;
  if (object_tags.empty()) return tags.contains(0);
  for (store::Id tag : object_tags) {
    if (tags.contains(tag)) return true;
  }
  return false;
}

const ScopeFilter& AdminPrincipal::Scope(std::string_view permission) const {
  static const ScopeFilter kNothing;
  auto it = grants_.find(permission);
  return it == grants_.end() ? kNothing : it->second;
}

std::vector<std::string> AdminPrincipal::Permissions() const {
  std::vector<std::string> out;
  for (const auto& [name, filter] : grants_) out.push_back(name);
  return out;
}

Result<AdminPrincipal> LoadPrincipal(store::Store& store, const store::AdminAccount& admin) {
  auto assignments = store.ListRoleAssignmentsForAdmin(admin.id);
  if (!assignments.ok()) return assignments.status();
  std::map<std::string, ScopeFilter, std::less<>> grants;
  for (const store::RoleAssignment& assignment : *assignments) {
    auto role = store.GetRole(assignment.role_id);
    if (!role.ok()) return role.status();
    for (const std::string& permission : role->permissions) {
      ScopeFilter& filter = grants[permission];
      if (assignment.scope_tag_ids.empty()) filter.all = true;
      filter.tags.insert(assignment.scope_tag_ids.begin(), assignment.scope_tag_ids.end());
    }
  }
  return AdminPrincipal(admin, std::move(grants));
}

}  // namespace openlaps::server
