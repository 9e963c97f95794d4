#include "http/server.h"

#include <openssl/ssl.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <cerrno>
#include <cstdint>
#include <exception>
#include <iostream>
#include <limits>
#include <mutex>
#include <nlohmann/json.hpp>
#include <unordered_map>
#include <utility>
#include <vector>

namespace openlaps::http {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = net::ip::tcp;
using ErrorCode = boost::system::error_code;

constexpr std::size_t kIdleReadBytes = 4096;
constexpr auto kAcceptRetryDelay = std::chrono::milliseconds(100);
constexpr auto kErrorWriteTimeout = std::chrono::seconds(5);
constexpr auto kLingerTimeout = std::chrono::seconds(2);
constexpr std::size_t kLingerMaxBytes = 1024 * 1024;

// An answer the transport gives on its own, before or instead of the handler.
struct TransportError {
  int status;
  const char* code;
  const char* message;
};
constexpr TransportError kBadRequest{400, "badRequest", "The request is malformed."};
constexpr TransportError kBadTarget{400, "badRequest", "The request target is malformed."};
constexpr TransportError kRequestTimeout{408, "requestTimeout",
                                         "The request was not received in time."};
constexpr TransportError kPayloadTooLarge{413, "payloadTooLarge", "The request body is too large."};
constexpr TransportError kUriTooLong{414, "uriTooLong", "The request target is too long."};
constexpr TransportError kHeaderTooLarge{431, "requestHeaderFieldsTooLarge",
                                         "The request header is too large."};
constexpr TransportError kHandlerFailed{500, "generalException",
                                        "The server failed to handle the request."};

auto Redirect(ErrorCode& ec) { return net::redirect_error(net::use_awaitable, ec); }

Response ErrorResponse(const TransportError& error) {
  Response response;
  response.status = error.status;
  response.headers["Content-Type"] = "application/json";
  response.body =
      nlohmann::json{{"error", {{"code", error.code}, {"message", error.message}}}}.dump();
  return response;
}

// Whether the request line still unparsed in `buffer` (all of it when no
// line end arrived yet) is too long to hold a target of `max_target` bytes.
bool RequestLineTooLong(const beast::flat_buffer& buffer, std::size_t max_target) {
  const std::string_view data(static_cast<const char*>(buffer.data().data()), buffer.size());
  return data.substr(0, data.find("\r\n")).size() > max_target;
}

// Which read errors deserve an answer; the others (the peer closed or reset
// the connection) leave nobody to answer. A header over its limit because of
// an overlong target is 414, as RFC 9110 §15.5.15 asks.
std::optional<TransportError> ClassifyReadError(const ErrorCode& ec,
                                                const beast::flat_buffer& buffer,
                                                std::size_t max_target) {
  if (ec == bhttp::error::header_limit) {
    return RequestLineTooLong(buffer, max_target) ? kUriTooLong : kHeaderTooLarge;
  }
  if (ec == bhttp::error::body_limit) return kPayloadTooLarge;
  if (ec == bhttp::error::end_of_stream || ec == bhttp::error::partial_message) {
    return std::nullopt;
  }
  if (ec.category() == bhttp::make_error_code(bhttp::error::bad_target).category()) {
    return kBadRequest;
  }
  return std::nullopt;
}

std::string DescribeException(const std::exception_ptr& error) {
  try {
    std::rethrow_exception(error);
  } catch (const std::exception& e) {
    return e.what();
  } catch (...) {
    return "unknown exception";
  }
}

bool IsTokenChar(char c) {
  static constexpr std::string_view kSymbols = "!#$%&'*+-.^_`|~";
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
         kSymbols.find(c) != std::string_view::npos;
}

// A handler must not be able to split the response (CR/LF) or corrupt it.
bool IsValidField(std::string_view name, std::string_view value) {
  if (name.empty() || !std::all_of(name.begin(), name.end(), IsTokenChar)) return false;
  return value.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

// The transport frames messages itself.
bool IsFramingField(std::string_view name) {
  const std::string_view fields[] = {"Content-Length", "Transfer-Encoding", "Connection"};
  CaseInsensitiveLess less;
  return std::any_of(std::begin(fields), std::end(fields), [&](std::string_view field) {
    return !less(name, field) && !less(field, name);
  });
}

std::string_view View(beast::string_view text) { return {text.data(), text.size()}; }

bool ToRequest(bhttp::request<bhttp::string_body>&& message, const std::string& remote,
               Request* request) {
  request->method = std::string(message.method_string());
  request->target = std::string(message.target());
  request->remote_address = remote;
  for (const auto& field : message) {
    auto [it, inserted] =
        request->headers.emplace(std::string(field.name_string()), std::string(field.value()));
    if (!inserted) {  // repeated list-valued fields combine (RFC 9110 §5.3)
      it->second += ", ";
      it->second += View(field.value());
    }
  }
  request->body = std::move(message.body());
  return ParseTarget(request->target, &request->path, &request->query);
}

bool NeedsContinue(const bhttp::request<bhttp::string_body>& message) {
  return message.version() >= 11 && beast::iequals(message[bhttp::field::expect], "100-continue");
}

// Bounds the read of one request. tcp_stream::expires_after would close the
// socket on expiry; this only shuts down the receiving side and cancels the
// pending read, so a 408 can still be written.
class RequestDeadline {
 public:
  RequestDeadline(beast::tcp_stream& stream, std::chrono::steady_clock::duration timeout)
      : timer_(stream.get_executor()), state_(std::make_shared<State>()) {
    timer_.expires_after(timeout);
    // Runs on the connection's strand; `stream` is only touched while armed,
    // i.e. while the owning coroutine (and so the stream) is alive.
    timer_.async_wait([state = state_, &stream](const ErrorCode& ec) {
      if (ec || !state->armed) return;
      state->expired = true;
      ErrorCode ignored;
      stream.socket().shutdown(tcp::socket::shutdown_receive, ignored);
      stream.socket().cancel(ignored);
    });
  }
  ~RequestDeadline() { Disarm(); }
  RequestDeadline(const RequestDeadline&) = delete;
  RequestDeadline& operator=(const RequestDeadline&) = delete;

  // Returns whether the deadline had passed.
  bool Disarm() {
    state_->armed = false;
    timer_.cancel();
    return state_->expired;
  }

 private:
  struct State {
    bool armed = true;
    bool expired = false;
  };
  net::steady_timer timer_;
  std::shared_ptr<State> state_;
};

// Half-closes and drains what the client may still be sending (the rest of
// an oversized body, say), so that closing does not reset the connection
// before the client has read our error response.
net::awaitable<void> LingeringClose(beast::tcp_stream& stream) {
  ErrorCode ec;
  stream.socket().shutdown(tcp::socket::shutdown_send, ec);
  stream.expires_after(kLingerTimeout);
  std::array<char, 4096> sink;
  std::size_t drained = 0;
  while (!ec && drained < kLingerMaxBytes) {
    drained += co_await stream.async_read_some(net::buffer(sink), Redirect(ec));
  }
}

// One accepted connection as Stop() sees it. `stream` and `idle` are only
// touched on the connection's strand.
struct ConnectionSlot {
  explicit ConnectionSlot(net::any_io_executor executor) : strand(std::move(executor)) {}
  net::any_io_executor strand;
  beast::tcp_stream* stream = nullptr;  // lowest layer; null once the session ended
  bool idle = false;                    // waiting for the first byte of a request
};

// Publishes a session's stream in its slot for as long as the stream lives.
class SlotBinding {
 public:
  SlotBinding(ConnectionSlot& slot, beast::tcp_stream& stream) : slot_(slot) {
    slot_.stream = &stream;
  }
  ~SlotBinding() {
    slot_.stream = nullptr;
    slot_.idle = false;
  }
  SlotBinding(const SlotBinding&) = delete;
  SlotBinding& operator=(const SlotBinding&) = delete;

 private:
  ConnectionSlot& slot_;
};

}  // namespace

struct HttpServer::Impl : std::enable_shared_from_this<HttpServer::Impl> {
 public:
  Impl(net::io_context& io, ServerOptions options, Handler handler)
      : io_(io),
        options_(std::move(options)),
        handler_(std::move(handler)),
        acceptor_(net::make_strand(io)),
        grace_timer_(acceptor_.get_executor()) {}

