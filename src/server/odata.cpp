#include "server/odata.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <memory>
#include <variant>

namespace openlaps::server {
namespace {

// --- $filter: a tiny recursive-descent parser producing an AST ----------
// The parser, Evaluate and the AST's destructor all recurse, so the nesting
// (parentheses and `not`) and the number of terms (and/or chains grow the
// tree one level per term) are bounded before anything deep can be built.

struct Node;
using NodePtr = std::unique_ptr<Node>;
struct Node {
  enum class Kind { kAnd, kOr, kNot, kCompare, kStartsWith } kind;
  std::string op;  // eq ne gt ge lt le
  std::string field;
  nlohmann::json literal;
  NodePtr left, right;
};

class FilterParser {
 public:
  FilterParser(std::string_view text, const std::set<std::string>& filterable)
      : text_(text), filterable_(filterable) {}

  Result<NodePtr> Parse() {
    if (text_.size() > kMaxFilterLength) {
      return Error("longer than " + std::to_string(kMaxFilterLength) + " characters");
    }
    auto node = ParseOr();
    if (!node.ok()) return node;
    SkipSpace();
    if (pos_ != text_.size()) return Error("unexpected text at position " + std::to_string(pos_));
    return node;
  }

 private:
  Status Error(std::string what) { return InvalidArgumentError("$filter: " + what); }

  // Entered at every '(' and `not`; fails past kMaxFilterDepth.
  Status Descend() {
    if (++depth_ > kMaxFilterDepth) {
      return Error("nests deeper than " + std::to_string(kMaxFilterDepth) + " levels");
    }
    return Status::Ok();
  }

  // Counted at every comparison and startswith; fails past kMaxFilterTerms.
  Status CountTerm() {
    if (++terms_ > kMaxFilterTerms) {
      return Error("has more than " + std::to_string(kMaxFilterTerms) + " terms");
    }
    return Status::Ok();
  }

  void SkipSpace() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
  }

  // Consumes `word` when it is next as a whole word.
  bool Keyword(std::string_view word) {
    SkipSpace();
    if (text_.substr(pos_, word.size()) != word) return false;
    std::size_t end = pos_ + word.size();
    if (end < text_.size() &&
        (std::isalnum(static_cast<unsigned char>(text_[end])) || text_[end] == '_')) {
      return false;
    }
    pos_ = end;
    return true;
  }

  bool Char(char c) {
    SkipSpace();
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }

  Result<NodePtr> ParseOr() {
    auto left = ParseAnd();
    if (!left.ok()) return left;
    NodePtr node = std::move(left).value();
    while (Keyword("or")) {
      auto right = ParseAnd();
      if (!right.ok()) return right;
      auto parent = std::make_unique<Node>(Node{Node::Kind::kOr, "", "", {}, nullptr, nullptr});
      parent->left = std::move(node);
      parent->right = std::move(right).value();
      node = std::move(parent);
    }
    return node;
  }

  Result<NodePtr> ParseAnd() {
    auto left = ParseUnary();
    if (!left.ok()) return left;
    NodePtr node = std::move(left).value();
    while (Keyword("and")) {
      auto right = ParseUnary();
      if (!right.ok()) return right;
      auto parent = std::make_unique<Node>(Node{Node::Kind::kAnd, "", "", {}, nullptr, nullptr});
      parent->left = std::move(node);
      parent->right = std::move(right).value();
      node = std::move(parent);
    }
    return node;
  }

