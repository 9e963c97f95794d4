#include "core/bounded_json.h"

#include <gtest/gtest.h>

#include <string>

#include "testing/status_matchers.h"

namespace openlaps::core {
namespace {

std::string Nested(int levels, char open = '[', char close = ']') {
  return std::string(levels, open) + std::string(levels, close);
}

TEST(BoundedJsonTest, AcceptsNestingUpToTheLimit) {
  ASSERT_OK_AND_ASSIGN(nlohmann::json value, ParseBoundedJson(Nested(64)));
  EXPECT_TRUE(value.is_array());
}

TEST(BoundedJsonTest, RefusesNestingPastTheLimitWithoutParsing) {
  // 400k levels used to overflow the stack somewhere downstream.
  for (const std::string& text : {Nested(65), Nested(400000), std::string(400000, '[')}) {
    Result<nlohmann::json> r = ParseBoundedJson(text);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(r.status().message().find("deeper than 64"), std::string::npos);
  }
}

TEST(BoundedJsonTest, BracketsInsideStringsDoNotCount) {
  std::string text = "{\"a\": \"" + std::string(1000, '[') + "\\\"{{{\"}";
  ASSERT_OK_AND_ASSIGN(nlohmann::json value, ParseBoundedJson(text));
  EXPECT_EQ(value["a"].get<std::string>().size(), 1004u);
}

TEST(BoundedJsonTest, RefusesTextsLongerThanTheLimit) {
  std::string text = "\"" + std::string(100, 'x') + "\"";
  Result<nlohmann::json> r = ParseBoundedJson(text, {.max_bytes = 50, .max_depth = 4});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("longer than 50"), std::string::npos);
}

TEST(BoundedJsonTest, RefusesInvalidJson) {
  for (const char* text : {"", "{", "[1,]", "{\"a\" 1}", "\xff"}) {
    EXPECT_FALSE(ParseBoundedJson(text).ok()) << text;
  }
}

TEST(BoundedJsonTest, OrDiscardedReadsEveryFailureAsDiscarded) {
  EXPECT_TRUE(ParseBoundedJsonOrDiscarded("{").is_discarded());
  EXPECT_TRUE(
      ParseBoundedJsonOrDiscarded(std::string(100, '[') + std::string(100, ']')).is_discarded());
  EXPECT_TRUE(ParseBoundedJsonOrDiscarded("[1,2,3]", {.max_bytes = 4}).is_discarded());
  EXPECT_EQ(ParseBoundedJsonOrDiscarded(R"({"a":[1]})"), nlohmann::json({{"a", {1}}}));
}

}  // namespace
}  // namespace openlaps::core
