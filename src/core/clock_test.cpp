#include "core/clock.h"

#include <gtest/gtest.h>

#include <string>

namespace openlaps::core {
namespace {

using std::chrono::days;
using std::chrono::seconds;
using std::chrono::sys_days;
using namespace std::chrono_literals;

Timestamp At(std::chrono::year_month_day date, seconds time_of_day = seconds{0}) {
  return sys_days(date) + time_of_day;
}

TEST(FormatUtcTest, WritesGraphStyleIso8601) {
  EXPECT_EQ(FormatUtc(At(2026y / 3 / 11)), "2026-03-11T00:00:00Z");
  EXPECT_EQ(FormatUtc(At(2026y / 12 / 31, 23h + 59min + 59s)), "2026-12-31T23:59:59Z");
  EXPECT_EQ(FormatUtc(At(2024y / 2 / 29, 7h + 5min + 9s)), "2024-02-29T07:05:09Z");
  EXPECT_EQ(FormatUtc(Timestamp{}), "1970-01-01T00:00:00Z");
}

TEST(FormatUtcTest, HandlesTimesBeforeTheEpoch) {
  EXPECT_EQ(FormatUtc(Timestamp{} - seconds{1}), "1969-12-31T23:59:59Z");
}

TEST(ParseUtcTest, ParsesZulu) {
  EXPECT_EQ(ParseUtc("2026-03-11T00:00:00Z"), At(2026y / 3 / 11));
  EXPECT_EQ(ParseUtc("2026-03-05T13:45:30Z"), At(2026y / 3 / 5, 13h + 45min + 30s));
  EXPECT_EQ(ParseUtc("2026-03-05t13:45:30z"), At(2026y / 3 / 5, 13h + 45min + 30s));
}

TEST(ParseUtcTest, TruncatesFractionalSeconds) {
  EXPECT_EQ(ParseUtc("2026-03-11T10:00:05.1Z"), At(2026y / 3 / 11, 10h + 5s));
  EXPECT_EQ(ParseUtc("2026-03-11T10:00:05.999Z"), At(2026y / 3 / 11, 10h + 5s));
  // Graph writes seven fractional digits.
  EXPECT_EQ(ParseUtc("2026-03-11T10:00:05.1234567Z"), At(2026y / 3 / 11, 10h + 5s));
}

TEST(ParseUtcTest, AcceptsNumericOffsets) {
  EXPECT_EQ(ParseUtc("2026-03-11T00:00:00+00:00"), At(2026y / 3 / 11));
  EXPECT_EQ(ParseUtc("2026-03-11T00:00:00-00:00"), At(2026y / 3 / 11));
  EXPECT_EQ(ParseUtc("2026-03-11T00:00:00.250+00:00"), At(2026y / 3 / 11));
  // Other offsets are converted to UTC.
  EXPECT_EQ(ParseUtc("2026-03-11T02:30:00+02:30"), At(2026y / 3 / 11));
  EXPECT_EQ(ParseUtc("2026-03-10T19:00:00-05:00"), At(2026y / 3 / 11));
}

TEST(ParseUtcTest, RoundTripsWithFormat) {
  for (const Timestamp t : {At(2026y / 3 / 1), At(2026y / 3 / 15, 1h + 2min + 3s),
                            At(2000y / 2 / 29, 23h + 59min + 59s), At(1999y / 1 / 1)}) {
    EXPECT_EQ(ParseUtc(FormatUtc(t)), t) << FormatUtc(t);
  }
}

class ParseUtcRejectsTest : public ::testing::TestWithParam<std::string> {};

TEST_P(ParseUtcRejectsTest, ReturnsNullopt) { EXPECT_EQ(ParseUtc(GetParam()), std::nullopt); }

INSTANTIATE_TEST_SUITE_P(
    Garbage, ParseUtcRejectsTest,
    ::testing::Values("", "garbage", "2026-03-11", "2026-03-11T00:00:00",  // no zone
                      "2026-03-11 00:00:00Z", "2026-3-11T00:00:00Z", "26-03-11T00:00:00Z",
                      "2026-03-11T0:00:00Z", "2026-03-11T00:00Z", "2026-03-11T00:00:00ZZ",
                      "2026-03-11T00:00:00Z ", " 2026-03-11T00:00:00Z", "2026-03-11T00:00:00.Z",
                      "2026-03-11T00:00:00.12a", "2026-03-11T00:00:00+0000",
                      "2026-03-11T00:00:00+00", "2026-03-11T00:00:00+24:00",
                      "2026-03-11T00:00:00+00:60", "2026-13-01T00:00:00Z", "2026-00-10T00:00:00Z",
                      "2026-02-29T00:00:00Z",  // not a leap year
                      "2026-04-31T00:00:00Z", "2026-03-00T00:00:00Z", "2026-03-11T24:00:00Z",
                      "2026-03-11T23:60:00Z", "2026-03-11T23:59:60Z", "2026-03-11T-1:00:00Z",
                      "+026-03-11T00:00:00Z", std::string("2026-03-11T00:00:00Z\0", 21)));

TEST(ManualClockTest, SetsAndAdvances) {
  ManualClock clock(At(2026y / 3 / 1));
  EXPECT_EQ(clock.Now(), At(2026y / 3 / 1));
  clock.Advance(days{10});
  EXPECT_EQ(FormatUtc(clock.Now()), "2026-03-11T00:00:00Z");
  clock.Set(At(2026y / 3 / 5));
  EXPECT_EQ(FormatUtc(clock.Now()), "2026-03-05T00:00:00Z");
}

}  // namespace
}  // namespace openlaps::core
