#include "http/client.h"

#include <openssl/ssl.h>

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <cstdint>
#include <exception>
#include <utility>

namespace openlaps::http {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = net::ip::tcp;
using ErrorCode = boost::system::error_code;
using Clock = std::chrono::steady_clock;

constexpr std::uint64_t kMaxResponseBodyBytes = 64 * 1024 * 1024;
constexpr std::uint32_t kMaxResponseHeaderBytes = 64 * 1024;
constexpr char kUserAgent[] = "openlaps";

Status DeadlineExceededError(std::string message) {
  return {StatusCode::kDeadlineExceeded, std::move(message)};
}

Status CancelledError() { return {StatusCode::kAborted, "HTTP request cancelled"}; }

std::string_view View(beast::string_view text) { return {text.data(), text.size()}; }

struct ParsedUrl {
  bool tls = false;
  std::string host;  // without IPv6 brackets
  std::string port;
  std::string host_header;
};

Result<ParsedUrl> ParseBaseUrl(std::string_view url) {
  ParsedUrl parsed;
  std::string_view rest;
  if (url.starts_with("http://")) {
    rest = url.substr(7);
  } else if (url.starts_with("https://")) {
    parsed.tls = true;
    rest = url.substr(8);
  } else {
    return InvalidArgumentError("base URL must start with http:// or https://");
  }
  if (rest.ends_with('/')) rest.remove_suffix(1);
  if (rest.empty() || rest.find_first_of("/?#@") != std::string_view::npos) {
    return InvalidArgumentError("base URL must be scheme://host[:port] without a path");
  }
  std::string_view host = rest;
  std::string_view port;
  if (rest.front() == '[') {  // [::1]:8443
    std::size_t close = rest.find(']');
    if (close == std::string_view::npos) return InvalidArgumentError("unterminated IPv6 address");
    host = rest.substr(1, close - 1);
    std::string_view after = rest.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return InvalidArgumentError("junk after IPv6 address");
      port = after.substr(1);
    }
  } else if (std::size_t colon = rest.rfind(':'); colon != std::string_view::npos) {
    host = rest.substr(0, colon);
    port = rest.substr(colon + 1);
  }
  if (host.empty()) return InvalidArgumentError("base URL has no host");
  if (port.empty() && rest.back() == ':') return InvalidArgumentError("base URL has an empty port");
  if (!port.empty()) {
    if (port.size() > 5 || port.find_first_not_of("0123456789") != std::string_view::npos ||
        std::stoul(std::string(port)) > 65535 || std::stoul(std::string(port)) == 0) {
      return InvalidArgumentError("invalid port in base URL");
    }
  }
  parsed.host = std::string(host);
  parsed.port = port.empty() ? (parsed.tls ? "443" : "80") : std::string(port);
  parsed.host_header = std::string(rest);
  return parsed;
}

}  // namespace

struct HttpClient::Impl {
 public:
  Impl(ParsedUrl url, ClientOptions options) : url_(std::move(url)), options_(std::move(options)) {}

  Status Init();
  std::chrono::milliseconds timeout() const { return options_.timeout; }
  // Drops the connection, if any; the next Send reconnects.
  void Disconnect();
  Result<Response> Send(std::string_view method, std::string_view target, const Headers& headers,
                        std::string_view body, std::chrono::milliseconds timeout);
  // Any thread. The abort itself runs on the io_context, in the thread that
  // runs it (Send's), so the stream is never touched from two threads; the
  // io_context's own wakeup interrupts an epoll wait at once.
  void Cancel();

 private:
  bool Connected() const { return plain_ != nullptr || secure_ != nullptr; }
  beast::tcp_stream& Lowest() { return plain_ ? *plain_ : beast::get_lowest_layer(*secure_); }
  Status Connect(Clock::time_point deadline);
  // Runs the io_context until the operations started on it have completed.
  void Run();
  ErrorCode Write(bhttp::request<bhttp::string_body>& request, Clock::time_point deadline);
  ErrorCode Read(bhttp::response_parser<bhttp::string_body>& parser, Clock::time_point deadline);
  // Runs on the io_context: aborts whatever operation is pending.
  void AbortInFlight();
  Status ErrorStatus(const ErrorCode& ec, std::string_view what) const;

