#include "agent/device_client.h"

#include <gtest/gtest.h>

#include <string>

namespace openlaps::agent {
namespace {

TEST(DeviceClientTest, StatusTextUpToTheLimitIsSentAsItIs) {
  std::string text(DeviceClient::kMaxStatusTextBytes, 'x');
  EXPECT_EQ(DeviceClient::StatusText(text), text);
  EXPECT_EQ(DeviceClient::StatusText("rotation failed: disk full"), "rotation failed: disk full");
}

TEST(DeviceClientTest, LongStatusTextIsCutToFitLapsdsLimit) {
  std::string text(5000, 'x');
  EXPECT_EQ(DeviceClient::StatusText(text).size(), DeviceClient::kMaxStatusTextBytes);
}

TEST(DeviceClientTest, StatusTextIsNeverCutInsideACharacter) {
  // "é" is two bytes: the limit falls between them, so the whole character goes.
  std::string text(DeviceClient::kMaxStatusTextBytes - 1, 'x');
  text += "\xc3\xa9 and more";
  std::string cut = DeviceClient::StatusText(text);
  EXPECT_EQ(cut, std::string(DeviceClient::kMaxStatusTextBytes - 1, 'x'));
}

}  // namespace
}  // namespace openlaps::agent
