// AsyncConnection: one keep-alive HTTP/1.1 connection driven by Asio
// coroutines, so one thread carries thousands of virtual agents with their
// long-polls parked (the agent's http::HttpClient blocks its thread for the
// length of every request). Plain HTTP only: the simulator measures lapsd,
// not TLS, which a load balancer usually terminates.
//
// Not thread-safe; the simulator runs all its coroutines on one thread.
#ifndef OPENLAPS_BENCH_FLEET_SIM_ASYNC_CONNECTION_H_
#define OPENLAPS_BENCH_FLEET_SIM_ASYNC_CONNECTION_H_

// clang-format off
#include "http/detail/awaitable.h"
// clang-format on

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <chrono>
#include <functional>
#include <string>
#include <string_view>

#include "core/status.h"
#include "http/message.h"

namespace openlaps::fleet {

namespace net = boost::asio;
using SteadyTime = std::chrono::steady_clock::time_point;

struct ServerAddress {
  net::ip::tcp::endpoint endpoint;
  std::string host_header;  // "127.0.0.1:8080"
};

// Resolves "http://host:port" once (blocking), so connections only connect.
Result<ServerAddress> ResolveServer(std::string_view base_url);

class AsyncConnection {
 public:
  AsyncConnection(net::any_io_executor executor, ServerAddress server);
  AsyncConnection(const AsyncConnection&) = delete;
  AsyncConnection& operator=(const AsyncConnection&) = delete;

  // Sends one request and reads its answer, connecting first when needed.
  // A reused connection that the server had closed is reopened once, if no
  // answer had started. Any HTTP status is a Response; Unavailable or
  // DeadlineExceeded otherwise. `on_written`, if given, runs once the request is sent
  // (the simulator counts parked long-polls with it).
  net::awaitable<Result<http::Response>> Send(std::string_view method, std::string_view target,
                                              const http::Headers& headers, std::string_view body,
                                              SteadyTime deadline,
                                              const std::function<void()>* on_written = nullptr);

  // Drops the connection; a pending Send ends with an error.
  void Close();

 private:
  net::awaitable<Result<http::Response>> SendOnce(std::string_view method, std::string_view target,
                                                  const http::Headers& headers,
                                                  std::string_view body, SteadyTime deadline,
                                                  const std::function<void()>* on_written,
                                                  bool* retry_safe);

  ServerAddress server_;
  boost::beast::tcp_stream stream_;
  boost::beast::flat_buffer buffer_;
  bool connected_ = false;
};

}  // namespace openlaps::fleet

#endif  // OPENLAPS_BENCH_FLEET_SIM_ASYNC_CONNECTION_H_
