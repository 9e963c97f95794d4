// Router: method + path pattern ("/v1.0/groups/{id}/members") to a route.
// Patterns match whole segments; {name} captures one segment.
#ifndef OPENLAPS_SERVER_ROUTER_H_
#define OPENLAPS_SERVER_ROUTER_H_

#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace openlaps::server {

using PathParams = std::map<std::string, std::string, std::less<>>;

template <typename Route>
class Router {
 public:
  void Add(std::string method, std::string_view pattern, Route route) {
    entries_.push_back({std::move(method), std::string(pattern), Split(pattern), std::move(route)});
  }

  // Calls f(method, pattern, route) for each route, in registration order.
  template <typename F>
  void ForEach(F&& f) const {
    for (const Entry& e : entries_) f(e.method, e.pattern, e.route);
  }

  struct Match {
    const Route* route = nullptr;
    PathParams params;
    // No route for the method: the methods the path has (sorted, once
    // each), for a 405's Allow header. Empty when the path is unknown.
    std::vector<std::string> allowed;
  };

  Match Find(std::string_view method, std::string_view path) const {
    Match match;
    std::vector<std::string> segments = Split(path);
    for (const Entry& e : entries_) {
      PathParams params;
      if (!Matches(e.segments, segments, &params)) continue;
      if (e.method != method) {
        match.allowed.push_back(e.method);
        continue;
      }
      match.route = &e.route;
      match.params = std::move(params);
      match.allowed.clear();
      return match;
    }
    std::sort(match.allowed.begin(), match.allowed.end());
    match.allowed.erase(std::unique(match.allowed.begin(), match.allowed.end()),
                        match.allowed.end());
    return match;
  }

 private:
  struct Entry {
    std::string method;
    std::string pattern;
    std::vector<std::string> segments;
    Route route;
  };

  static std::vector<std::string> Split(std::string_view path) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start < path.size()) {
      std::size_t slash = path.find('/', start);
      if (slash == std::string_view::npos) slash = path.size();
      if (slash > start) out.emplace_back(path.substr(start, slash - start));
      start = slash + 1;
    }
    return out;
  }

  static bool Matches(const std::vector<std::string>& pattern,
                      const std::vector<std::string>& segments, PathParams* params) {
    if (pattern.size() != segments.size()) return false;
    for (std::size_t i = 0; i < pattern.size(); ++i) {
      const std::string& p = pattern[i];
      if (p.size() > 2 && p.front() == '{' && p.back() == '}') {
        (*params)[p.substr(1, p.size() - 2)] = segments[i];
      } else if (p != segments[i]) {
        return false;
      }
    }
    return true;
  }

  std::vector<Entry> entries_;
};

}  // namespace openlaps::server

#endif  // OPENLAPS_SERVER_ROUTER_H_
