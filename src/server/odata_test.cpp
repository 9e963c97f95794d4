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

}  // namespace
}  // namespace openlaps::server