  const ParsedUrl url_;
  const ClientOptions options_;
  net::io_context io_;
  std::optional<net::ssl::context> tls_;
  std::unique_ptr<beast::tcp_stream> plain_;
  std::unique_ptr<beast::ssl_stream<beast::tcp_stream>> secure_;
  beast::flat_buffer buffer_;
  std::atomic<bool> cancelled_{false};
  // While Connect runs: what a cancellation must abort (Send's thread only).
  tcp::resolver* resolving_ = nullptr;
  beast::tcp_stream* connecting_ = nullptr;
};

void HttpClient::Impl::Cancel() {
  cancelled_ = true;
  net::post(io_, [this] { AbortInFlight(); });
}

void HttpClient::Impl::AbortInFlight() {
  if (resolving_) resolving_->cancel();
  if (connecting_) connecting_->cancel();
  if (Connected()) Lowest().cancel();
}

Status HttpClient::Impl::Init() {
  if (!url_.tls) return Status::Ok();
  ErrorCode ec;
  net::ssl::context context(net::ssl::context::tls_client);
  context.set_options(net::ssl::context::default_workarounds | net::ssl::context::no_sslv2 |
                          net::ssl::context::no_sslv3 | net::ssl::context::no_tlsv1 |
                          net::ssl::context::no_tlsv1_1,
                      ec);
  if (ec) return InternalError("cannot configure TLS: " + ec.message());
  if (options_.ca_file) {
    context.load_verify_file(options_.ca_file->string(), ec);
    if (ec) {
      return InvalidArgumentError("cannot load CA file " + options_.ca_file->string() + ": " +
                                  ec.message());
    }
  } else {
    context.set_default_verify_paths(ec);
    if (ec) return InternalError("cannot load the system CA store: " + ec.message());
  }
  context.set_verify_mode(options_.verify_peer ? net::ssl::verify_peer : net::ssl::verify_none);
  tls_.emplace(std::move(context));
  return Status::Ok();
}

void HttpClient::Impl::Run() {
  io_.restart();
  io_.run();
}

void HttpClient::Impl::Disconnect() {
  ErrorCode ignored;
  if (Connected()) {
    Lowest().socket().shutdown(tcp::socket::shutdown_both, ignored);
    Lowest().close();
  }
  plain_.reset();
  secure_.reset();
  buffer_.clear();
}

Status HttpClient::Impl::ErrorStatus(const ErrorCode& ec, std::string_view what) const {
  const std::string where = url_.host + ":" + url_.port;
  if (ec == beast::error::timeout) {
    return DeadlineExceededError(std::string(what) + " " + where + " timed out");
  }
  if (ec == bhttp::error::body_limit) {
    return {StatusCode::kResourceExhausted, "response from " + where + " is too large"};
  }
  if (ec.category() == bhttp::make_error_code(bhttp::error::bad_target).category() &&
      ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message) {
    return InternalError("malformed HTTP response from " + where + ": " + ec.message());
  }
  return UnavailableError(std::string(what) + " " + where + " failed: " + ec.message());
}

