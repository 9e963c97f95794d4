#include "server/rbac.h"

#include <gtest/gtest.h>

#include "server/permissions.h"

namespace openlaps::server {
namespace {

namespace p = permission;
using Grants = std::map<std::string, ScopeFilter, std::less<>>;

ScopeFilter Tags(std::set<store::Id> tags) { return ScopeFilter{false, std::move(tags)}; }
ScopeFilter All() { return ScopeFilter{true, {}}; }

AdminPrincipal Admin(Grants grants) { return AdminPrincipal({}, std::move(grants)); }

TEST(ScopeFilterTest, AllowsHoldsAndCovers) {
  ScopeFilter paris = Tags({1});
  EXPECT_TRUE(paris.Allows({1, 2}));
  EXPECT_FALSE(paris.Holds({1, 2}));
  EXPECT_TRUE(paris.Holds({1}));
  EXPECT_FALSE(paris.Allows({}));  // untagged objects carry Default (0)
  EXPECT_FALSE(paris.Holds({}));
  EXPECT_TRUE(Tags({0}).Holds({}));
  EXPECT_TRUE(All().Holds({7}));

  EXPECT_TRUE(All().Covers(All()));
  EXPECT_TRUE(All().Covers(paris));
  EXPECT_FALSE(paris.Covers(All()));
  EXPECT_TRUE(Tags({1, 2}).Covers(paris));
  EXPECT_FALSE(paris.Covers(Tags({1, 2})));
  EXPECT_TRUE(paris.Covers(ScopeFilter{}));
  EXPECT_TRUE(ScopeFilter::OfAssignment({}).all);
  EXPECT_EQ(ScopeFilter::OfAssignment({3, 1}).tags, (std::set<store::Id>{1, 3}));
}

TEST(AdminPrincipalTest, GrantsOnlyWhatItHoldsWhereItHoldsIt) {
  // Role management and password reading, both limited to tag 1.
  AdminPrincipal scoped = Admin({{std::string(p::kManageRoles), Tags({1})},
                                 {std::string(p::kReadCredentialPassword), Tags({1})},
                                 {std::string(p::kReadDevices), All()}});
  std::vector<std::string> reveal = {std::string(p::kReadCredentialPassword)};
  EXPECT_TRUE(scoped.CanGrant(reveal, {1}));
  EXPECT_FALSE(scoped.CanGrant(reveal, {}));      // unscoped: needs an unscoped admin
  EXPECT_FALSE(scoped.CanGrant(reveal, {1, 2}));  // tag 2 is not its own
  EXPECT_FALSE(scoped.CanGrant(reveal, {2}));
  // Unscoped for reading devices, but role management is scoped: still no
  // unscoped assignment.
  EXPECT_FALSE(scoped.CanGrant({std::string(p::kReadDevices)}, {}));
  EXPECT_TRUE(scoped.CanGrant({std::string(p::kReadDevices)}, {1}));
  EXPECT_FALSE(scoped.CanGrant({std::string(p::kRotatePassword)}, {1}));  // not held
  std::vector<std::string> everything(AllPermissions().begin(), AllPermissions().end());
  EXPECT_FALSE(scoped.CanGrant(everything, {}));
  EXPECT_TRUE(scoped.HoldsAll(reveal));
  EXPECT_FALSE(scoped.HoldsAll(everything));

  AdminPrincipal root = Admin(
      {{std::string(p::kManageRoles), All()}, {std::string(p::kReadCredentialPassword), All()}});
  EXPECT_TRUE(root.CanGrant(reveal, {}));
  EXPECT_FALSE(Admin({}).CanGrant({}, {1}));  // no role management at all
}

TEST(AdminPrincipalTest, ManagesOnlyAdminsItCouldHaveMade) {
  AdminPrincipal scoped = Admin(
      {{std::string(p::kManageRoles), Tags({1})}, {std::string(p::kReadDevices), Tags({1, 2})}});
  AdminPrincipal root =
      Admin({{std::string(p::kManageRoles), All()}, {std::string(p::kReadDevices), All()}});
  AdminPrincipal reader1 = Admin({{std::string(p::kReadDevices), Tags({1})}});
  AdminPrincipal reader2 = Admin({{std::string(p::kReadDevices), Tags({2})}});
  EXPECT_TRUE(scoped.CanManage(reader1));
  EXPECT_FALSE(scoped.CanManage(reader2));  // reads devices in 2, outside its role scope
  EXPECT_FALSE(scoped.CanManage(root));
  EXPECT_TRUE(scoped.CanManage(Admin({})));
  EXPECT_TRUE(root.CanManage(scoped));
  EXPECT_FALSE(reader1.CanManage(Admin({})));  // no role management
}

}  // namespace
}  // namespace openlaps::server
