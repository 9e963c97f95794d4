#include "protocol/wire_fields.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "protocol/json_reader.h"

namespace openlaps::protocol {
namespace {

TEST(WireFieldsTest, TableFollowsTheEnumAndEveryFieldHasALimit) {
  std::size_t index = 0;
  for (const DeviceFieldSpec& spec : DeviceFieldSpecs()) {
    EXPECT_EQ(static_cast<std::size_t>(spec.field), index++) << spec.path;
    EXPECT_EQ(&SpecOf(spec.field), &spec);
    EXPECT_GT(spec.max_bytes, 0u) << spec.path;
    EXPECT_FALSE(spec.key.empty());
  }
}

TEST(WireFieldsTest, EveryFieldIsAcceptedAtItsLimitAndRefusedPastIt) {
  for (const DeviceFieldSpec& spec : DeviceFieldSpecs()) {
    SCOPED_TRACE(spec.path);
    Status status;
    const nlohmann::json at_limit = {{spec.key, std::string(spec.max_bytes, 'a')}};
    JsonReader accepting(at_limit, "test", &status);
    EXPECT_EQ(accepting.String(spec.field, Need::kRequired).size(), spec.max_bytes);
    EXPECT_TRUE(status.ok()) << status.message();

    const nlohmann::json past = {{spec.key, std::string(spec.max_bytes + 1, 'a')}};
    JsonReader refusing(past, "test", &status);
    EXPECT_EQ(refusing.String(spec.field), "");
    ASSERT_TRUE(status.IsInvalidArgument());
    EXPECT_EQ(status.message(), "test: '" + std::string(spec.key) + "' is longer than " +
                                    std::to_string(spec.max_bytes) + " bytes");
  }
}

TEST(WireFieldsTest, FreeTextStatusesShareOneLimit) {
  for (DeviceField f :
       {DeviceField::kLapsState, DeviceField::kPolicyReportDetail, DeviceField::kActionError}) {
    EXPECT_EQ(SpecOf(f).max_bytes, kMaxStatusTextBytes) << SpecOf(f).path;
  }
}

TEST(WireFieldsTest, StatusTextUpToTheLimitIsSentAsItIs) {
  std::string text(kMaxStatusTextBytes, 'x');
  EXPECT_EQ(StatusText(text), text);
  EXPECT_EQ(StatusText("rotation failed: disk full"), "rotation failed: disk full");
}

TEST(WireFieldsTest, LongStatusTextIsCutToFitTheLimit) {
  std::string text(5000, 'x');
  EXPECT_EQ(StatusText(text).size(), kMaxStatusTextBytes);
}

TEST(WireFieldsTest, StatusTextIsNeverCutInsideACharacter) {
  // "é" is two bytes: the limit falls between them, so the whole character goes.
  std::string text(kMaxStatusTextBytes - 1, 'x');
  text += "\xc3\xa9 and more";
  EXPECT_EQ(StatusText(text), std::string(kMaxStatusTextBytes - 1, 'x'));
}

}  // namespace
}  // namespace openlaps::protocol
