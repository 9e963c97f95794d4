// HTTP messages as the rest of OpenLAPS sees them: plain values, no Beast.
#ifndef OPENLAPS_HTTP_MESSAGE_H_
#define OPENLAPS_HTTP_MESSAGE_H_

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace openlaps::http {

// Case-insensitive header names, as HTTP defines them.
struct CaseInsensitiveLess {
  bool operator()(std::string_view a, std::string_view b) const;
  using is_transparent = void;
};
using Headers = std::map<std::string, std::string, CaseInsensitiveLess>;

// Tells a handler that waits long (a long-poll) that its client hung up.
// The server sets one on every request it hands to a handler. Thread-safe.
class ClientWatch {
 public:
  bool gone() const;
  // Runs `on_gone` once the client has hung up (at once if it already has);
  // replaces an earlier callback. The callback runs on an I/O thread.
  void OnGone(std::function<void()> on_gone);
  void Forget();    // drops the callback (the handler is finishing)
  void MarkGone();  // the transport saw the connection close

 private:
  mutable std::mutex mu_;
  bool gone_ = false;              // GUARDED_BY(mu_)
  std::function<void()> on_gone_;  // GUARDED_BY(mu_)
};

struct Request {
  std::string method;  // "GET"
  std::string target;  // raw request-target: "/v1.0/devices?$top=5"
  std::string path;    // percent-decoded path without the query: "/v1.0/devices"
  std::vector<std::pair<std::string, std::string>> query;  // decoded, in order
  Headers headers;
  std::string body;
  std::string remote_address;
  std::shared_ptr<ClientWatch> client_watch;  // null outside the server

  // First query parameter with this name, if any.
  std::optional<std::string> QueryParam(std::string_view name) const;
  std::optional<std::string> Header(std::string_view name) const;
};

struct Response {
  int status = 200;
  Headers headers;  // Content-Type defaults to application/json when a body is set
  std::string body;
};

// "/a%20b" -> "/a b"; nullopt on malformed escapes.
std::optional<std::string> PercentDecode(std::string_view text, bool plus_is_space);
std::string PercentEncode(std::string_view text);
// Splits "path?query" and decodes both; nullopt when malformed.
bool ParseTarget(std::string_view target, std::string* path,
                 std::vector<std::pair<std::string, std::string>>* query);

}  // namespace openlaps::http

#endif  // OPENLAPS_HTTP_MESSAGE_H_