Status HttpClient::Impl::Connect(Clock::time_point deadline) {
  Disconnect();
  const std::string where = url_.host + ":" + url_.port;

  // The resolver has no deadline of its own: race it against a timer.
  tcp::resolver resolver(io_);
  net::steady_timer timer(io_);
  ErrorCode ec;
  tcp::resolver::results_type endpoints;
  bool resolved = false;
  timer.expires_at(deadline);
  resolving_ = &resolver;
  timer.async_wait([&](const ErrorCode& e) {
    if (!e) resolver.cancel();
  });
  resolver.async_resolve(url_.host, url_.port,
                         [&](const ErrorCode& e, tcp::resolver::results_type results) {
                           ec = e;
                           endpoints = std::move(results);
                           resolved = !e;
                           timer.cancel();
                         });
  Run();
  resolving_ = nullptr;
  if (cancelled_) return CancelledError();
  if (!resolved) {
    if (Clock::now() >= deadline) return DeadlineExceededError("resolving " + where + " timed out");
    return UnavailableError("cannot resolve " + where + ": " + ec.message());
  }

  auto stream = std::make_unique<beast::tcp_stream>(io_);
  stream->expires_at(deadline);
  connecting_ = stream.get();
  stream->async_connect(endpoints, [&](const ErrorCode& e, const tcp::endpoint&) { ec = e; });
  Run();
  connecting_ = nullptr;
  if (cancelled_) return CancelledError();
  if (ec == beast::error::timeout)
    return DeadlineExceededError("connecting to " + where + " timed out");
  if (ec) return UnavailableError("cannot connect to " + where + ": " + ec.message());
  ErrorCode ignored;
  stream->socket().set_option(tcp::no_delay(true), ignored);

  if (!url_.tls) {
    stream->expires_never();
    plain_ = std::move(stream);
    return Status::Ok();
  }
  auto secure = std::make_unique<beast::ssl_stream<beast::tcp_stream>>(std::move(*stream), *tls_);
  net::ip::make_address(url_.host, ec);
  const bool is_address = !ec;
  // SNI carries host names only (RFC 6066 §3).
  if (!is_address && !SSL_set_tlsext_host_name(secure->native_handle(), url_.host.c_str())) {
    return InternalError("cannot set TLS server name");
  }
  if (options_.verify_peer) {
    secure->set_verify_callback(net::ssl::host_name_verification(url_.host));
  }
  connecting_ = &beast::get_lowest_layer(*secure);
  secure->async_handshake(net::ssl::stream_base::client, [&](const ErrorCode& e) { ec = e; });
  Run();
  connecting_ = nullptr;
  if (cancelled_) return CancelledError();
  if (ec == beast::error::timeout) {
    return DeadlineExceededError("TLS handshake with " + where + " timed out");
  }
  if (ec) return UnavailableError("TLS handshake with " + where + " failed: " + ec.message());
  beast::get_lowest_layer(*secure).expires_never();
  secure_ = std::move(secure);
  return Status::Ok();
}

ErrorCode HttpClient::Impl::Write(bhttp::request<bhttp::string_body>& request,
                                  Clock::time_point deadline) {
  // A Cancel() whose abort already ran (between two operations) must not
  // let a new one start and wait out its deadline.
  if (cancelled_) return net::error::operation_aborted;
  ErrorCode ec;
  Lowest().expires_at(deadline);
  auto done = [&](const ErrorCode& e, std::size_t) { ec = e; };
  if (plain_) {
    bhttp::async_write(*plain_, request, done);
  } else {
    bhttp::async_write(*secure_, request, done);
  }
  Run();
  return ec;
}

ErrorCode HttpClient::Impl::Read(bhttp::response_parser<bhttp::string_body>& parser,
                                 Clock::time_point deadline) {
  // A Cancel() whose abort already ran (between two operations) must not
  // let a new one start and wait out its deadline.
  if (cancelled_) return net::error::operation_aborted;
  ErrorCode ec;
  Lowest().expires_at(deadline);
  auto done = [&](const ErrorCode& e, std::size_t) { ec = e; };
  if (plain_) {
    bhttp::async_read(*plain_, buffer_, parser, done);
  } else {
    bhttp::async_read(*secure_, buffer_, parser, done);
  }
  Run();
  if (!ec) Lowest().expires_never();
  return ec;
}

