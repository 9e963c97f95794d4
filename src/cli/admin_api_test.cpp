#include "cli/admin_api.h"

#include <gtest/gtest.h>

namespace openlaps::cli {
namespace {

TEST(AdminApiTest, NormalizesServerUrls) {
  EXPECT_EQ(NormalizeServerUrl("http://127.0.0.1:8080/"), "http://127.0.0.1:8080");
  EXPECT_EQ(NormalizeServerUrl("https://lapsd.example"), "https://lapsd.example");
  EXPECT_EQ(NormalizeServerUrl("lapsd.example"), std::nullopt);
  EXPECT_EQ(NormalizeServerUrl("ftp://lapsd.example"), std::nullopt);
  EXPECT_EQ(NormalizeServerUrl("http://h/path"), std::nullopt);
  EXPECT_EQ(NormalizeServerUrl("http://user@h"), std::nullopt);
  EXPECT_EQ(NormalizeServerUrl("http://"), std::nullopt);
}

TEST(AdminApiTest, QuotesODataStringsAndBuildsQueries) {
  EXPECT_EQ(ODataString("it's"), "'it''s'");
  EXPECT_EQ(QueryString({}), "");
  EXPECT_EQ(QueryString({{"$filter", "deviceName eq 'a b'"}, {"$top", ""}, {"x", "1"}}),
            "?%24filter=deviceName%20eq%20%27a%20b%27&x=1");
}

TEST(AdminApiTest, ConnectRefusesBadUrls) {
  auto api = AdminApi::Connect("not a url", "");
  EXPECT_TRUE(api.status().IsInvalidArgument());
}

}  // namespace
}  // namespace openlaps::cli
