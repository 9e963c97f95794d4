#include "agent/active_directory/windows_laps_attributes.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "agent/active_directory/directory_connection.h"
#include "testing/status_matchers.h"

namespace openlaps::agent::ad {
namespace {

core::Timestamp At(std::int64_t unix_seconds) {
  return core::Timestamp(std::chrono::seconds(unix_seconds));
}

TEST(WindowsLapsAttributesTest, FileTimeIsHundredNanosecondsSince1601) {
  EXPECT_EQ(ToFileTime(At(0)), 116444736000000000);
  // 2023-06-01T00:00:00Z, as PowerShell's (Get-Date ...).ToFileTimeUtc() gives it.
  EXPECT_EQ(ToFileTime(At(1685577600)), 133300512000000000);
  EXPECT_EQ(FromFileTime(133300512000000000), At(1685577600));
  EXPECT_EQ(FormatExpiration(At(1685577600)), "133300512000000000");
}

TEST(WindowsLapsAttributesTest, ExpirationParsesOnlyDecimalFileTimes) {
  ASSERT_OK_AND_ASSIGN(core::Timestamp t, ParseExpiration("133300512000000000"));
  EXPECT_EQ(t, At(1685577600));
  for (std::string_view bad :
       {"", "-1", "12x", "0x1d9", " 133300512000000000", "99999999999999999999999"}) {
    EXPECT_TRUE(ParseExpiration(bad).status().IsInvalidArgument()) << bad;
  }
}

TEST(WindowsLapsAttributesTest, PasswordDocumentIsWindowsLapsJson) {
  const core::SecretString password(std::string("a\"b\\c\x01z", 7));
  const core::SecretString document = PasswordDocument("Administrator", At(1685577600), password);
  const auto json = nlohmann::json::parse(document.Reveal());
  EXPECT_EQ(json.size(), 3u);
  EXPECT_EQ(json.at("n"), "Administrator");
  EXPECT_EQ(json.at("t"), "1d9941c02234000") << "FILETIME in lowercase hex";
  EXPECT_EQ(json.at("p"), std::string("a\"b\\c\x01z", 7));
}

TEST(WindowsLapsAttributesTest, PasswordVersionIsAStableVersion4GuidPerRotation) {
  const PasswordVersion a = PasswordVersionFor("rotation-a");
  EXPECT_EQ(a, PasswordVersionFor("rotation-a")) << "a rolled-forward rotation writes the same";
  EXPECT_NE(a, PasswordVersionFor("rotation-b"));
  EXPECT_EQ(a[7] >> 4, 4) << "version nibble (Data3, little-endian)";
  EXPECT_EQ(a[8] >> 6, 2) << "RFC 4122 variant";
}

TEST(DirectoryConnectionTest, FilterValuesAreEscaped) {
  EXPECT_EQ(EscapeFilterValue("LINUX01$"), "LINUX01$");
  EXPECT_EQ(EscapeFilterValue("a*(b)\\c"), "a\\2a\\28b\\29\\5cc");
  EXPECT_EQ(EscapeFilterValue(std::string_view("x\0y", 3)), "x\\00y");
}

}  // namespace
}  // namespace openlaps::agent::ad
