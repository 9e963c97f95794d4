#include "server/router.h"

#include <gtest/gtest.h>

namespace openlaps::server {
namespace {

TEST(RouterTest, AKnownPathWithAnotherMethodListsItsMethodsSortedOnce) {
  Router<int> router;
  router.Add("PATCH", "/policies/{id}", 1);
  router.Add("GET", "/policies/{id}", 2);
  router.Add("DELETE", "/policies/{id}", 3);
  router.Add("GET", "/policies/{id}", 4);  // a second GET is still listed once
  router.Add("POST", "/policies", 5);

  auto refused = router.Find("POST", "/policies/p-1");
  EXPECT_EQ(refused.route, nullptr);
  EXPECT_EQ(refused.allowed, (std::vector<std::string>{"DELETE", "GET", "PATCH"}));

  auto found = router.Find("GET", "/policies/p-1");
  ASSERT_NE(found.route, nullptr);
  EXPECT_EQ(*found.route, 2);
  EXPECT_EQ(found.params.at("id"), "p-1");
  EXPECT_TRUE(found.allowed.empty());
}

TEST(RouterTest, AnUnknownPathAllowsNothing) {
  Router<int> router;
  router.Add("GET", "/policies/{id}", 1);
  auto unknown = router.Find("GET", "/groups/g-1");
  EXPECT_EQ(unknown.route, nullptr);
  EXPECT_TRUE(unknown.allowed.empty());
}

}  // namespace
}  // namespace openlaps::server
