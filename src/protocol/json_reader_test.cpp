#include "protocol/json_reader.h"

#include <gtest/gtest.h>

#include <functional>
#include <vector>

namespace openlaps::protocol {
namespace {

TEST(JsonReaderTest, AbsentAndNullReadAsTheFallback) {
  Status status;
  const nlohmann::json body = {{"osVersion", nullptr}};
  JsonReader r(body, "test", &status);
  EXPECT_EQ(r.String(DeviceField::kOsVersion), "");
  EXPECT_EQ(r.Integer("version", 3), 3);
  EXPECT_FALSE(r.Boolean("woken"));
  EXPECT_FALSE(r.Time("lastRotation"));
  EXPECT_EQ(r.Object("managedAccount"), nullptr);
  EXPECT_EQ(r.Array("policyReports"), nullptr);
  EXPECT_TRUE(status.ok());
}

TEST(JsonReaderTest, WrongTypesAreRefusedNamingTheMember) {
  struct Case {
    nlohmann::json body;
    std::function<void(JsonReader&)> read;
    std::string message;
  };
  const std::vector<Case> cases = {
      {{{"osVersion", 7}},
       [](JsonReader& r) { r.String(DeviceField::kOsVersion); },
       "test: 'osVersion' must be a string"},
      {{{"version", "5"}},
       [](JsonReader& r) { r.Integer("version"); },
       "test: 'version' must be an integer"},
      {{{"version", 1.5}},
       [](JsonReader& r) { r.Integer("version"); },
       "test: 'version' must be an integer"},
      {{{"woken", "yes"}},
       [](JsonReader& r) { r.Boolean("woken"); },
       "test: 'woken' must be true or false"},
      {{{"lastRotation", "yesterday"}},
       [](JsonReader& r) { r.Time("lastRotation"); },
       "test: 'lastRotation' must be a UTC time (2024-05-01T10:00:00Z)"},
      {{{"managedAccount", "root"}},
       [](JsonReader& r) { r.Object("managedAccount"); },
       "test: 'managedAccount' must be an object"},
      {{{"policyReports", "none"}},
       [](JsonReader& r) { r.Array("policyReports"); },
       "test: 'policyReports' must be an array"},
      {{{"policyReports", {1, 2, 3}}},
       [](JsonReader& r) { r.Array("policyReports", 2); },
       "test: 'policyReports' has more than 2 entries"},
      {nlohmann::json::object(),
       [](JsonReader& r) { r.String(DeviceField::kDeviceName, Need::kRequired); },
       "test: 'deviceName' is required"},
      {{{"deviceName", ""}},
       [](JsonReader& r) { r.String(DeviceField::kDeviceName, Need::kRequired); },
       "test: 'deviceName' is required"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.body.dump());
    Status status;
    JsonReader r(c.body, "test", &status);
    c.read(r);
    ASSERT_TRUE(status.IsInvalidArgument());
    EXPECT_EQ(status.message(), c.message);
  }
}

TEST(JsonReaderTest, TheFirstErrorWinsAndNestedPathsAreNamed) {
  Status status;
  const nlohmann::json body =
      nlohmann::json::parse(R"({"list": [{"state": "ok"}, {"state": 4}], "version": "x"})");
  JsonReader r(body, "test", &status);
  const nlohmann::json* list = r.Array("list");
  ASSERT_NE(list, nullptr);
  for (std::size_t i = 0; i < list->size(); ++i) r.Element("list", i, (*list)[i]).String("state");
  r.Integer("version");
  EXPECT_EQ(status.message(), "test: 'list[1].state' must be a string");
}

TEST(JsonReaderTest, ANonObjectIsRefused) {
  Status status;
  JsonReader r(nlohmann::json::array(), "test", &status);
  EXPECT_EQ(r.String(DeviceField::kOsVersion), "");
  EXPECT_EQ(status.message(), "test: the body must be a JSON object");
}

}  // namespace
}  // namespace openlaps::protocol