  Status Listen();
  void Start();
  void Stop(std::function<void()> on_stopped);
  std::uint16_t port() const { return port_; }
  std::size_t open_connections() const { return open_.load(); }
  std::size_t accepted_connections() const { return accepted_.load(); }

 private:
  Status LoadTls();
  net::awaitable<void> AcceptLoop();
  void StartConnection(tcp::socket socket);
  net::awaitable<void> RunConnection(tcp::socket socket, std::shared_ptr<ConnectionSlot> slot);
  template <class Stream>
  net::awaitable<void> Serve(Stream& stream, ConnectionSlot& slot, const std::string& remote);
  template <class Stream>
  net::awaitable<void> SendError(Stream& stream, const TransportError& error, bool linger);
  bhttp::response<bhttp::string_body> ToWire(Response response, unsigned version, bool keep_alive,
                                             bool head);
  void BeginShutdown();
  void ConnectionEnded(std::uint64_t id);
  void FinishStopIfDone();
  // Runs `action` on each open connection's strand.
  void ForEachConnection(std::function<void(ConnectionSlot&)> action);
  void Log(std::string_view message) const;

  net::io_context& io_;
  const ServerOptions options_;
  const Handler handler_;
  std::optional<net::ssl::context> tls_;
  tcp::acceptor acceptor_;         // used on its own strand only
  net::steady_timer grace_timer_;  // on the acceptor's strand
  std::uint16_t port_ = 0;

