#include "server/rbac.h"

#include <algorithm>

#include "server/permissions.h"

namespace openlaps::server {

ScopeFilter ScopeFilter::OfAssignment(const std::vector<store::Id>& assignment_tags) {
  ScopeFilter filter;
  filter.all = assignment_tags.empty();
  filter.tags.insert(assignment_tags.begin(), assignment_tags.end());
  return filter;
}

bool ScopeFilter::Allows(const std::vector<store::Id>& object_tags) const {
  if (all) return true;
  if (object_tags.empty()) return tags.contains(0);
  for (store::Id tag : object_tags) {
    if (tags.contains(tag)) return true;
  }
  return false;
}

bool ScopeFilter::Holds(const std::vector<store::Id>& object_tags) const {
  if (all) return true;
  if (object_tags.empty()) return tags.contains(0);
  return std::all_of(object_tags.begin(), object_tags.end(),
                     [this](store::Id tag) { return tags.contains(tag); });
}

bool ScopeFilter::Covers(const ScopeFilter& other) const {
  if (all) return true;
  if (other.all) return false;
  return std::includes(tags.begin(), tags.end(), other.tags.begin(), other.tags.end());
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

bool AdminPrincipal::HoldsAll(const std::vector<std::string>& permissions) const {
  return std::all_of(permissions.begin(), permissions.end(),
                     [this](const std::string& p) { return Has(p); });
}

bool AdminPrincipal::CanGrant(const std::vector<std::string>& permissions,
                              const std::vector<store::Id>& assignment_tags) const {
  const ScopeFilter granted = ScopeFilter::OfAssignment(assignment_tags);
  if (!Has(permission::kManageRoles) || !Scope(permission::kManageRoles).Covers(granted)) {
    return false;
  }
  return std::all_of(permissions.begin(), permissions.end(),
                     [&](const std::string& p) { return Has(p) && Scope(p).Covers(granted); });
}

bool AdminPrincipal::CanManage(const AdminPrincipal& target) const {
  if (!Has(permission::kManageRoles)) return false;
  const ScopeFilter& manage = Scope(permission::kManageRoles);
  for (const auto& [name, filter] : target.grants_) {
    if (!Has(name) || !Scope(name).Covers(filter) || !manage.Covers(filter)) return false;
  }
  return true;
}

std::vector<store::Id> CreatorScopeTags(const ScopeFilter& scope) {
  if (scope.all) return {};
  return std::vector<store::Id>(scope.tags.begin(), scope.tags.end());
}

Status CheckTagsWithinScope(const ScopeFilter& scope, const std::vector<store::Id>& tags) {
  if (scope.Holds(tags)) return Status::Ok();
  std::vector<store::Id> effective = tags.empty() ? std::vector<store::Id>{0} : tags;
  for (store::Id tag : effective) {
    if (!scope.tags.contains(tag)) {
      return PermissionDeniedError("scope tag " + std::to_string(tag) + " is outside your scope");
    }
  }
  return PermissionDeniedError("the scope tags are outside your scope");
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
