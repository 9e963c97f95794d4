// HttpClient: a small synchronous HTTP/1.1 client over Beast with a
// persistent keep-alive connection (reconnects once when the server closed
// it), optional TLS with a CA file. For laps-agent, lapsctl and tests.
// Not thread-safe: one client per thread, except Cancel().
#ifndef OPENLAPS_HTTP_CLIENT_H_
#define OPENLAPS_HTTP_CLIENT_H_

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/status.h"
#include "http/message.h"

namespace openlaps::http {

struct ClientOptions {
  std::chrono::milliseconds timeout{30000};      // per request, connect included
  std::optional<std::filesystem::path> ca_file;  // TLS: trust this CA (PEM)
  bool verify_peer = true;
};

class HttpClient {
 public:
  // base_url: "http://127.0.0.1:8080" or "https://host:8443" (no path).
  static Result<std::unique_ptr<HttpClient>> Create(std::string_view base_url,
                                                    ClientOptions options = {});
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Unavailable when the server cannot be reached, DeadlineExceeded on
  // timeout; any HTTP status is a successful Response. `timeout` overrides
  // the default for this request (long-polls).
  Result<Response> Send(std::string_view method, std::string_view target,
                        const Headers& headers = {}, std::string_view body = {},
                        std::optional<std::chrono::milliseconds> timeout = std::nullopt);

  // Thread-safe. Ends the request in flight (an idle long-poll included) at
  // once, and every later one before it starts, with Aborted; the client
  // stays cancelled. For a shutdown that must not wait out a long-poll.
  void Cancel();

  struct Impl;

 private:
  explicit HttpClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace openlaps::http

#endif  // OPENLAPS_HTTP_CLIENT_H_
