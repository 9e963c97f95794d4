// HttpServer: HTTP/1.1 with keep-alive over Boost.Beast on an Asio thread
// pool, optional TLS. Every connection is one coroutine (co_spawn) with one
// catch at its completion; a handler is a coroutine too, so a long-poll
// suspends without holding a thread.
//
// Limits: request header and body sizes are bounded; an oversized,
// malformed or timed-out request gets a clean 4xx (400/408/413/431) with a
// Graph-style JSON error body, never a crash. Stop() stops accepting, lets
// in-flight requests finish (up to a grace period), closes idle keep-alive
// connections and returns once every connection has ended.
#ifndef OPENLAPS_HTTP_SERVER_H_
#define OPENLAPS_HTTP_SERVER_H_

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>

#include "core/status.h"
#include "http/message.h"

namespace openlaps::http {

struct ServerOptions {
  std::string address = "127.0.0.1";
  std::uint16_t port = 0;  // 0 = pick a free port (see HttpServer::port())
  std::size_t max_header_bytes = 16 * 1024;
  std::size_t max_body_bytes = 1024 * 1024;
  std::chrono::seconds read_timeout{30};   // for one whole request
  std::chrono::seconds idle_timeout{75};   // keep-alive between requests
  std::chrono::seconds shutdown_grace{10};
  // TLS when both are set (PEM files).
  std::optional<std::filesystem::path> tls_certificate;
  std::optional<std::filesystem::path> tls_private_key;
};

using Handler = std::function<boost::asio::awaitable<Response>(Request&)>;

class HttpServer {
 public:
  // Binds and listens at once; the returned server accepts once Start() runs.
  static Result<std::unique_ptr<HttpServer>> Create(boost::asio::io_context& io,
                                                    ServerOptions options, Handler handler);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  void Start();
  // Thread-safe; `on_stopped` runs (on an io thread) when every connection
  // has ended.
  void Stop(std::function<void()> on_stopped);
  std::uint16_t port() const;
  std::size_t open_connections() const;

  struct Impl;

 private:
  explicit HttpServer(std::shared_ptr<Impl> impl);
  std::shared_ptr<Impl> impl_;
};

}  // namespace openlaps::http

#endif  // OPENLAPS_HTTP_SERVER_H_
