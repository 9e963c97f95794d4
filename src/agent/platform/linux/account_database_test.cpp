#include "agent/platform/linux/account_database.h"

#include <gtest/gtest.h>

#include <string>

#include "testing/status_matchers.h"

namespace openlaps::agent {
namespace {

constexpr std::string_view kPasswd =
    "root:x:0:0:root:/root:/bin/bash\n"
    "+nisuser::::::\n"
    "broken line without colons\n"
    "admin:x:1000:1000::/home/admin:/bin/sh";

TEST(AccountDatabaseTest, FindsByNameAndTheBuiltInAdministrator) {
  ASSERT_OK_AND_ASSIGN(auto admin, FindPasswdEntry(kPasswd, "admin"));
  ASSERT_TRUE(admin.has_value());
  EXPECT_EQ(admin->uid, 1000);
  ASSERT_OK_AND_ASSIGN(auto root, FindPasswdEntry(kPasswd, ""));
  ASSERT_TRUE(root.has_value());
  EXPECT_EQ(root->name, "root");
  ASSERT_OK_AND_ASSIGN(auto none, FindPasswdEntry(kPasswd, "nisuser"));
  EXPECT_FALSE(none.has_value());
}

TEST(AccountDatabaseTest, ShadowEntryKnowsItsOffset) {
  const std::string shadow = "root:*:19000:0:99999:7:::\nadmin:$y$abc:19000:0:99999:7:::\n";
  ASSERT_OK_AND_ASSIGN(ShadowEntry entry, FindShadowEntry(shadow, "admin"));
  EXPECT_EQ(entry.offset, shadow.find("admin"));
  EXPECT_EQ(entry.fields.size(), 9u);
  EXPECT_EQ(entry.fields[1], "$y$abc");
  EXPECT_TRUE(FindShadowEntry(shadow, "nobody").status().IsNotFound());
}

TEST(AccountDatabaseTest, FieldCountIsBounded) {
  std::string line = "a";
  for (std::size_t i = 1; i < kMaxAccountFields; ++i) line += ":f";
  ASSERT_TRUE(SplitAccountFields(line).has_value());
  EXPECT_EQ(SplitAccountFields(line)->size(), kMaxAccountFields);
  EXPECT_FALSE(SplitAccountFields(line + ":f").has_value());
  // A line of nothing but colons is refused after kMaxAccountFields, not split.
  EXPECT_FALSE(SplitAccountFields(std::string(kMaxAccountLineBytes, ':')).has_value());
}

TEST(AccountDatabaseTest, OverlongLinesNeverMatch) {
  const std::string gecos(kMaxAccountLineBytes, 'g');
  const std::string passwd = "admin:x:1000:1000:" + gecos + ":/home/admin:/bin/sh\n";
  ASSERT_OK_AND_ASSIGN(auto entry, FindPasswdEntry(passwd, "admin"));
  EXPECT_FALSE(entry.has_value());
}

TEST(AccountDatabaseTest, LineCountIsBounded) {
  const std::string passwd(kMaxAccountLines + 1, '\n');
  auto result = FindPasswdEntry(passwd, "admin");
  EXPECT_TRUE(result.status().IsFailedPrecondition());
  auto shadow = FindShadowEntry(passwd, "admin");
  EXPECT_TRUE(shadow.status().IsFailedPrecondition());
}

TEST(AccountDatabaseTest, EveryByteValueIsReadWithoutHarm) {
  std::string text;
  for (int i = 0; i < 4096; ++i) text += static_cast<char>((i * 37) & 0xFF);
  text += "\nadmin:x:7:7::/:/bin/sh\n";
  ASSERT_OK_AND_ASSIGN(auto entry, FindPasswdEntry(text, "admin"));
  ASSERT_TRUE(entry.has_value());
  EXPECT_EQ(entry->uid, 7);
  EXPECT_TRUE(FindShadowEntry(text, "nobody").status().IsNotFound());
}

}  // namespace
}  // namespace openlaps::agent
