#include "agent/platform/linux/account_database.h"

#include <charconv>
#include <string>

namespace openlaps::agent {
namespace {

std::optional<std::int64_t> ParseUid(std::string_view text) {
  std::int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < 0) return std::nullopt;
  return value;
}

// Calls `visit(offset, line)` for each line of `text` (without its '\n'; a
// last line without one is kept) until it returns true. FailedPrecondition
// when the text is over its size or line-count bound.
template <class Visit>
Status ForEachLine(std::string_view text, Visit visit) {
  if (text.size() > kMaxAccountFileBytes) {
    return FailedPreconditionError("account database is longer than " +
                                   std::to_string(kMaxAccountFileBytes) + " bytes");
  }
  std::size_t offset = 0;
  std::size_t count = 0;
  while (offset < text.size()) {
    if (++count > kMaxAccountLines) {
      return FailedPreconditionError("account database has more than " +
                                     std::to_string(kMaxAccountLines) + " lines");
    }
    std::size_t nl = text.find('\n', offset);
    std::size_t end = nl == std::string_view::npos ? text.size() : nl;
    if (visit(offset, text.substr(offset, end - offset))) return Status::Ok();
    offset = end + 1;
  }
  return Status::Ok();
}

}  // namespace

std::optional<std::vector<std::string_view>> SplitAccountFields(std::string_view line) {
  if (line.size() > kMaxAccountLineBytes) return std::nullopt;
  std::vector<std::string_view> fields;
  std::size_t start = 0;
  for (;;) {
    if (fields.size() == kMaxAccountFields) return std::nullopt;
    std::size_t colon = line.find(':', start);
    if (colon == std::string_view::npos) {
      fields.push_back(line.substr(start));
      return fields;
    }
    fields.push_back(line.substr(start, colon - start));
    start = colon + 1;
  }
}

Result<std::optional<PasswdEntry>> FindPasswdEntry(std::string_view passwd, std::string_view name) {
  std::optional<PasswdEntry> found;
  Status status = ForEachLine(passwd, [&](std::size_t, std::string_view line) {
    auto fields = SplitAccountFields(line);
    if (!fields || fields->size() < 3 || (*fields)[0].empty() || (*fields)[0][0] == '+' ||
        (*fields)[0][0] == '-') {
      return false;  // malformed or an NIS include
    }
    std::optional<std::int64_t> uid = ParseUid((*fields)[2]);
    if (!uid) return false;
    if (name.empty() ? *uid == 0 : (*fields)[0] == name) {
      found = PasswdEntry{(*fields)[0], *uid};
      return true;
    }
    return false;
  });
  if (!status.ok()) return status;
  return found;
}

Result<ShadowEntry> FindShadowEntry(std::string_view shadow, std::string_view name) {
  ShadowEntry found;
  Status status = ForEachLine(shadow, [&](std::size_t offset, std::string_view line) {
    auto fields = SplitAccountFields(line);
    if (!fields || fields->size() < 3 || (*fields)[0] != name) return false;
    found = ShadowEntry{offset, line, std::move(*fields)};
    return true;
  });
  if (!status.ok()) return status;
  if (found.fields.empty()) return NotFoundError("no shadow entry for the account");
  return found;
}

}  // namespace openlaps::agent