  Result<NodePtr> ParseUnary() {
    if (Keyword("not")) {
      if (Status s = Descend(); !s.ok()) return s;
      auto inner = ParseUnary();
      if (!inner.ok()) return inner;
      --depth_;
      auto node = std::make_unique<Node>(Node{Node::Kind::kNot, "", "", {}, nullptr, nullptr});
      node->left = std::move(inner).value();
      return node;
    }
    if (Char('(')) {
      if (Status s = Descend(); !s.ok()) return s;
      auto inner = ParseOr();
      if (!inner.ok()) return inner;
      if (!Char(')')) return Error("missing ')'");
      --depth_;
      return inner;
    }
    if (Status s = CountTerm(); !s.ok()) return s;
    if (Keyword("startswith")) {
      if (!Char('(')) return Error("expected '(' after startswith");
      auto field = ParseField();
      if (!field.ok()) return field.status();
      if (!Char(',')) return Error("expected ',' in startswith");
      auto literal = ParseLiteral();
      if (!literal.ok()) return literal.status();
      if (!literal->is_string()) return Error("startswith needs a string");
      if (!Char(')')) return Error("missing ')' after startswith");
      auto node = std::make_unique<Node>(
          Node{Node::Kind::kStartsWith, "", *field, *literal, nullptr, nullptr});
      return node;
    }
    auto field = ParseField();
    if (!field.ok()) return field.status();
    static constexpr std::string_view kOps[] = {"eq", "ne", "gt", "ge", "lt", "le"};
    for (std::string_view op : kOps) {
      if (Keyword(op)) {
        auto literal = ParseLiteral();
        if (!literal.ok()) return literal.status();
        return std::make_unique<Node>(
            Node{Node::Kind::kCompare, std::string(op), *field, *literal, nullptr, nullptr});
      }
    }
    return Error("expected an operator (eq, ne, gt, ge, lt, le) after '" + *field + "'");
  }

  Result<std::string> ParseField() {
    SkipSpace();
    std::size_t start = pos_;
    while (pos_ < text_.size() &&
           (std::isalnum(static_cast<unsigned char>(text_[pos_])) || text_[pos_] == '_')) {
      ++pos_;
    }
    if (start == pos_) return Error("expected a property name at position " + std::to_string(pos_));
    std::string field(text_.substr(start, pos_ - start));
    if (!filterable_.contains(field)) {
      return Error("filtering on '" + field + "' is not supported");
    }
    return field;
  }

  Result<nlohmann::json> ParseLiteral() {
    SkipSpace();
    if (pos_ >= text_.size()) return Error("expected a value");
    if (text_[pos_] == '\'') {
      std::string value;
      ++pos_;
      while (pos_ < text_.size()) {
        if (text_[pos_] == '\'') {
          if (pos_ + 1 < text_.size() && text_[pos_ + 1] == '\'') {
            value += '\'';
            pos_ += 2;
            continue;
          }
          ++pos_;
          return nlohmann::json(value);
        }
        value += text_[pos_++];
      }
      return Error("unterminated string");
    }
    if (Keyword("true")) return nlohmann::json(true);
    if (Keyword("false")) return nlohmann::json(false);
    if (Keyword("null")) return nlohmann::json(nullptr);
    std::size_t start = pos_;
    while (pos_ < text_.size() &&
           (std::isalnum(static_cast<unsigned char>(text_[pos_])) || text_[pos_] == '-' ||
            text_[pos_] == '.' || text_[pos_] == ':')) {
      ++pos_;
    }
    std::string_view token = text_.substr(start, pos_ - start);
    std::int64_t number = 0;
    auto [end, ec] = std::from_chars(token.data(), token.data() + token.size(), number);
    if (ec == std::errc() && end == token.data() + token.size() && !token.empty()) {
      return nlohmann::json(number);
    }
    // Unquoted date-times (2026-03-01T00:00:00Z) compare as strings: ISO 8601
    // UTC strings order like the instants they name.
    if (!token.empty()) return nlohmann::json(std::string(token));
    return Error("expected a value at position " + std::to_string(start));
  }