  std::atomic<bool> started_{false};
  std::atomic<bool> stopping_{false};
  // Set on the acceptor's strand once no connection can be added any more.
  std::atomic<bool> acceptor_closed_{false};
  std::atomic<std::size_t> open_{0};
  std::atomic<std::size_t> accepted_{0};

  std::mutex mutex_;
  std::uint64_t next_id_ = 0;  // GUARDED_BY(mutex_)
  std::unordered_map<std::uint64_t, std::shared_ptr<ConnectionSlot>>
      connections_;       // GUARDED_BY(mutex_)
  bool stopped_ = false;  // GUARDED_BY(mutex_): the on_stopped callbacks ran
  std::vector<std::function<void()>> on_stopped_;  // GUARDED_BY(mutex_)
};

// TLS 1.2 suites: ECDHE key exchange (forward secrecy) with AEAD only.
constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

Status HttpServer::Impl::LoadTls() {
  ErrorCode ec;
  net::ssl::context context(net::ssl::context::tls_server);
  context.set_options(net::ssl::context::default_workarounds | net::ssl::context::no_sslv2 |
                          net::ssl::context::no_sslv3 | net::ssl::context::no_tlsv1 |
                          net::ssl::context::no_tlsv1_1,
                      ec);
  if (ec) return InternalError("cannot configure TLS: " + ec.message());
  // Forward secrecy and AEAD only (docs/deployment.md): TLS 1.2 with ECDHE
  // and GCM or ChaCha20-Poly1305, TLS 1.3 with OpenSSL's defaults (all
  // ECDHE/AEAD); our order wins; no compression, no renegotiation.
  SSL_CTX* native = context.native_handle();
  if (SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION) != 1 ||
      SSL_CTX_set_cipher_list(native, kTls12Ciphers) != 1) {
    return InternalError("cannot configure TLS ciphers");
  }
  SSL_CTX_set_options(
      native, SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
  context.use_certificate_chain_file(options_.tls_certificate->string(), ec);
  if (ec) {
    return InvalidArgumentError("cannot load TLS certificate " +
                                options_.tls_certificate->string() + ": " + ec.message());
  }
  context.use_private_key_file(options_.tls_private_key->string(), net::ssl::context::pem, ec);
  if (ec) {
    return InvalidArgumentError("cannot load TLS private key " +
                                options_.tls_private_key->string() + ": " + ec.message());
  }
  tls_.emplace(std::move(context));
  return Status::Ok();
}

Status HttpServer::Impl::Listen() {
  ErrorCode ec;
  net::ip::address address = net::ip::make_address(options_.address, ec);
  if (ec) return InvalidArgumentError("invalid listen address '" + options_.address + "'");
  if (options_.tls_certificate.has_value() != options_.tls_private_key.has_value()) {
    return InvalidArgumentError("TLS needs both a certificate and a private key");
  }
  if (options_.tls_certificate) OPENLAPS_RETURN_IF_ERROR(LoadTls());

  tcp::endpoint endpoint(address, options_.port);
  const std::string where = options_.address + ":" + std::to_string(options_.port);
  acceptor_.open(endpoint.protocol(), ec);
  if (ec) return UnavailableError("cannot open a socket for " + where + ": " + ec.message());
  acceptor_.set_option(net::socket_base::reuse_address(true), ec);
  if (ec) return UnavailableError("cannot set SO_REUSEADDR on " + where + ": " + ec.message());
  acceptor_.bind(endpoint, ec);
  if (ec) return UnavailableError("cannot bind " + where + ": " + ec.message());
  acceptor_.listen(net::socket_base::max_listen_connections, ec);
  if (ec) return UnavailableError("cannot listen on " + where + ": " + ec.message());
  port_ = acceptor_.local_endpoint(ec).port();
  if (ec) return UnavailableError("cannot read the bound port: " + ec.message());
  return Status::Ok();
}

void HttpServer::Impl::Start() {
  if (started_.exchange(true)) return;
  net::co_spawn(acceptor_.get_executor(), AcceptLoop(),
                [self = shared_from_this()](const std::exception_ptr& error) {
                  if (error) self->Log("accept loop ended: " + DescribeException(error));
                });
}

net::awaitable<void> HttpServer::Impl::AcceptLoop() {
  for (;;) {
    // Each connection gets its own strand: its handlers never race.
    tcp::socket socket(net::make_strand(io_));
    ErrorCode ec;
    co_await acceptor_.async_accept(socket, Redirect(ec));
    if (stopping_) co_return;
    if (ec == net::error::operation_aborted) co_return;
    if (ec) {
      // Typically EMFILE: pause rather than spin while descriptors are short.
      Log("accept failed: " + ec.message());
      net::steady_timer pause(acceptor_.get_executor());
      pause.expires_after(kAcceptRetryDelay);
      co_await pause.async_wait(Redirect(ec));
      continue;
    }
    StartConnection(std::move(socket));
  }
}

void HttpServer::Impl::StartConnection(tcp::socket socket) {
  ErrorCode ignored;
  socket.set_option(tcp::no_delay(true), ignored);
  net::any_io_executor strand = socket.get_executor();
  auto slot = std::make_shared<ConnectionSlot>(strand);
  std::uint64_t id = 0;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    id = next_id_++;
    connections_.emplace(id, slot);
  }
  ++open_;
  ++accepted_;
  // The one catch of a connection: whatever escaped its coroutine.
  net::co_spawn(strand, RunConnection(std::move(socket), std::move(slot)),
                [self = shared_from_this(), id](const std::exception_ptr& error) {
                  if (error) self->Log("connection failed: " + DescribeException(error));
                  self->ConnectionEnded(id);
                });
}

