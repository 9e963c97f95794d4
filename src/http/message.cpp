#include "http/message.h"

#include <algorithm>
#include <cstddef>

namespace openlaps::http {
namespace {

char ToLowerAscii(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool IsUnreserved(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

// Decodes one URL component and refuses NUL bytes, which no path segment,
// parameter name or value of ours may contain (they would truncate C strings
// further down, e.g. in SQLite or log sinks).
std::optional<std::string> DecodeComponent(std::string_view text, bool plus_is_space) {
  std::optional<std::string> decoded = PercentDecode(text, plus_is_space);
  if (!decoded || decoded->find('\0') != std::string::npos) return std::nullopt;
  return decoded;
}

}  // namespace

bool CaseInsensitiveLess::operator()(std::string_view a, std::string_view b) const {
  return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return ToLowerAscii(x) < ToLowerAscii(y);
  });
}

std::optional<std::string> Request::QueryParam(std::string_view name) const {
  for (const auto& [key, value] : query) {
    if (key == name) return value;
  }
  return std::nullopt;
}

std::optional<std::string> Request::Header(std::string_view name) const {
  auto it = headers.find(name);
  if (it == headers.end()) return std::nullopt;
  return it->second;
}

std::optional<std::string> PercentDecode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '%') {
      if (i + 2 >= text.size()) return std::nullopt;
      int high = HexValue(text[i + 1]);
      int low = HexValue(text[i + 2]);
      if (high < 0 || low < 0) return std::nullopt;
      out.push_back(static_cast<char>(high * 16 + low));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string PercentEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (IsUnreserved(c)) {
      out.push_back(c);
      continue;
    }
    auto byte = static_cast<unsigned char>(c);
    out.push_back('%');
    out.push_back(kHex[byte >> 4]);
    out.push_back(kHex[byte & 0x0F]);
  }
  return out;
}

bool ParseTarget(std::string_view target, std::string* path,
                 std::vector<std::pair<std::string, std::string>>* query) {
  std::string_view raw_path = target;
  std::string_view raw_query;
  if (std::size_t mark = target.find('?'); mark != std::string_view::npos) {
    raw_path = target.substr(0, mark);
    raw_query = target.substr(mark + 1);
  }
  // Only origin-form ("/path?query") reaches our handlers.
  if (raw_path.empty() || raw_path.front() != '/') return false;
  std::optional<std::string> decoded_path = DecodeComponent(raw_path, /*plus_is_space=*/false);
  if (!decoded_path) return false;

  std::vector<std::pair<std::string, std::string>> params;
  while (!raw_query.empty()) {
    std::size_t amp = raw_query.find('&');
    std::string_view pair = raw_query.substr(0, amp);
    raw_query = amp == std::string_view::npos ? std::string_view() : raw_query.substr(amp + 1);
    if (pair.empty()) continue;  // "a=1&&b=2"
    std::size_t eq = pair.find('=');
    std::string_view raw_name = pair.substr(0, eq);
    std::string_view raw_value =
        eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
    std::optional<std::string> name = DecodeComponent(raw_name, /*plus_is_space=*/true);
    std::optional<std::string> value = DecodeComponent(raw_value, /*plus_is_space=*/true);
    if (!name || !value) return false;
    params.emplace_back(std::move(*name), std::move(*value));
  }
  *path = std::move(*decoded_path);
  *query = std::move(params);
  return true;
}

bool ClientWatch::gone() const {
  std::lock_guard<std::mutex> lock(mu_);
  return gone_;
}

void ClientWatch::OnGone(std::function<void()> on_gone) {
  std::unique_lock<std::mutex> lock(mu_);
  if (!gone_) {
    on_gone_ = std::move(on_gone);
    return;
  }
  lock.unlock();
  on_gone();
}

void ClientWatch::Forget() {
  std::function<void()> dropped;
  std::lock_guard<std::mutex> lock(mu_);
  dropped.swap(on_gone_);
}

void ClientWatch::MarkGone() {
  std::function<void()> callback;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (gone_) return;
    gone_ = true;
    callback.swap(on_gone_);
  }
  if (callback) callback();
}

}  // namespace openlaps::http
