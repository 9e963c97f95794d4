// HttpServer: HTTP/1.1 with keep-alive over Boost.Beast on an Asio thread
// pool, optional TLS. Every connection is one coroutine (co_spawn) with one
// catch at its completion; a handler is a coroutine too, so a long-poll
// suspends without holding a thread.
//
// Limits: request target, header and body sizes are bounded; an oversized,
// malformed or timed-out request gets a clean 4xx (400/408/413/414/431) with a
// Graph-style JSON error body, never a crash. Stop() stops accepting, lets
// in-flight requests finish (up to a grace period), closes idle keep-alive
// connections and returns once every connection has ended.
#ifndef OPENLAPS_HTTP_SERVER_H_
#define OPENLAPS_HTTP_SERVER_H_

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/status.h"
#include "http/detail/awaitable.h"
#include "http/message.h"

namespace openlaps::http {

struct ServerOptions {
  std::string address = "127.0.0.1";
  std::uint16_t port = 0;  // 0 = pick a free port (see HttpServer::port())
  std::size_t max_header_bytes = 16 * 1024;
  // The request-target (path and query): longer is 414. Room for a
  // 4096-character $filter even when every character is percent-encoded.
  std::size_t max_target_bytes = 13 * 1024;
  std::size_t max_body_bytes = 1024 * 1024;
  std::chrono::seconds read_timeout{30};  // for one whole request
  std::chrono::seconds idle_timeout{75};  // keep-alive between requests
  std::chrono::seconds shutdown_grace{10};
  // TLS when both are set (PEM files).
  std::optional<std::filesystem::path> tls_certificate;
  std::optional<std::filesystem::path> tls_private_key;
  // Where the server reports what it cannot tell a client (a handler that
  // threw, accept failures). Called from io threads; stderr when unset.
  std::function<void(std::string_view)> error_log;
};

// Called once per request on that connection's strand (handlers of one
// connection never overlap; different connections run in parallel). The
// Request lives until the returned awaitable completes. A handler that throws
// gets a 500 and its connection closed; the server keeps running.
using Handler = std::function<boost::asio::awaitable<Response>(Request&)>;

class HttpServer {
 public:
  // Binds and listens at once; the returned server accepts once Start() runs.
  static Result<std::unique_ptr<HttpServer>> Create(boost::asio::io_context& io,
                                                    ServerOptions options, Handler handler);
  // Stops (as Stop(nullptr)) if still running. Destroy the server after
  // on_stopped ran or after the io_context stopped running.
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Starts the accept loop on the io_context; call once.
  void Start();
  // Thread-safe; `on_stopped` runs (on an io thread) when every connection
  // has ended. Idle keep-alive connections close at once; a request in flight
  // is answered (with Connection: close); after shutdown_grace the remaining
  // sockets are closed. A handler still suspended then keeps its connection
  // counted until it returns, so long-poll handlers should end on shutdown.
  // Calling Stop again only adds a callback.
  void Stop(std::function<void()> on_stopped);
  std::uint16_t port() const;
  std::size_t open_connections() const;
  // Connections accepted since Start(), for tests and metrics.
  std::size_t accepted_connections() const;

  struct Impl;

 private:
  explicit HttpServer(std::shared_ptr<Impl> impl);
  std::shared_ptr<Impl> impl_;
};

}  // namespace openlaps::http

#endif  // OPENLAPS_HTTP_SERVER_H_
