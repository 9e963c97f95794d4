#include "server/csv.h"

#include <gtest/gtest.h>

namespace openlaps::server {
namespace {

TEST(CsvTest, QuotesOnlyWhatNeedsQuoting) {
  struct Case {
    std::string in;
    std::string out;
  };
  const Case cases[] = {
      {"plain", "plain"},
      {"", ""},
      {"a,b", "\"a,b\""},
      {"say \"hi\"", "\"say \"\"hi\"\"\""},
      {"two\nlines", "\"two\nlines\""},
      {"cr\rhere", "\"cr\rhere\""},
      {"2026-11-25T10:00:00Z", "2026-11-25T10:00:00Z"},
  };
  for (const Case& c : cases) EXPECT_EQ(CsvField(c.in), c.out) << c.in;
}

TEST(CsvTest, DefusesSpreadsheetFormulas) {
  EXPECT_EQ(CsvField("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
  EXPECT_EQ(CsvField("+1"), "'+1");
  EXPECT_EQ(CsvField("-1"), "'-1");
  EXPECT_EQ(CsvField("@SUM(A1)"), "'@SUM(A1)");
  EXPECT_EQ(CsvField("a=b"), "a=b");
}

TEST(CsvTest, DocumentHasHeaderAndCrlfLines) {
  EXPECT_EQ(CsvDocument({"device", "state"}, {{"pc,1", "ok"}, {"pc2", ""}}),
            "device,state\r\n\"pc,1\",ok\r\npc2,\r\n");
}

TEST(CsvTest, WantsCsvFromFormatOrAccept) {
  http::Request request;
  EXPECT_FALSE(WantsCsv(request));
  request.query = {{"$format", "csv"}};
  EXPECT_TRUE(WantsCsv(request));
  request.query = {{"$format", "json"}};
  request.headers["Accept"] = "text/csv";
  EXPECT_FALSE(WantsCsv(request)) << "an explicit $format wins";
  request.query.clear();
  EXPECT_TRUE(WantsCsv(request));
  request.headers["Accept"] = "application/json";
  EXPECT_FALSE(WantsCsv(request));
}

}  // namespace
}  // namespace openlaps::server
