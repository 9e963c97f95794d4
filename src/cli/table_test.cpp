#include "cli/table.h"

#include <gtest/gtest.h>

#include <sstream>

namespace openlaps::cli {
namespace {

TEST(TableTest, AlignsColumnsWithoutTrailingSpaces) {
  Table table({"Name", "State"});
  table.AddRow({"lab-01", "done"});
  table.AddRow({"a", ""});
  std::ostringstream out;
  table.Print(out);
  EXPECT_EQ(out.str(), "NAME    STATE\nlab-01  done\na\n");
}

TEST(TableTest, CountsCodePointsNotBytes) {
  Table table({"Name", "X"});
  table.AddRow({"héllo", "1"});
  std::ostringstream out;
  table.Print(out);
  EXPECT_EQ(out.str(), "NAME   X\nhéllo  1\n");
}

TEST(TableTest, CsvQuotesWhatNeedsIt) {
  Table table({"device", "detail"});
  table.AddRow({"lab-01", "says \"hi\", twice"});
  table.AddRow({"lab-02", "plain"});
  std::ostringstream out;
  table.PrintCsv(out);
  EXPECT_EQ(out.str(), "device,detail\r\nlab-01,\"says \"\"hi\"\", twice\"\r\nlab-02,plain\r\n");
}

TEST(TableTest, ControlCharactersFromTheServerAreNeutralised) {
  Table table({"Name"});
  table.AddRow({"evil\x1b[2Jname\n"});
  std::ostringstream out;
  table.Print(out);
  EXPECT_EQ(out.str(), "NAME\nevil?[2Jname?\n");
}

TEST(TableTest, CellsReadJson) {
  nlohmann::json object = {{"s", "text"}, {"n", 3}, {"b", true}, {"z", nullptr}, {"e", ""}};
  EXPECT_EQ(Cell(object, "s"), "text");
  EXPECT_EQ(Cell(object, "n"), "3");
  EXPECT_EQ(Cell(object, "b"), "yes");
  EXPECT_EQ(Cell(object, "z"), "-");
  EXPECT_EQ(Cell(object, "e"), "-");
  EXPECT_EQ(Cell(object, "missing"), "-");
}

TEST(TableTest, FieldsAlignValues) {
  std::ostringstream out;
  PrintFields(out, {{"Name", "lab-01"}, {"Next rotation", "2026-01-01T00:00:00Z"}});
  EXPECT_EQ(out.str(), "Name:          lab-01\nNext rotation: 2026-01-01T00:00:00Z\n");
}

}  // namespace
}  // namespace openlaps::cli