net::awaitable<void> HttpServer::Impl::RunConnection(tcp::socket socket,
                                                     std::shared_ptr<ConnectionSlot> slot) {
  ErrorCode ec;
  tcp::endpoint peer = socket.remote_endpoint(ec);
  const std::string remote = ec ? std::string() : peer.address().to_string();
  if (!tls_) {
    beast::tcp_stream stream(std::move(socket));
    SlotBinding binding(*slot, stream);
    co_await Serve(stream, *slot, remote);
    co_return;
  }
  beast::ssl_stream<beast::tcp_stream> stream(std::move(socket), *tls_);
  SlotBinding binding(*slot, beast::get_lowest_layer(stream));
  beast::get_lowest_layer(stream).expires_after(options_.read_timeout);
  co_await stream.async_handshake(net::ssl::stream_base::server, Redirect(ec));
  // Scanners, plain HTTP on the TLS port, timeouts: nobody to answer.
  if (ec) co_return;
  co_await Serve(stream, *slot, remote);
}

// While a handler runs nothing reads the socket: wait for it to become
// readable and peek. End of stream or an error means the client hung up
// (closed, killed: the kernel sent FIN or RST); bytes waiting (a pipelined
// request, a TLS alert) are left for the next read and the watch ends.
static void WatchForHangup(tcp::socket& socket, std::shared_ptr<ClientWatch> watch) {
  int fd = socket.native_handle();
  socket.async_wait(tcp::socket::wait_read, [fd, watch](const ErrorCode& ec) {
    if (ec) return;  // cancelled: the handler has answered
    char byte = 0;
    ssize_t n = ::recv(fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
      watch->MarkGone();
    }
  });
}

