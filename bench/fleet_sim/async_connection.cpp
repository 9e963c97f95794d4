#include "fleet_sim/async_connection.h"

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http.hpp>

namespace openlaps::fleet {
namespace {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = net::ip::tcp;
using ErrorCode = boost::system::error_code;

constexpr std::uint64_t kMaxBodyBytes = 16 * 1024 * 1024;

auto Redirect(ErrorCode& ec) { return net::redirect_error(net::use_awaitable, ec); }

Status TransportError(const ErrorCode& ec, std::string_view what) {
  if (ec == beast::error::timeout) {
    return {StatusCode::kDeadlineExceeded, std::string(what) + " timed out"};
  }
  return UnavailableError(std::string(what) + " failed: " + ec.message());
}

// Errors that mean the server closed an idle keep-alive connection.
bool IsStaleConnection(const ErrorCode& ec) {
  return ec == bhttp::error::end_of_stream || ec == net::error::connection_reset ||
         ec == net::error::broken_pipe || ec == net::error::eof;
}

}  // namespace

Result<ServerAddress> ResolveServer(std::string_view base_url) {
  constexpr std::string_view kScheme = "http://";
  if (!base_url.starts_with(kScheme)) {
    return InvalidArgumentError("the simulator speaks plain http:// only");
  }
  std::string rest(base_url.substr(kScheme.size()));
  if (!rest.empty() && rest.back() == '/') rest.pop_back();
  std::size_t colon = rest.rfind(':');
  std::string host = colon == std::string::npos ? rest : rest.substr(0, colon);
  std::string port = colon == std::string::npos ? "80" : rest.substr(colon + 1);
  net::io_context io;
  tcp::resolver resolver(io);
  ErrorCode ec;
  auto results = resolver.resolve(host, port, ec);
  if (ec || results.empty()) return UnavailableError("cannot resolve " + rest);
  return ServerAddress{results.begin()->endpoint(), rest};
}

AsyncConnection::AsyncConnection(net::any_io_executor executor, ServerAddress server)
    : server_(std::move(server)), stream_(std::move(executor)) {}

void AsyncConnection::Close() {
  ErrorCode ignored;
  if (stream_.socket().is_open()) {
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.socket().close(ignored);
  }
  buffer_.clear();
  connected_ = false;
}

net::awaitable<Result<http::Response>> AsyncConnection::Send(
    std::string_view method, std::string_view target, const http::Headers& headers,
    std::string_view body, SteadyTime deadline, const std::function<void()>* on_written) {
  bool reused = connected_;
  bool retry_safe = false;
  auto answer = co_await SendOnce(method, target, headers, body, deadline, on_written, &retry_safe);
  if (answer.ok() || !reused || !retry_safe) co_return answer;
  Close();
  co_return co_await SendOnce(method, target, headers, body, deadline, on_written, &retry_safe);
}

net::awaitable<Result<http::Response>> AsyncConnection::SendOnce(
    std::string_view method, std::string_view target, const http::Headers& headers,
    std::string_view body, SteadyTime deadline, const std::function<void()>* on_written,
    bool* retry_safe) {
  ErrorCode ec;
  *retry_safe = false;
  if (!connected_) {
    stream_.expires_at(deadline);
    co_await stream_.async_connect(server_.endpoint, Redirect(ec));
    if (ec) {
      Close();
      co_return TransportError(ec, "connecting to " + server_.host_header);
    }
    stream_.socket().set_option(tcp::no_delay(true), ec);
    connected_ = true;
  }

  bhttp::request<bhttp::string_body> request;
  request.method_string(beast::string_view(method.data(), method.size()));
  request.target(beast::string_view(target.data(), target.size()));
  request.version(11);
  request.set(bhttp::field::host, server_.host_header);
  for (const auto& [name, value] : headers) request.set(name, value);
  request.body() = std::string(body);
  request.prepare_payload();

  stream_.expires_at(deadline);
  co_await bhttp::async_write(stream_, request, Redirect(ec));
  if (ec) {
    *retry_safe = IsStaleConnection(ec);
    Close();
    co_return TransportError(ec, "sending to " + server_.host_header);
  }
  if (on_written && *on_written) (*on_written)();

  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(kMaxBodyBytes);
  co_await bhttp::async_read(stream_, buffer_, parser, Redirect(ec));
  if (ec) {
    // Only a connection that closed before any answer byte is safe to retry.
    *retry_safe = IsStaleConnection(ec) && !parser.got_some();
    Close();
    co_return TransportError(ec, "reading from " + server_.host_header);
  }
  auto& message = parser.get();
  http::Response response;
  response.status = static_cast<int>(message.result_int());
  for (const auto& field : message) {
    auto name = field.name_string();
    auto value = field.value();
    response.headers[std::string(name.data(), name.size())] =
        std::string(value.data(), value.size());
  }
  response.body = std::move(message.body());
  if (!message.keep_alive()) Close();
  co_return response;
}

}  // namespace openlaps::fleet
