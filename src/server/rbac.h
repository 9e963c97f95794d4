// Who an admin is and what they may do where: permissions from their role
// assignments, each limited to the assignment's scope tags.
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

  // An object without tags carries the Default tag (0), as in Intune.
  bool Allows(const std::vector<store::Id>& object_tags) const;
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
  std::vector<std::string> Permissions() const;

 private:
  store::AdminAccount admin_;
  std::map<std::string, ScopeFilter, std::less<>> grants_;
};

Result<AdminPrincipal> LoadPrincipal(store::Store& store, const store::AdminAccount& admin);

}  // namespace openlaps::server

#endif  // OPENLAPS_SERVER_RBAC_H_