template <class Stream>
net::awaitable<void> HttpServer::Impl::Serve(Stream& stream, ConnectionSlot& slot,
                                             const std::string& remote) {
  beast::tcp_stream& socket = beast::get_lowest_layer(stream);
  beast::flat_buffer buffer;
  for (;;) {
    if (buffer.size() == 0) {
      // Between requests: wait for a first byte under idle_timeout. This is
      // the only state Stop() interrupts.
      if (stopping_) co_return;
      ErrorCode ec;
      slot.idle = true;
      socket.expires_after(options_.idle_timeout);
      std::size_t n = co_await stream.async_read_some(buffer.prepare(kIdleReadBytes), Redirect(ec));
      slot.idle = false;
      if (ec) co_return;
      buffer.commit(n);
    }
    socket.expires_never();

    bhttp::request_parser<bhttp::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(std::min<std::size_t>(
        options_.max_header_bytes, std::numeric_limits<std::uint32_t>::max())));
    parser.body_limit(options_.max_body_bytes);
    ErrorCode ec;
    bool timed_out = false;
    bool target_too_long = false;
    {
      RequestDeadline deadline(socket, options_.read_timeout);
      co_await bhttp::async_read_header(stream, buffer, parser, Redirect(ec));
      target_too_long = !ec && parser.get().target().size() > options_.max_target_bytes;
      if (!ec && !target_too_long && NeedsContinue(parser.get())) {
        bhttp::response<bhttp::empty_body> go_on(bhttp::status::continue_, 11);
        co_await bhttp::async_write(stream, go_on, Redirect(ec));
      }
      if (!ec && !target_too_long && !parser.is_done()) {
        co_await bhttp::async_read(stream, buffer, parser, Redirect(ec));
      }
      timed_out = deadline.Disarm();
    }
    if (target_too_long) {
      co_await SendError(stream, kUriTooLong, /*linger=*/true);
      co_return;
    }
    if (ec) {
      if (timed_out) {
        co_await SendError(stream, kRequestTimeout, /*linger=*/false);
      } else if (std::optional<TransportError> error =
                     ClassifyReadError(ec, buffer, options_.max_target_bytes)) {
        co_await SendError(stream, *error, /*linger=*/true);
      }
      co_return;
    }

    bhttp::request<bhttp::string_body> message = parser.release();
    // A long-poll parks here for minutes: hold no read buffer meanwhile.
    if (buffer.size() == 0) buffer.shrink_to_fit();
    const bool head = message.method() == bhttp::verb::head;
    const unsigned version = message.version();
    bool keep_alive = message.keep_alive();
    Request request;
    Response response;
    if (!ToRequest(std::move(message), remote, &request)) {
      response = ErrorResponse(kBadTarget);
      keep_alive = false;
    } else {
      request.client_watch = std::make_shared<ClientWatch>();
      WatchForHangup(socket.socket(), request.client_watch);
      try {
        response = co_await handler_(request);
      } catch (...) {
        Log("handler for " + request.method + " " + request.path +
            " threw: " + DescribeException(std::current_exception()));
        response = ErrorResponse(kHandlerFailed);
        keep_alive = false;
      }
    }
    if (request.client_watch) {
      request.client_watch->Forget();
      ErrorCode ignored;
      socket.socket().cancel(ignored);  // ends WatchForHangup's wait
    }
    if (stopping_) keep_alive = false;

    bhttp::response<bhttp::string_body> reply =
        ToWire(std::move(response), version, keep_alive, head);
    socket.expires_after(options_.read_timeout);
    co_await bhttp::async_write(stream, reply, Redirect(ec));
    if (ec) co_return;
    if (!keep_alive) {
      socket.socket().shutdown(tcp::socket::shutdown_send, ec);
      co_return;
    }
  }
}

template <class Stream>
net::awaitable<void> HttpServer::Impl::SendError(Stream& stream, const TransportError& error,
                                                 bool linger) {
  bhttp::response<bhttp::string_body> reply =
      ToWire(ErrorResponse(error), 11, /*keep_alive=*/false, /*head=*/false);
  beast::tcp_stream& socket = beast::get_lowest_layer(stream);
  socket.expires_after(kErrorWriteTimeout);
  ErrorCode ec;
  co_await bhttp::async_write(stream, reply, Redirect(ec));
  if (!ec && linger) co_await LingeringClose(socket);
}