  std::string_view text_;
  const std::set<std::string>& filterable_;
  std::size_t pos_ = 0;
  int depth_ = 0;
  int terms_ = 0;
};

int Compare(const nlohmann::json& a, const nlohmann::json& b) {
  if (a.is_null() || b.is_null()) return a.is_null() == b.is_null() ? 0 : (a.is_null() ? -1 : 1);
  if (a.is_number() && b.is_number()) {
    double x = a.get<double>(), y = b.get<double>();
    return x < y ? -1 : (x > y ? 1 : 0);
  }
  if (a.is_string() && b.is_string()) {
    const auto& x = a.get_ref<const std::string&>();
    const auto& y = b.get_ref<const std::string&>();
    return x < y ? -1 : (x > y ? 1 : 0);
  }
  if (a.is_boolean() && b.is_boolean()) return static_cast<int>(a.get<bool>()) - b.get<bool>();
  // Different types never compare equal; order by type for a stable sort.
  return static_cast<int>(a.type()) - static_cast<int>(b.type());
}

bool EqualsIgnoreCase(const nlohmann::json& a, const nlohmann::json& b) {
  if (!a.is_string() || !b.is_string()) return Compare(a, b) == 0;
  const auto& x = a.get_ref<const std::string&>();
  const auto& y = b.get_ref<const std::string&>();
  return std::equal(x.begin(), x.end(), y.begin(), y.end(), [](char c, char d) {
    return std::tolower(static_cast<unsigned char>(c)) ==
           std::tolower(static_cast<unsigned char>(d));
  });
}

bool Evaluate(const Node& node, const nlohmann::json& object) {
  switch (node.kind) {
    case Node::Kind::kAnd:
      return Evaluate(*node.left, object) && Evaluate(*node.right, object);
    case Node::Kind::kOr:
      return Evaluate(*node.left, object) || Evaluate(*node.right, object);
    case Node::Kind::kNot:
      return !Evaluate(*node.left, object);
    case Node::Kind::kStartsWith: {
      auto it = object.find(node.field);
      if (it == object.end() || !it->is_string()) return false;
      std::string value = it->get<std::string>();
      std::string prefix = node.literal.get<std::string>();
      if (prefix.size() > value.size()) return false;
      return EqualsIgnoreCase(nlohmann::json(value.substr(0, prefix.size())),
                              nlohmann::json(prefix));
    }
    case Node::Kind::kCompare: {
      auto it = object.find(node.field);
      nlohmann::json value = it == object.end() ? nlohmann::json(nullptr) : *it;
      // Graph compares strings case-insensitively for eq/ne.
      if (node.op == "eq") return EqualsIgnoreCase(value, node.literal);
      if (node.op == "ne") return !EqualsIgnoreCase(value, node.literal);
      if (value.is_null()) return false;
      int c = Compare(value, node.literal);
      if (node.op == "gt") return c > 0;
      if (node.op == "ge") return c >= 0;
      if (node.op == "lt") return c < 0;
      return c <= 0;
    }
  }
  return false;
}

struct OrderKey {
  std::string field;
  bool descending = false;
};

Result<std::vector<OrderKey>> ParseOrderBy(std::string_view text,
                                           const std::set<std::string>& filterable) {
  if (text.size() > kMaxOrderByLength) {
    return InvalidArgumentError("$orderby: longer than " + std::to_string(kMaxOrderByLength) +
                                " characters");
  }
  std::vector<OrderKey> keys;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t comma = text.find(',', start);
    std::string_view part = text.substr(
        start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
    while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
    while (!part.empty() && part.back() == ' ') part.remove_suffix(1);
    OrderKey key;
    std::size_t space = part.find(' ');
    key.field = std::string(part.substr(0, space));
    if (space != std::string_view::npos) {
      std::string_view dir = part.substr(space + 1);
      while (!dir.empty() && dir.front() == ' ') dir.remove_prefix(1);
      if (dir == "desc") {
        key.descending = true;
      } else if (dir != "asc") {
        return InvalidArgumentError("$orderby: direction must be asc or desc");
      }
    }
    if (!filterable.contains(key.field)) {
      return InvalidArgumentError("$orderby: ordering by '" + key.field + "' is not supported");
    }
    keys.push_back(std::move(key));
    if (keys.size() > kMaxOrderByKeys) {
      return InvalidArgumentError("$orderby: more than " + std::to_string(kMaxOrderByKeys) +
                                  " keys");
    }
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return keys;
}

Result<std::int64_t> ParseNonNegative(std::string_view name, std::string_view text) {
  std::int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < 0) {
    return InvalidArgumentError(std::string(name) + " must be a non-negative integer");
  }
  return value;
}

nlohmann::json SelectFields(const nlohmann::json& object, const std::vector<std::string>& fields) {
  nlohmann::json out = nlohmann::json::object();
  for (const std::string& f : fields) {
    auto it = object.find(f);
    if (it != object.end()) out[f] = *it;
  }
  return out;
}

Result<std::vector<std::string>> SplitSelect(std::string_view text) {
  if (text.size() > kMaxSelectLength) {
    return InvalidArgumentError("$select: longer than " + std::to_string(kMaxSelectLength) +
                                " characters");
  }
  std::vector<std::string> fields;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t comma = text.find(',', start);
    std::string field(text.substr(
        start, comma == std::string_view::npos ? std::string_view::npos : comma - start));
    std::erase(field, ' ');
    if (!field.empty()) fields.push_back(field);
    if (fields.size() > kMaxSelectFields) {
      return InvalidArgumentError("$select: more than " + std::to_string(kMaxSelectFields) +
                                  " properties");
    }
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return fields;
}

// Entra ID's tokenized search: a term matches a value that starts with it
// or has a word (after a space, '-', '_' or '.') that does, ignoring case.
bool SearchMatches(std::string_view value, std::string_view term) {
  auto lower = [](char c) {
    return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  };
  for (std::size_t at = 0; at <= value.size(); ++at) {
    if (at > 0 && std::string_view(" -_.").find(value[at - 1]) == std::string_view::npos) {
      continue;
    }
    if (value.size() - at < term.size()) break;
    if (std::equal(term.begin(), term.end(), value.begin() + static_cast<std::ptrdiff_t>(at),
                   [&](char a, char b) { return lower(a) == lower(b); })) {
      return true;
    }
  }
  return false;
}

// A query option by its $-name, or by its bare name, which Graph beta
// accepts too ("filter=..."): a bare option is never silently ignored.
std::optional<std::string> Option(const http::Request& request, std::string_view name) {
  if (auto value = request.QueryParam(name)) return value;
  return request.QueryParam(name.substr(1));
}

Status ApplySearch(const http::Request& request, const std::set<std::string>& searchable,
                   std::vector<nlohmann::json>& items) {
  auto search = Option(request, "$search");
  auto count = Option(request, "$count");
  if (!search && !(count && *count == "true")) return Status::Ok();
  auto consistency = request.Header("ConsistencyLevel");
  if (!consistency || *consistency != "eventual") {
    return InvalidArgumentError(std::string(search ? "$search" : "$count") +
                                " on directory objects needs the header "
                                "'ConsistencyLevel: eventual'");
  }
  if (!search) return Status::Ok();
  // One clause, "property:term", quoted as Graph requires.
  std::string_view text = *search;
  if (text.size() < 2 || text.front() != '"' || text.back() != '"') {
    return InvalidArgumentError("$search must be quoted: $search=\"displayName:term\"");
  }
  text = text.substr(1, text.size() - 2);
  const std::size_t colon = text.find(':');
  if (colon == std::string_view::npos) {
    return InvalidArgumentError("$search needs property:term, e.g. \"displayName:PC\"");
  }
  const std::string field(text.substr(0, colon));
  const std::string_view term = text.substr(colon + 1);
  if (!searchable.contains(field)) {
    return InvalidArgumentError("searching on '" + field + "' is not supported");
  }
  std::erase_if(items, [&](const nlohmann::json& item) {
    auto it = item.find(field);
    return it == item.end() || !it->is_string() ||
           !SearchMatches(it->get_ref<const std::string&>(), term);
  });
  return Status::Ok();
}

}  // namespace

