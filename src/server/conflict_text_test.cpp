#include "server/conflict_text.h"

#include <gtest/gtest.h>

#include <map>

namespace openlaps::server {
namespace {

std::optional<std::string> Names(store::Id id) {
  static const std::map<store::Id, std::string> kNames = {{2, "Pilots"}, {3, "Base"}, {5, "Kiosk"}};
  auto it = kNames.find(id);
  if (it == kNames.end()) return std::nullopt;
  return it->second;
}

TEST(ConflictTextTest, NamesEveryConflictingPolicy) {
  struct Case {
    std::string in;
    std::string out;
  };
  const Case cases[] = {
      {"PasswordAgeDays conflicts with policy 3", "PasswordAgeDays conflicts with policy \"Base\""},
      {"PasswordAgeDays conflicts with policies 2, 5",
       "PasswordAgeDays conflicts with policies \"Pilots\", \"Kiosk\""},
      {"PasswordAgeDays conflicts with policy 3; PasswordLength conflicts with policies 2, 5",
       "PasswordAgeDays conflicts with policy \"Base\"; PasswordLength conflicts with policies "
       "\"Pilots\", \"Kiosk\""},
      {"PasswordAgeDays conflicts with policy 9",
       "PasswordAgeDays conflicts with policy (a policy outside your scope)"},
      {"not applied: another policy conflicts", "not applied: another policy conflicts"},
      {"", ""},
      {"the device said: account missing", "the device said: account missing"},
  };
  for (const Case& c : cases) EXPECT_EQ(NameConflictingPolicies(c.in, Names), c.out) << c.in;
}

}  // namespace
}  // namespace openlaps::server