Result<Response> HttpClient::Impl::Send(std::string_view method, std::string_view target,
                                        const Headers& headers, std::string_view body,
                                        std::chrono::milliseconds timeout) {
  if (target.empty() || target.front() != '/') {
    return InvalidArgumentError("request target must start with '/'");
  }
  if (cancelled_) return CancelledError();
  const Clock::time_point deadline = Clock::now() + timeout;

  bhttp::request<bhttp::string_body> request;
  request.version(11);
  request.method_string(beast::string_view(method.data(), method.size()));
  request.target(beast::string_view(target.data(), target.size()));
  request.set(bhttp::field::host, url_.host_header);
  request.set(bhttp::field::user_agent, kUserAgent);
  for (const auto& [name, value] : headers) request.set(name, value);
  request.body() = std::string(body);
  request.keep_alive(true);
  request.prepare_payload();
  const bool head = request.method() == bhttp::verb::head;

  // A kept-alive connection may have been closed by the server (idle
  // timeout, restart) while we were not looking. Retrying is safe only when
  // the server cannot have processed the request: the write failed, or the
  // read ended before a single byte of response arrived. Either happens at
  // most once per Send; a fresh connection is never retried.
  bool may_retry = Connected();
  for (;;) {
    if (!Connected()) {
      OPENLAPS_RETURN_IF_ERROR(Connect(deadline));
    }
    ErrorCode ec = Write(request, deadline);
    if (ec) {
      Disconnect();
      if (cancelled_) return CancelledError();
      if (may_retry && ec != beast::error::timeout) {
        may_retry = false;
        continue;
      }
      return ErrorStatus(ec, "sending to");
    }
    bhttp::response_parser<bhttp::string_body> parser;
    parser.header_limit(kMaxResponseHeaderBytes);
    parser.body_limit(kMaxResponseBodyBytes);
    parser.skip(head);
    ec = Read(parser, deadline);
    if (ec) {
      const bool nothing_read = !parser.got_some();
      Disconnect();
      if (cancelled_) return CancelledError();
      if (may_retry && nothing_read && ec != beast::error::timeout) {
        may_retry = false;
        continue;
      }
      return ErrorStatus(ec, "reading from");
    }

    bhttp::response<bhttp::string_body> reply = parser.release();
    Response response;
    response.status = static_cast<int>(reply.result_int());
    for (const auto& field : reply) {
      auto [it, inserted] =
          response.headers.emplace(std::string(field.name_string()), std::string(field.value()));
      if (!inserted) {
        it->second += ", ";
        it->second += View(field.value());
      }
    }
    response.body = std::move(reply.body());
    if (!reply.keep_alive()) Disconnect();
    return response;
  }
}

Result<std::unique_ptr<HttpClient>> HttpClient::Create(std::string_view base_url,
                                                       ClientOptions options) {
  try {
    OPENLAPS_ASSIGN_OR_RETURN(ParsedUrl url, ParseBaseUrl(base_url));
    auto impl = std::make_unique<Impl>(std::move(url), std::move(options));
    OPENLAPS_RETURN_IF_ERROR(impl->Init());
    // The constructor is private; make_unique cannot reach it.
    return std::unique_ptr<HttpClient>(new HttpClient(std::move(impl)));
  } catch (const std::exception& e) {
    return InternalError(std::string("cannot create the HTTP client: ") + e.what());
  }
}

HttpClient::HttpClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpClient::~HttpClient() = default;

void HttpClient::Cancel() { impl_->Cancel(); }

Result<Response> HttpClient::Send(std::string_view method, std::string_view target,
                                  const Headers& headers, std::string_view body,
                                  std::optional<std::chrono::milliseconds> timeout) {
  try {
    return impl_->Send(method, target, headers, body, timeout.value_or(impl_->timeout()));
  } catch (const std::exception& e) {
    impl_->Disconnect();  // the connection's state is unknown
    return InternalError(std::string("HTTP request failed: ") + e.what());
  }
}

}  // namespace openlaps::http
