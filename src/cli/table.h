// Output for people and spreadsheets: a table with aligned columns, the
// same rows as RFC 4180 CSV, and aligned "Label: value" blocks.
#ifndef OPENLAPS_CLI_TABLE_H_
#define OPENLAPS_CLI_TABLE_H_

#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace openlaps::cli {

class Table {
 public:
  explicit Table(std::vector<std::string> headers) : headers_(std::move(headers)) {}

  // Missing cells print empty; extra cells are dropped.
  void AddRow(std::vector<std::string> cells);
  bool empty() const { return rows_.empty(); }
  std::size_t size() const { return rows_.size(); }

  // Upper-case headers, columns two spaces apart, no trailing spaces.
  void Print(std::ostream& out) const;
  // Headers as given, every row, quoting cells that need it.
  void PrintCsv(std::ostream& out) const;

 private:
  std::vector<std::string> headers_;
  std::vector<std::vector<std::string>> rows_;
};

// Label/value lines with the values aligned after the longest label.
void PrintFields(std::ostream& out, const std::vector<std::pair<std::string, std::string>>& fields);

// A JSON value as a table cell: strings as they are, null or missing as
// "-", booleans as yes/no, anything else as compact JSON.
std::string Cell(const nlohmann::json& value);
std::string Cell(const nlohmann::json& object, std::string_view key);

// The width a terminal gives the text (UTF-8 code points).
std::size_t DisplayWidth(std::string_view text);

}  // namespace openlaps::cli

#endif  // OPENLAPS_CLI_TABLE_H_
