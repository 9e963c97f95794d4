#include "server/csv.h"

namespace openlaps::server {

std::string CsvField(std::string_view value) {
  std::string text;
  if (!value.empty() &&
      std::string_view("=+-@\t\r").find(value.front()) != std::string_view::npos) {
    text = "'";
  }
  text += value;
  if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
  std::string quoted = "\"";
  for (char c : text) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  quoted += '"';
  return quoted;
}

namespace {
void AppendLine(std::string& out, const std::vector<std::string>& fields) {
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) out += ',';
    out += CsvField(fields[i]);
  }
  out += "\r\n";
}
}  // namespace

std::string CsvDocument(const std::vector<std::string>& header,
                        const std::vector<std::vector<std::string>>& rows) {
  std::string out;
  AppendLine(out, header);
  for (const auto& row : rows) AppendLine(out, row);
  return out;
}

bool WantsCsv(const http::Request& request) {
  if (auto format = request.QueryParam("$format")) return *format == "csv";
  auto accept = request.Header("Accept");
  return accept && accept->find("text/csv") != std::string::npos;
}

http::Response CsvResponse(std::string body, std::string_view file_name) {
  http::Response response;
  response.status = 200;
  response.headers["Content-Type"] = "text/csv; charset=utf-8";
  response.headers["Content-Disposition"] =
      "attachment; filename=\"" + std::string(file_name) + "\"";
  response.headers["Cache-Control"] = "no-store";
  response.body = std::move(body);
  return response;
}

}  // namespace openlaps::server