bhttp::response<bhttp::string_body> HttpServer::Impl::ToWire(Response response, unsigned version,
                                                             bool keep_alive, bool head) {
  int status = response.status;
  if (status < 200 || status > 599) {
    Log("handler returned invalid status " + std::to_string(status) + "; sending 500");
    response = ErrorResponse(kHandlerFailed);
    status = response.status;
  }
  bhttp::response<bhttp::string_body> reply;
  reply.version(version);
  reply.result(static_cast<unsigned>(status));
  for (const auto& [name, value] : response.headers) {
    if (IsFramingField(name)) continue;
    if (!IsValidField(name, value)) {
      Log("dropping an invalid response header field");
      continue;
    }
    reply.insert(name, value);
  }
  if (status == 204 || status == 304) response.body.clear();
  if (!response.body.empty() && reply.find(bhttp::field::content_type) == reply.end()) {
    reply.set(bhttp::field::content_type, "application/json");
  }
  reply.keep_alive(keep_alive);
  if (head) {
    reply.content_length(response.body.size());
  } else {
    reply.body() = std::move(response.body);
    reply.prepare_payload();
  }
  return reply;
}

void HttpServer::Impl::Stop(std::function<void()> on_stopped) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopped_) {
      if (on_stopped) net::post(io_, std::move(on_stopped));
      return;
    }
    if (on_stopped) on_stopped_.push_back(std::move(on_stopped));
  }
  if (stopping_.exchange(true)) return;
  net::post(acceptor_.get_executor(), [self = shared_from_this()] { self->BeginShutdown(); });
}

void HttpServer::Impl::BeginShutdown() {
  ErrorCode ignored;
  acceptor_.close(ignored);
  acceptor_closed_ = true;
  grace_timer_.expires_after(options_.shutdown_grace);
  grace_timer_.async_wait([self = shared_from_this()](const ErrorCode& ec) {
    if (ec) return;
    self->ForEachConnection([](ConnectionSlot& slot) {
      if (slot.stream != nullptr) slot.stream->close();
    });
  });
  // Sessions check stopping_ before they go idle; these are already idle.
  ForEachConnection([](ConnectionSlot& slot) {
    if (slot.idle && slot.stream != nullptr) slot.stream->cancel();
  });
  FinishStopIfDone();
}

void HttpServer::Impl::ConnectionEnded(std::uint64_t id) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    connections_.erase(id);
  }
  if (open_.fetch_sub(1) == 1) FinishStopIfDone();
}

void HttpServer::Impl::FinishStopIfDone() {
  // open_ only grows on the acceptor's strand before acceptor_closed_ is set,
  // so once both hold, no connection can appear any more.
  if (!acceptor_closed_ || open_.load() != 0) return;
  std::vector<std::function<void()>> callbacks;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopped_) return;
    stopped_ = true;
    callbacks.swap(on_stopped_);
  }
  net::post(acceptor_.get_executor(), [self = shared_from_this()] { self->grace_timer_.cancel(); });
  for (auto& callback : callbacks) callback();
}

void HttpServer::Impl::ForEachConnection(std::function<void(ConnectionSlot&)> action) {
  std::vector<std::shared_ptr<ConnectionSlot>> slots;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto& [id, slot] : connections_) slots.push_back(slot);
  }
  for (auto& slot : slots) {
    net::any_io_executor strand = slot->strand;
    net::post(strand, [slot = std::move(slot), action] { action(*slot); });
  }
}

void HttpServer::Impl::Log(std::string_view message) const {
  if (options_.error_log) {
    options_.error_log(message);
    return;
  }
  std::cerr << "lapsd http: " << message << std::endl;
}

Result<std::unique_ptr<HttpServer>> HttpServer::Create(net::io_context& io, ServerOptions options,
                                                       Handler handler) {
  if (!handler) return InvalidArgumentError("HttpServer needs a handler");
  try {
    auto impl = std::make_shared<Impl>(io, std::move(options), std::move(handler));
    OPENLAPS_RETURN_IF_ERROR(impl->Listen());
    // The constructor is private; make_unique cannot reach it.
    return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
  } catch (const std::exception& e) {
    return InternalError(std::string("cannot create the HTTP server: ") + e.what());
  }
}

HttpServer::HttpServer(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpServer::~HttpServer() { impl_->Stop(nullptr); }

void HttpServer::Start() { impl_->Start(); }

void HttpServer::Stop(std::function<void()> on_stopped) { impl_->Stop(std::move(on_stopped)); }

std::uint16_t HttpServer::port() const { return impl_->port(); }

std::size_t HttpServer::open_connections() const { return impl_->open_connections(); }

std::size_t HttpServer::accepted_connections() const { return impl_->accepted_connections(); }

}  // namespace openlaps::http