Result<bool> EvaluateFilter(std::string_view filter, const nlohmann::json& object,
                            const std::set<std::string>& filterable) {
  auto ast = FilterParser(filter, filterable).Parse();
  if (!ast.ok()) return ast.status();
  return Evaluate(**ast, object);
}

Result<nlohmann::json> ApplySelect(const http::Request& request, nlohmann::json object) {
  auto select = Option(request, "$select");
  if (!select) return object;
  auto fields = SplitSelect(*select);
  if (!fields.ok()) return fields.status();
  return SelectFields(object, *fields);
}

Result<nlohmann::json> ApplyODataQuery(const http::Request& request, std::string_view base_url,
                                       std::vector<nlohmann::json> items,
                                       const ODataOptions& options) {
  static const std::set<std::string> kKnown = {"$filter",    "$orderby", "$select", "$top",
                                               "$skiptoken", "$count",   "$skip"};
  static const std::set<std::string> kBareUnsupported = {"expand", "search",  "format",
                                                         "apply",  "compute", "levels"};
  for (const auto& [name, value] : request.query) {
    const bool searchable = (name == "$search" || name == "search") && !options.searchable.empty();
    const bool unsupported = (!name.empty() && name[0] == '$' && !kKnown.contains(name)) ||
                             kBareUnsupported.contains(name);
    if (unsupported && !searchable) {
      return InvalidArgumentError("query option '" + name + "' is not supported");
    }
  }
  if (!options.searchable.empty()) {
    OPENLAPS_RETURN_IF_ERROR(ApplySearch(request, options.searchable, items));
  }
  if (auto filter = Option(request, "$filter")) {
    auto ast = FilterParser(*filter, options.filterable).Parse();
    if (!ast.ok()) return ast.status();
    std::erase_if(items, [&](const nlohmann::json& item) { return !Evaluate(**ast, item); });
  }
  if (auto orderby = Option(request, "$orderby")) {
    auto keys = ParseOrderBy(*orderby, options.filterable);
    if (!keys.ok()) return keys.status();
    std::stable_sort(items.begin(), items.end(),
                     [&](const nlohmann::json& a, const nlohmann::json& b) {
                       for (const OrderKey& key : *keys) {
                         auto ia = a.find(key.field);
                         auto ib = b.find(key.field);
                         nlohmann::json va = ia == a.end() ? nlohmann::json(nullptr) : *ia;
                         nlohmann::json vb = ib == b.end() ? nlohmann::json(nullptr) : *ib;
                         int c = Compare(va, vb);
                         if (c != 0) return key.descending ? c > 0 : c < 0;
                       }
                       return false;
                     });
  }
  std::int64_t total = static_cast<std::int64_t>(items.size());
  std::int64_t offset = 0;
  if (auto token = Option(request, "$skiptoken")) {
    auto parsed = ParseNonNegative("$skiptoken", *token);
    if (!parsed.ok()) return parsed.status();
    offset = *parsed;
  } else if (auto skip = Option(request, "$skip")) {
    auto parsed = ParseNonNegative("$skip", *skip);
    if (!parsed.ok()) return parsed.status();
    offset = *parsed;
  }
  std::int64_t page = options.default_page_size;
  if (auto top = Option(request, "$top")) {
    auto parsed = ParseNonNegative("$top", *top);
    if (!parsed.ok()) return parsed.status();
    page = std::min(*parsed, options.max_page_size);
  }
  std::vector<std::string> select;
  if (auto s = Option(request, "$select")) {
    auto fields = SplitSelect(*s);
    if (!fields.ok()) return fields.status();
    select = std::move(fields).value();
  }

  nlohmann::json value = nlohmann::json::array();
  // offset + page could overflow for a $skiptoken near INT64_MAX: a position
  // past the end is simply the end, and the page is added only below total.
  offset = std::min(offset, total);
  std::int64_t end = offset + std::min(page, total - offset);
  for (std::int64_t i = offset; i < end; ++i) {
    value.push_back(select.empty() ? std::move(items[i]) : SelectFields(items[i], select));
  }
  nlohmann::json body = nlohmann::json::object();
  if (auto count = Option(request, "$count"); count && *count == "true") {
    body["@odata.count"] = total;
  }
  body["value"] = std::move(value);
  if (end < total && page > 0) {  // $top=0 asks for no items, not for endless pages
    // Keep every option but the page position; the page size carries over.
    std::string link = std::string(base_url) + request.path + "?";
    for (const auto& [name, v] : request.query) {
      if (name == "$skiptoken" || name == "$skip" || name == "skiptoken" || name == "skip") {
        continue;
      }
      link += http::PercentEncode(name) + "=" + http::PercentEncode(v) + "&";
    }
    link += "$skiptoken=" + std::to_string(end);
    body["@odata.nextLink"] = link;
  }
  return body;
}

Result<nlohmann::json> ApplyODataQuery(const http::Request& request, std::string_view base_url,
                                       nlohmann::json value, const ODataOptions& options) {
  std::vector<nlohmann::json> items;
  items.reserve(value.size());
  for (auto& item : value) items.push_back(std::move(item));
  return ApplyODataQuery(request, base_url, std::move(items), options);
}

}  // namespace openlaps::server
