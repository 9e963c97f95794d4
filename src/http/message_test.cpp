#include "http/message.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace openlaps::http {
namespace {

using Query = std::vector<std::pair<std::string, std::string>>;

TEST(CaseInsensitiveLessTest, HeadersFindAnyCase) {
  Headers headers{{"Content-Type", "application/json"}};
  EXPECT_EQ(headers.count("content-type"), 1u);
  EXPECT_EQ(headers.count("CONTENT-TYPE"), 1u);
  EXPECT_EQ(headers.count("Content-Length"), 0u);
  CaseInsensitiveLess less;
  EXPECT_TRUE(less("a", "B"));
  EXPECT_TRUE(less("A", "b"));
  EXPECT_FALSE(less("ab", "AB"));
  EXPECT_TRUE(less("ab", "abc"));
}

TEST(RequestTest, QueryParamReturnsFirstMatch) {
  Request request;
  request.query = {{"$top", "5"}, {"filter", "a"}, {"filter", "b"}, {"empty", ""}};
  EXPECT_EQ(request.QueryParam("filter"), "a");
  EXPECT_EQ(request.QueryParam("$top"), "5");
  EXPECT_EQ(request.QueryParam("empty"), "");
  EXPECT_EQ(request.QueryParam("missing"), std::nullopt);
  EXPECT_EQ(request.QueryParam("FILTER"), std::nullopt);  // names are case-sensitive
}

TEST(RequestTest, HeaderIsCaseInsensitive) {
  Request request;
  request.headers["Authorization"] = "Bearer x";
  EXPECT_EQ(request.Header("authorization"), "Bearer x");
  EXPECT_EQ(request.Header("X-Missing"), std::nullopt);
}

struct DecodeCase {
  std::string input;
  bool plus_is_space;
  std::optional<std::string> expected;
};

class PercentDecodeTest : public ::testing::TestWithParam<DecodeCase> {};

TEST_P(PercentDecodeTest, Decodes) {
  const DecodeCase& c = GetParam();
  EXPECT_EQ(PercentDecode(c.input, c.plus_is_space), c.expected) << c.input;
}

INSTANTIATE_TEST_SUITE_P(
    Cases, PercentDecodeTest,
    ::testing::Values(DecodeCase{"", false, ""}, DecodeCase{"plain", false, "plain"},
                      DecodeCase{"/a%20b", false, "/a b"}, DecodeCase{"%2f%2F", false, "//"},
                      DecodeCase{"a+b", false, "a+b"}, DecodeCase{"a+b", true, "a b"},
                      DecodeCase{"%2B", true, "+"}, DecodeCase{"%C3%A9", false, "\xC3\xA9"},
                      DecodeCase{"%00", false, std::string(1, '\0')},
                      DecodeCase{"%", false, std::nullopt}, DecodeCase{"%2", false, std::nullopt},
                      DecodeCase{"abc%", false, std::nullopt},
                      DecodeCase{"%zz", false, std::nullopt},
                      DecodeCase{"%g0", false, std::nullopt}));

TEST(PercentEncodeTest, KeepsUnreservedAndEscapesTheRest) {
  EXPECT_EQ(PercentEncode("AZaz09-._~"), "AZaz09-._~");
  EXPECT_EQ(PercentEncode("a b+c/d?e&f=g"), "a%20b%2Bc%2Fd%3Fe%26f%3Dg");
  EXPECT_EQ(PercentEncode("\xC3\xA9"), "%C3%A9");
  EXPECT_EQ(PercentEncode(std::string(1, '\0')), "%00");
}

TEST(PercentEncodeTest, RoundTrips) {
  std::string all;
  for (int c = 0; c < 256; ++c) all.push_back(static_cast<char>(c));
  EXPECT_EQ(PercentDecode(PercentEncode(all), true), all);
  EXPECT_EQ(PercentDecode(PercentEncode(all), false), all);
}

struct TargetCase {
  std::string target;
  bool ok;
  std::string path;
  Query query;
};

class ParseTargetTest : public ::testing::TestWithParam<TargetCase> {};

TEST_P(ParseTargetTest, Parses) {
  const TargetCase& c = GetParam();
  std::string path = "untouched";
  Query query;
  ASSERT_EQ(ParseTarget(c.target, &path, &query), c.ok) << c.target;
  if (!c.ok) return;
  EXPECT_EQ(path, c.path);
  EXPECT_EQ(query, c.query);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ParseTargetTest,
    ::testing::Values(
        TargetCase{"/", true, "/", {}}, TargetCase{"/v1.0/devices", true, "/v1.0/devices", {}},
        TargetCase{"/v1.0/devices?$top=5", true, "/v1.0/devices", {{"$top", "5"}}},
        TargetCase{"/a%20b+c", true, "/a b+c", {}},  // '+' is literal in paths
        TargetCase{"/s?q=a+b%2Bc", true, "/s", {{"q", "a b+c"}}},
        TargetCase{"/s?a=1&b=2&a=3", true, "/s", {{"a", "1"}, {"b", "2"}, {"a", "3"}}},
        TargetCase{"/s?flag&x=", true, "/s", {{"flag", ""}, {"x", ""}}},
        TargetCase{"/s?&&a=1&", true, "/s", {{"a", "1"}}}, TargetCase{"/s?", true, "/s", {}},
        TargetCase{"/s?a=b=c", true, "/s", {{"a", "b=c"}}},
        TargetCase{"/s?%24filter=name%20eq%20%27x%27", true, "/s", {{"$filter", "name eq 'x'"}}},
        TargetCase{"/s?q=a?b", true, "/s", {{"q", "a?b"}}}, TargetCase{"", false, "", {}},  //
        TargetCase{"devices", false, "", {}},           // not origin-form
        TargetCase{"http://h/devices", false, "", {}},  // absolute-form
        TargetCase{"/a%zz", false, "", {}},             // malformed escape in path
        TargetCase{"/a%2", false, "", {}},              // truncated escape
        TargetCase{"/a%00b", false, "", {}},            // NUL in path
        TargetCase{"/s?q=%0", false, "", {}},           // malformed escape in value
        TargetCase{"/s?%zz=1", false, "", {}},          // malformed escape in name
        TargetCase{"/s?q=a%00", false, "", {}},         // NUL in value
        TargetCase{"/s?q%00=1", false, "", {}}));       // NUL in name

}  // namespace
}  // namespace openlaps::http
