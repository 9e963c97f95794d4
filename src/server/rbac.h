// Who an admin is and what they may do where: permissions from their role
// assignments, each limited to the assignment's scope tags.
//
// The rules every route follows (docs/api.md "Scope tags"):
// - Reading or acting on one object: CanSee(permission, object tags); an
//   object out of scope answers 404, exactly like an absent one.
// - Putting an object into tags (creating it, retagging it): every tag must
//   be within the caller's scope for the permission (ScopeFilter::Holds).
// - Granting: CanGrant(role permissions, assignment tags). Creating a role
//   definition: HoldsAll(permissions). Deleting a role assignment is undoing
//   a grant, so it needs CanGrant on that assignment's role and tags too.
// - Managing another administrator (disable, delete, revoke its tokens,
//   name it in a role assignment): CanManage(target).
#ifndef OPENLAPS_SERVER_RBAC_H_
#define OPENLAPS_SERVER_RBAC_H_

#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "store/model.h"
#include "store/store.h"

namespace openlaps::server {

// The scope tags a permission reaches. A role assignment without scope
// tags reaches everything (how the first administrator is set up).
struct ScopeFilter {
  bool all = false;
  std::set<store::Id> tags;

  // The scope a role assignment with these tags gives (none: everything).
  static ScopeFilter OfAssignment(const std::vector<store::Id>& assignment_tags);

  // An object without tags carries the Default tag (0), as in Intune.
  // True when the object carries at least one tag of this scope.
  bool Allows(const std::vector<store::Id>& object_tags) const;
  // True when every tag of the object (Default when it has none) is in this
  // scope: what putting an object into those tags needs.
  bool Holds(const std::vector<store::Id>& object_tags) const;
  // True when everything `other` reaches, this reaches too. An unscoped
  // filter is covered only by an unscoped one.
  bool Covers(const ScopeFilter& other) const;
  bool empty() const { return !all && tags.empty(); }
};

class AdminPrincipal {
 public:
  AdminPrincipal() = default;
  AdminPrincipal(store::AdminAccount admin, std::map<std::string, ScopeFilter, std::less<>> grants)
      : admin_(std::move(admin)), grants_(std::move(grants)) {}

  const store::AdminAccount& admin() const { return admin_; }
  bool Has(std::string_view permission) const { return grants_.contains(permission); }
  // Empty filter (nothing allowed) when the permission is not granted.
  const ScopeFilter& Scope(std::string_view permission) const;
  bool CanSee(std::string_view permission, const std::vector<store::Id>& object_tags) const {
    return Scope(permission).Allows(object_tags);
  }
  // Unscoped for the permission (reaches every object, tagged or not).
  bool Unscoped(std::string_view permission) const { return Scope(permission).all; }
  std::vector<std::string> Permissions() const;

  // Holds every one of `permissions`, with any scope: what defining a role
  // with them needs (a role definition carries no scope of its own).
  bool HoldsAll(const std::vector<std::string>& permissions) const;
  // May assign a role with `permissions` limited to `assignment_tags` (none:
  // unscoped): role management and every one of the permissions must be
  // held with a scope that covers the assignment's. So an unscoped
  // assignment needs an admin unscoped for all of them.
  bool CanGrant(const std::vector<std::string>& permissions,
                const std::vector<store::Id>& assignment_tags) const;
  // May manage `target` (disable or delete it, revoke its tokens, add it to
  // a role assignment): the caller could have granted everything the target
  // holds, each where the target holds it. So nobody manages an admin more
  // powerful than itself, and an admin with no roles is manageable by any
  // role manager.
  bool CanManage(const AdminPrincipal& target) const;

 private:
  store::AdminAccount admin_;
  std::map<std::string, ScopeFilter, std::less<>> grants_;
};

// The tags an object gets when its creator names none: as in Intune, the
// creator's own tags for the permission (none, i.e. Default, when unscoped).
std::vector<store::Id> CreatorScopeTags(const ScopeFilter& scope);
// PermissionDenied naming a tag outside `scope`, unless scope.Holds(tags).
Status CheckTagsWithinScope(const ScopeFilter& scope, const std::vector<store::Id>& tags);

Result<AdminPrincipal> LoadPrincipal(store::Store& store, const store::AdminAccount& admin);

}  // namespace openlaps::server

#endif  // OPENLAPS_SERVER_RBAC_H_
