#include "server/odata.h"

#include <gtest/gtest.h>

#include "testing/status_matchers.h"

namespace openlaps::server {
namespace {

const std::set<std::string> kFields = {"deviceName", "osVersion", "count", "isOnline"};

struct FilterCase {
  std::string filter;
  bool expected;
};

class FilterTest : public ::testing::TestWithParam<FilterCase> {};

TEST_P(FilterTest, Evaluates) {
  nlohmann::json device = {
      {"deviceName", "LAB-01"}, {"osVersion", "12"}, {"count", 5}, {"isOnline", true}};
  auto result = EvaluateFilter(GetParam().filter, device, kFields);
  ASSERT_OK(result);
  EXPECT_EQ(*result, GetParam().expected) << GetParam().filter;
}

INSTANTIATE_TEST_SUITE_P(
    Cases, FilterTest,
    ::testing::Values(FilterCase{"deviceName eq 'lab-01'", true},
                      FilterCase{"deviceName ne 'lab-01'", false},
                      FilterCase{"startswith(deviceName,'lab')", true},
                      FilterCase{"startswith(deviceName, 'hr')", false},
                      FilterCase{"count gt 4 and count lt 6", true},
                      FilterCase{"count ge 6 or isOnline eq true", true},
                      FilterCase{"not (isOnline eq true)", false},
                      FilterCase{"(count eq 1 or count eq 5) and osVersion eq '12'", true},
                      FilterCase{"deviceName eq 'it''s'", false}));

TEST(FilterTest, RejectsUnknownFieldsAndSyntax) {
  nlohmann::json device = {{"deviceName", "x"}};
  for (const char* bad :
       {"serial eq 'x'", "deviceName eq", "deviceName like 'x'", "(deviceName eq 'x'",
        "deviceName eq 'x' junk", "startswith(deviceName 'x')"}) {
    auto result = EvaluateFilter(bad, device, kFields);
    EXPECT_TRUE(result.status().IsInvalidArgument()) << bad;
  }
}

http::Request RequestWith(std::vector<std::pair<std::string, std::string>> query) {
  http::Request r;
  r.method = "GET";
  r.path = "/v1.0/things";
  r.query = std::move(query);
  return r;
}

std::vector<nlohmann::json> Items(int n) {
  std::vector<nlohmann::json> items;
  for (int i = 0; i < n; ++i) {
    items.push_back({{"deviceName", "dev-" + std::to_string(100 + i)}, {"count", i % 3}});
  }
  return items;
}

TEST(ODataQueryTest, PagesWithNextLinkUntilTheEnd) {
  ODataOptions options{kFields, 4, 10};
  std::vector<std::string> seen;
  std::vector<std::pair<std::string, std::string>> query = {{"$count", "true"}};
  for (int page = 0; page < 10; ++page) {
    auto body = ApplyODataQuery(RequestWith(query), "http://h", Items(10), options);
    ASSERT_OK(body);
    EXPECT_EQ((*body)["@odata.count"], 10);
    for (const auto& item : (*body)["value"]) seen.push_back(item["deviceName"]);
    if (!body->contains("@odata.nextLink")) break;
    std::string link = (*body)["@odata.nextLink"];
    auto pos = link.find("$skiptoken=");
    ASSERT_NE(pos, std::string::npos);
    query = {{"$count", "true"}, {"$skiptoken", link.substr(pos + 11)}};
  }
  ASSERT_EQ(seen.size(), 10u);
  EXPECT_EQ(seen.front(), "dev-100");
  EXPECT_EQ(seen.back(), "dev-109");
}

TEST(ODataQueryTest, FiltersOrdersSelectsAndTops) {
  ODataOptions options{kFields, 100, 1000};
  auto body = ApplyODataQuery(RequestWith({{"$filter", "count eq 1"},
                                           {"$orderby", "deviceName desc"},
                                           {"$select", "deviceName"},
                                           {"$top", "2"}}),
                              "http://h", Items(10), options);
  ASSERT_OK(body);
  ASSERT_EQ((*body)["value"].size(), 2u);
  EXPECT_EQ((*body)["value"][0], nlohmann::json({{"deviceName", "dev-107"}}));
  EXPECT_EQ((*body)["value"][1], nlohmann::json({{"deviceName", "dev-104"}}));
  EXPECT_TRUE(body->contains("@odata.nextLink"));
}

TEST(ODataQueryTest, RejectsBadOptions) {
  ODataOptions options{kFields, 100, 1000};
  for (auto query : std::vector<std::vector<std::pair<std::string, std::string>>>{
           {{"$top", "-1"}},
           {{"$top", "x"}},
           {{"$orderby", "serial"}},
           {{"$orderby", "deviceName up"}},
           {{"$expand", "x"}},
           {{"$skiptoken", "abc"}}}) {
    auto body = ApplyODataQuery(RequestWith(query), "http://h", Items(3), options);
    EXPECT_TRUE(body.status().IsInvalidArgument()) << query[0].first << "=" << query[0].second;
  }
}

std::string Repeat(std::string_view piece, int times) {
  std::string out;
  for (int i = 0; i < times; ++i) out += piece;
  return out;
}

TEST(FilterBoundsTest, NestingIsBoundedAtTheLimit) {
  const nlohmann::json device = {{"count", 1}};
  const std::string at_limit =
      Repeat("(", kMaxFilterDepth) + "count eq 1" + Repeat(")", kMaxFilterDepth);
  EXPECT_OK(EvaluateFilter(at_limit, device, kFields));
  const std::string past_limit =
      Repeat("(", kMaxFilterDepth + 1) + "count eq 1" + Repeat(")", kMaxFilterDepth + 1);
  auto result = EvaluateFilter(past_limit, device, kFields);
  EXPECT_TRUE(result.status().IsInvalidArgument());
  EXPECT_NE(result.status().message().find("deeper"), std::string::npos);
}

TEST(FilterBoundsTest, NotChainsCountAsNesting) {
  const nlohmann::json device = {{"count", 1}};
  EXPECT_OK(EvaluateFilter(Repeat("not ", kMaxFilterDepth) + "count eq 1", device, kFields));
  EXPECT_TRUE(EvaluateFilter(Repeat("not ", kMaxFilterDepth + 1) + "count eq 1", device, kFields)
                  .status()
                  .IsInvalidArgument());
}

TEST(FilterBoundsTest, ElevenThousandParenthesesAreRefusedNotRecursedInto) {
  auto result = EvaluateFilter(Repeat("(", 11000), {{"count", 1}}, kFields);
  EXPECT_TRUE(result.status().IsInvalidArgument());
}

TEST(FilterBoundsTest, TermCountIsBounded) {
  const nlohmann::json device = {{"count", 1}};
  std::string at_limit = "count eq 1";
  for (int i = 1; i < kMaxFilterTerms; ++i) at_limit += " or count eq 1";
  ASSERT_LE(at_limit.size(), kMaxFilterLength);
  EXPECT_OK(EvaluateFilter(at_limit, device, kFields));
  auto result = EvaluateFilter(at_limit + " or count eq 1", device, kFields);
  EXPECT_TRUE(result.status().IsInvalidArgument());
  EXPECT_NE(result.status().message().find("terms"), std::string::npos);
}

TEST(FilterBoundsTest, LengthIsBounded) {
  const std::string long_literal = "deviceName eq '" + std::string(kMaxFilterLength, 'a') + "'";
  auto result = EvaluateFilter(long_literal, {{"deviceName", "a"}}, kFields);
  EXPECT_TRUE(result.status().IsInvalidArgument());
  EXPECT_NE(result.status().message().find("longer"), std::string::npos);
}

TEST(ODataBoundsTest, OrderByAndSelectAreBounded) {
  ODataOptions options{kFields, 100, 1000};
  const std::string many_keys = Repeat("deviceName,", kMaxOrderByKeys) + "deviceName";
  const std::string many_fields = Repeat("deviceName,", kMaxSelectFields) + "deviceName";
  for (auto query : std::vector<std::vector<std::pair<std::string, std::string>>>{
           {{"$orderby", many_keys}},
           {{"$orderby", std::string(kMaxOrderByLength + 1, ' ') + "deviceName"}},
           {{"$select", many_fields}},
           {{"$select", std::string(kMaxSelectLength + 1, 'x')}}}) {
    auto body = ApplyODataQuery(RequestWith(query), "http://h", Items(3), options);
    EXPECT_TRUE(body.status().IsInvalidArgument()) << query[0].first;
  }
  EXPECT_TRUE(ApplySelect(RequestWith({{"$select", many_fields}}), {{"deviceName", "x"}})
                  .status()
                  .IsInvalidArgument());
}

TEST(ODataBoundsTest, SkipTokenNearInt64MaxGivesAnEmptyLastPage) {
  ODataOptions options{kFields, 4, 10};
  for (const std::string token : {"9223372036854775807", "9223372036854775800", "10", "11"}) {
    auto body = ApplyODataQuery(RequestWith({{"$skiptoken", token}, {"$top", "10"}}), "http://h",
                                Items(10), options);
    ASSERT_OK(body);
    EXPECT_TRUE((*body)["value"].empty()) << token;
    EXPECT_FALSE(body->contains("@odata.nextLink")) << token;
  }
  // One past INT64_MAX is not a number we accept.
  EXPECT_TRUE(ApplyODataQuery(RequestWith({{"$skiptoken", "9223372036854775808"}}), "http://h",
                              Items(10), options)
                  .status()
                  .IsInvalidArgument());
}

}  // namespace
}  // namespace openlaps::server
