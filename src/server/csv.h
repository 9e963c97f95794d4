// CSV as RFC 4180 writes it, for report exports: fields with a comma, quote,
// CR or LF are quoted with inner quotes doubled, lines end in CRLF. A field
// that a spreadsheet would run as a formula (starting with =, +, -, @, tab or
// CR) gets a leading apostrophe, because device names come from the devices
// themselves and an export is opened by an administrator.
#ifndef OPENLAPS_SERVER_CSV_H_
#define OPENLAPS_SERVER_CSV_H_

#include <string>
#include <string_view>
#include <vector>

#include "http/message.h"

namespace openlaps::server {

std::string CsvField(std::string_view value);
// The header line, then one line per row; every row has header.size() fields.
std::string CsvDocument(const std::vector<std::string>& header,
                        const std::vector<std::vector<std::string>>& rows);

// True when the caller asked for CSV: `$format=csv` or an Accept header
// naming text/csv.
bool WantsCsv(const http::Request& request);

// 200 text/csv with a download file name.
http::Response CsvResponse(std::string body, std::string_view file_name);

}  // namespace openlaps::server

#endif  // OPENLAPS_SERVER_CSV_H_
