#include "server/device_fields.h"

#include <gtest/gtest.h>

#include "testing/status_matchers.h"

namespace openlaps::server {
namespace {

TEST(DeviceFieldsTest, TableFollowsTheEnumAndEveryFieldHasALimit) {
  std::size_t index = 0;
  for (const DeviceFieldSpec& spec : DeviceFieldSpecs()) {
    EXPECT_EQ(static_cast<std::size_t>(spec.field), index++) << spec.path;
    EXPECT_EQ(&SpecOf(spec.field), &spec);
    EXPECT_GT(spec.max_bytes, 0u) << spec.path;
    EXPECT_FALSE(spec.key.empty());
  }
}

TEST(DeviceFieldsTest, EveryFieldIsAcceptedAtItsLimitAndRefusedPastIt) {
  for (const DeviceFieldSpec& spec : DeviceFieldSpecs()) {
    SCOPED_TRACE(spec.path);
    const nlohmann::json at_limit = {{spec.key, std::string(spec.max_bytes, 'a')}};
    ASSERT_OK_AND_ASSIGN(std::string value, OptionalDeviceString(at_limit, spec.field));
    EXPECT_EQ(value.size(), spec.max_bytes);
    const nlohmann::json past = {{spec.key, std::string(spec.max_bytes + 1, 'a')}};
    Result<std::string> refused = RequiredDeviceString(past, spec.field);
    ASSERT_TRUE(refused.status().IsInvalidArgument());
    EXPECT_NE(refused.status().message().find(spec.path), std::string::npos);
  }
}

TEST(DeviceFieldsTest, NineHundredKilobyteOsVersionIsRefused) {
  const nlohmann::json body = {{"osVersion", std::string(900 * 1024, 'x')}};
  auto result = OptionalDeviceString(body, DeviceField::kOsVersion);
  ASSERT_TRUE(result.status().IsInvalidArgument());
  EXPECT_EQ(result.status().message(), "osVersion is longer than 128 bytes");
}

TEST(DeviceFieldsTest, AbsentNullAndWrongTypes) {
  ASSERT_OK_AND_ASSIGN(std::string absent,
                       OptionalDeviceString(nlohmann::json::object(), DeviceField::kOsVersion));
  EXPECT_EQ(absent, "");
  ASSERT_OK_AND_ASSIGN(std::string null_value,
                       OptionalDeviceString({{"osVersion", nullptr}}, DeviceField::kOsVersion));
  EXPECT_EQ(null_value, "");
  EXPECT_TRUE(OptionalDeviceString({{"osVersion", 7}}, DeviceField::kOsVersion)
                  .status()
                  .IsInvalidArgument());
  EXPECT_TRUE(RequiredDeviceString({{"deviceName", ""}}, DeviceField::kDeviceName)
                  .status()
                  .IsInvalidArgument());
}

TEST(DeviceFieldsTest, IntegersAreCheckedInsteadOfThrown) {
  ASSERT_OK_AND_ASSIGN(std::int64_t fallback,
                       OptionalDeviceInteger(nlohmann::json::object(), "version", 3));
  EXPECT_EQ(fallback, 3);
  ASSERT_OK_AND_ASSIGN(std::int64_t given, OptionalDeviceInteger({{"version", 5}}, "version", 3));
  EXPECT_EQ(given, 5);
  for (const nlohmann::json& bad : {nlohmann::json("5"), nlohmann::json(1.5),
                                    nlohmann::json::array(), nlohmann::json::object()}) {
    EXPECT_TRUE(
        OptionalDeviceInteger({{"version", bad}}, "version", 3).status().IsInvalidArgument())
        << bad.dump();
  }
}

}  // namespace
}  // namespace openlaps::server
