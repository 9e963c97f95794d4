#include "http/server.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "http/client.h"
#include "testing/status_matchers.h"

namespace openlaps::http {
namespace {

namespace net = boost::asio;
using tcp = net::ip::tcp;
using ::testing::HasSubstr;
using ::testing::StartsWith;
using namespace std::chrono_literals;

constexpr auto kWaitLimit = 30s;  // upper bound for things expected promptly

// Echoes what the handler saw, so tests can check the Request conversion.
net::awaitable<Response> Echo(Request& request) {
  Response response;
  response.headers["Content-Type"] = "text/plain";
  response.headers["X-Echo-Remote"] = request.remote_address;
  response.body = request.method + " " + request.path +
                  " q=" + request.QueryParam("q").value_or("-") +
                  " h=" + request.Header("x-test").value_or("-") + " body=" + request.body;
  co_return response;
}

// Holds one request in a handler that is suspended on a timer, until the
// test releases it.
class Gate {
 public:
  net::awaitable<Response> Handle(Request& request) {
    if (request.path != "/slow") co_return Response{200, {}, "fast"};
    auto executor = co_await net::this_coro::executor;
    net::steady_timer timer(executor, std::chrono::hours(1));
    {
      std::lock_guard<std::mutex> lock(mutex_);
      timer_ = &timer;
      executor_ = executor;
    }
    entered_.set_value();
    boost::system::error_code ec;
    co_await timer.async_wait(net::redirect_error(net::use_awaitable, ec));
    co_return Response{200, {}, "slow done"};
  }

  Handler AsHandler() {
    return [this](Request& request) { return Handle(request); };
  }

  void WaitEntered() { ASSERT_EQ(entered_future_.wait_for(kWaitLimit), std::future_status::ready); }

  // Wakes the suspended handler; call after WaitEntered().
  void Release() {
    std::lock_guard<std::mutex> lock(mutex_);
    net::post(executor_, [timer = timer_] { timer->cancel(); });
  }

 private:
  std::promise<void> entered_;
  std::future<void> entered_future_ = entered_.get_future();
  std::mutex mutex_;
  net::steady_timer* timer_ = nullptr;
  net::any_io_executor executor_;
};

// Sends raw bytes over a plain socket and reads until the server closes.
std::string RawExchange(std::uint16_t port, const std::string& bytes) {
  net::io_context io;
  tcp::socket socket(io);
  socket.connect({net::ip::make_address("127.0.0.1"), port});
  boost::system::error_code ec;
  net::write(socket, net::buffer(bytes), ec);  // the server may answer before reading it all
  std::string reply;
  net::read(socket, net::dynamic_buffer(reply), ec);
  return reply;
}

std::string ErrorCodeOf(const std::string& json_body) {
  return nlohmann::json::parse(json_body).at("error").at("code").get<std::string>();
}

class ServerTest : public ::testing::Test {
 protected:
  void TearDown() override { StopServer(); }

  void StartServer(Handler handler, ServerOptions options = {}, int threads = 2) {
    options.error_log = [this](std::string_view message) {
      std::lock_guard<std::mutex> lock(log_mutex_);
      log_.emplace_back(message);
    };
    auto server = HttpServer::Create(io_, std::move(options), std::move(handler));
    ASSERT_OK(server);
    server_ = std::move(server).value();
    server_->Start();
    for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { io_.run(); });
  }

  // Stops the server, waits for on_stopped, and lets the io threads finish.
  void StopServer() {
    if (server_) {
      auto stopped = std::make_shared<std::promise<void>>();
      auto future = stopped->get_future();
      server_->Stop([stopped] { stopped->set_value(); });
      if (future.wait_for(kWaitLimit) != std::future_status::ready) {
        ADD_FAILURE() << "server did not stop";
        io_.stop();
      }
    }
    work_.reset();
    for (auto& thread : threads_) thread.join();
    threads_.clear();
    server_.reset();
  }

  std::unique_ptr<HttpClient> NewClient(ClientOptions options = {}) {
    auto client = HttpClient::Create("http://127.0.0.1:" + std::to_string(server_->port()),
                                     std::move(options));
    EXPECT_OK(client);
    return client.ok() ? std::move(client).value() : nullptr;
  }

  std::vector<std::string> Logs() {
    std::lock_guard<std::mutex> lock(log_mutex_);
    return log_;
  }

  net::io_context io_;
  std::optional<net::executor_work_guard<net::io_context::executor_type>> work_{
      net::make_work_guard(io_)};
  std::vector<std::thread> threads_;
  std::unique_ptr<HttpServer> server_;
  std::mutex log_mutex_;
  std::vector<std::string> log_;
};

TEST_F(ServerTest, GetEchoesPathQueryAndHeaders) {
  StartServer(Echo);
  auto client = NewClient();
  ASSERT_OK_AND_ASSIGN(Response response,
                       client->Send("GET", "/echo/a%20b?q=x+y%26z&other=1", {{"X-Test", "hi"}}));
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, "GET /echo/a b q=x y&z h=hi body=");
  EXPECT_EQ(response.headers["content-type"], "text/plain");
  EXPECT_EQ(response.headers["X-Echo-Remote"], "127.0.0.1");
  EXPECT_EQ(response.headers["Content-Length"], std::to_string(response.body.size()));
}

TEST_F(ServerTest, PostEchoesBodyAndDefaultsToJson) {
  StartServer([](Request& request) -> net::awaitable<Response> {
    co_return Response{201, {}, request.method + ":" + request.body};
  });
  auto client = NewClient();
  ASSERT_OK_AND_ASSIGN(Response response, client->Send("POST", "/devices", {}, R"({"a":1})"));
  EXPECT_EQ(response.status, 201);
  EXPECT_EQ(response.body, R"(POST:{"a":1})");
  EXPECT_EQ(response.headers["Content-Type"], "application/json");
}

TEST_F(ServerTest, KeepAliveReusesOneConnection) {
  StartServer(Echo);
  auto client = NewClient();
  ASSERT_OK_AND_ASSIGN(Response first, client->Send("GET", "/one"));
  ASSERT_OK_AND_ASSIGN(Response second, client->Send("POST", "/two", {}, "x"));
  EXPECT_EQ(first.body, "GET /one q=- h=- body=");
  EXPECT_EQ(second.body, "POST /two q=- h=- body=x");
  EXPECT_EQ(server_->accepted_connections(), 1u);
  EXPECT_EQ(server_->open_connections(), 1u);
}

TEST_F(ServerTest, HandlerStatusPassesThrough) {
  StartServer([](Request&) -> net::awaitable<Response> {
    Response response;
    response.status = 404;
    response.body = R"({"error":{"code":"itemNotFound","message":"no such device"}})";
    response.headers["X-Request-Id"] = "abc";
    co_return response;
  });
  auto client = NewClient();
  ASSERT_OK_AND_ASSIGN(Response response, client->Send("GET", "/devices/42"));
  EXPECT_EQ(response.status, 404);
  EXPECT_EQ(ErrorCodeOf(response.body), "itemNotFound");
  EXPECT_EQ(response.headers["x-request-id"], "abc");
  // The connection stays usable after a handler's 4xx.
  ASSERT_OK(client->Send("GET", "/devices/43"));
  EXPECT_EQ(server_->accepted_connections(), 1u);
}

TEST_F(ServerTest, HeadGetsHeadersOnly) {
  StartServer(Echo);
  auto client = NewClient();
  ASSERT_OK_AND_ASSIGN(Response head, client->Send("HEAD", "/x"));
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.body, "");
  EXPECT_EQ(head.headers["Content-Length"],
            std::to_string(std::string("HEAD /x q=- h=- body=").size()));
  ASSERT_OK_AND_ASSIGN(Response get, client->Send("GET", "/x"));  // framing intact
  EXPECT_EQ(get.body, "GET /x q=- h=- body=");
}

TEST_F(ServerTest, OversizedBodyGets413) {
  ServerOptions options;
  options.max_body_bytes = 16;
  StartServer(Echo, options);
  std::string reply =
      RawExchange(server_->port(), "POST /x HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\n" +
                                       std::string(100, 'b'));
  EXPECT_THAT(reply, StartsWith("HTTP/1.1 413"));
  EXPECT_THAT(reply, HasSubstr("Connection: close"));
  EXPECT_THAT(reply, HasSubstr(R"({"error":{"code":"payloadTooLarge")"));
}

TEST_F(ServerTest, OversizedChunkedBodyGets413) {
  ServerOptions options;
  options.max_body_bytes = 16;
  StartServer(Echo, options);
  std::string reply =
      RawExchange(server_->port(),
                  "POST /x HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
                  "20\r\n" +
                      std::string(32, 'b') + "\r\n0\r\n\r\n");
  EXPECT_THAT(reply, StartsWith("HTTP/1.1 413"));
  EXPECT_THAT(reply, HasSubstr("payloadTooLarge"));
}

TEST_F(ServerTest, OversizedHeaderGets431) {
  ServerOptions options;
  options.max_header_bytes = 1024;
  StartServer(Echo, options);
  std::string reply =
      RawExchange(server_->port(),
                  "GET /x HTTP/1.1\r\nHost: t\r\nX-Big: " + std::string(4096, 'h') + "\r\n\r\n");
  EXPECT_THAT(reply, StartsWith("HTTP/1.1 431"));
  EXPECT_THAT(reply, HasSubstr("Connection: close"));
  EXPECT_THAT(reply, HasSubstr(R"({"error":{"code":"requestHeaderFieldsTooLarge")"));
}

TEST_F(ServerTest, LongTargetGets414) {
  ServerOptions options;
  options.max_target_bytes = 512;
  StartServer(Echo, options);
  const std::string at_limit = "/x?q=" + std::string(options.max_target_bytes - 5, 'a');
  std::string ok = RawExchange(server_->port(), "GET " + at_limit +
                                                    " HTTP/1.1\r\nHost: t\r\nConnection: "
                                                    "close\r\n\r\n");
  EXPECT_THAT(ok, StartsWith("HTTP/1.1 200"));
  std::string reply =
      RawExchange(server_->port(), "GET " + at_limit + "a HTTP/1.1\r\nHost: t\r\n\r\n");
  EXPECT_THAT(reply, StartsWith("HTTP/1.1 414"));
  EXPECT_THAT(reply, HasSubstr("Connection: close"));
  EXPECT_THAT(reply, HasSubstr(R"({"error":{"code":"uriTooLong")"));
}

TEST_F(ServerTest, TargetLongerThanTheWholeHeaderLimitGets414Not431) {
  ServerOptions options;
  options.max_header_bytes = 1024;
  options.max_target_bytes = 512;
  StartServer(Echo, options);
  std::string reply = RawExchange(
      server_->port(), "GET /x?q=" + std::string(8192, 'a') + " HTTP/1.1\r\nHost: t\r\n\r\n");
  EXPECT_THAT(reply, StartsWith("HTTP/1.1 414"));
  EXPECT_THAT(reply, HasSubstr(R"({"error":{"code":"uriTooLong")"));
}

TEST_F(ServerTest, MalformedRequestLineGets400) {
  StartServer(Echo);
  std::string reply = RawExchange(server_->port(), "THIS IS NOT HTTP\r\n\r\n");
  EXPECT_THAT(reply, StartsWith("HTTP/1.1 400"));
  EXPECT_THAT(reply, HasSubstr("Connection: close"));
  EXPECT_THAT(reply, HasSubstr(R"({"error":{"code":"badRequest")"));
}

TEST_F(ServerTest, MalformedTargetGets400) {
  StartServer(Echo);
  auto client = NewClient();
  ASSERT_OK_AND_ASSIGN(Response escape, client->Send("GET", "/a%zz"));
  EXPECT_EQ(escape.status, 400);
  EXPECT_EQ(ErrorCodeOf(escape.body), "badRequest");
  ASSERT_OK_AND_ASSIGN(Response nul, client->Send("GET", "/a?q=%00"));
  EXPECT_EQ(nul.status, 400);
}

TEST_F(ServerTest, IncompleteRequestGets408) {
  ServerOptions options;
  options.read_timeout = 1s;
  StartServer(Echo, options);
  std::string reply = RawExchange(server_->port(), "GET /x HTTP/1.1\r\nHost: t\r\n");
  EXPECT_THAT(reply, StartsWith("HTTP/1.1 408"));
  EXPECT_THAT(reply, HasSubstr(R"({"error":{"code":"requestTimeout")"));
}

TEST_F(ServerTest, ExpectContinueIsHonoured) {
  StartServer(Echo);
  std::string reply = RawExchange(server_->port(),
                                  "POST /x HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\n"
                                  "Content-Length: 3\r\nConnection: close\r\n\r\nabc");
  EXPECT_THAT(reply, StartsWith("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200"));
  EXPECT_THAT(reply, HasSubstr("body=abc"));
}

TEST_F(ServerTest, ThrowingHandlerGets500AndServerKeepsServing) {
  StartServer([](Request& request) -> net::awaitable<Response> {
    if (request.path == "/boom") throw std::runtime_error("kaboom");
    co_return Response{200, {}, "fine"};
  });
  auto client = NewClient();
  ASSERT_OK_AND_ASSIGN(Response boom, client->Send("GET", "/boom"));
  EXPECT_EQ(boom.status, 500);
  EXPECT_EQ(boom.headers["Connection"], "close");
  EXPECT_EQ(ErrorCodeOf(boom.body), "generalException");
  EXPECT_THAT(boom.body, ::testing::Not(HasSubstr("kaboom")));  // details go to the log only
  ASSERT_OK_AND_ASSIGN(Response next, client->Send("GET", "/fine"));
  EXPECT_EQ(next.status, 200);
  EXPECT_EQ(next.body, "fine");
  EXPECT_THAT(Logs(), ::testing::Contains(HasSubstr("kaboom")));
}

TEST_F(ServerTest, InvalidHandlerHeadersAreDropped) {
  StartServer([](Request&) -> net::awaitable<Response> {
    Response response;
    response.headers["X-Evil"] = "a\r\nSet-Cookie: x=y";
    response.headers["Content-Length"] = "999";
    response.body = "{}";
    co_return response;
  });
  auto client = NewClient();
  ASSERT_OK_AND_ASSIGN(Response response, client->Send("GET", "/"));
  EXPECT_EQ(response.body, "{}");
  EXPECT_EQ(response.headers.count("X-Evil"), 0u);
  EXPECT_EQ(response.headers.count("Set-Cookie"), 0u);
  EXPECT_EQ(response.headers["Content-Length"], "2");
}

// One io thread: the fast request can only complete while the slow handler
// is suspended (co_await on a timer), not blocking the thread.
TEST_F(ServerTest, SuspendedHandlerDoesNotBlockOtherRequests) {
  Gate gate;
  StartServer(gate.AsHandler(), {}, /*threads=*/1);
  std::future<Result<Response>> slow = std::async(std::launch::async, [this] {
    auto client = NewClient();
    return client->Send("GET", "/slow");
  });
  gate.WaitEntered();
  auto client = NewClient();
  ASSERT_OK_AND_ASSIGN(Response fast, client->Send("GET", "/fast"));
  EXPECT_EQ(fast.body, "fast");
  EXPECT_EQ(slow.wait_for(0s), std::future_status::timeout);
  gate.Release();
  Result<Response> slow_response = slow.get();
  ASSERT_OK(slow_response);
  EXPECT_EQ(slow_response->body, "slow done");
}

TEST_F(ServerTest, StopWaitsForInFlightRequest) {
  Gate gate;
  ServerOptions options;
  options.shutdown_grace = 3600s;  // only the in-flight request may delay the stop
  StartServer(gate.AsHandler(), options);
  std::future<Result<Response>> slow = std::async(std::launch::async, [this] {
    auto client = NewClient();
    return client->Send("GET", "/slow");
  });
  gate.WaitEntered();
  std::promise<void> stopped;
  std::future<void> stopped_future = stopped.get_future();
  server_->Stop([&stopped] { stopped.set_value(); });
  EXPECT_EQ(stopped_future.wait_for(0s), std::future_status::timeout);
  EXPECT_EQ(server_->open_connections(), 1u);
  gate.Release();
  Result<Response> response = slow.get();
  ASSERT_OK(response);
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, "slow done");
  EXPECT_EQ(response->headers["Connection"], "close");
  ASSERT_EQ(stopped_future.wait_for(kWaitLimit), std::future_status::ready);
  EXPECT_EQ(server_->open_connections(), 0u);
}

TEST_F(ServerTest, StopClosesIdleKeepAliveConnectionsAtOnce) {
  ServerOptions options;
  options.idle_timeout = 3600s;
  options.shutdown_grace = 3600s;
  StartServer(Echo, options);
  auto client = NewClient();
  ASSERT_OK(client->Send("GET", "/"));
  EXPECT_EQ(server_->open_connections(), 1u);
  std::promise<void> stopped;
  std::future<void> stopped_future = stopped.get_future();
  server_->Stop([&stopped] { stopped.set_value(); });
  ASSERT_EQ(stopped_future.wait_for(kWaitLimit), std::future_status::ready);
  EXPECT_EQ(server_->open_connections(), 0u);
  // The listener is gone too.
  Result<Response> after = client->Send("GET", "/");
  EXPECT_TRUE(after.status().IsUnavailable()) << after.status();
}

TEST_F(ServerTest, CreateFailsWhenPortIsTaken) {
  StartServer(Echo);
  ServerOptions options;
  options.port = server_->port();
  auto second = HttpServer::Create(io_, options, Echo);
  EXPECT_TRUE(second.status().IsUnavailable()) << second.status();
}

TEST_F(ServerTest, CreateFailsOnBadAddressOrTlsFiles) {
  ServerOptions bad_address;
  bad_address.address = "not-an-ip";
  EXPECT_TRUE(HttpServer::Create(io_, bad_address, Echo).status().IsInvalidArgument());
  ServerOptions missing_files;
  missing_files.tls_certificate = "/nonexistent/cert.pem";
  missing_files.tls_private_key = "/nonexistent/key.pem";
  EXPECT_TRUE(HttpServer::Create(io_, missing_files, Echo).status().IsInvalidArgument());
  ServerOptions half;
  half.tls_certificate = "/nonexistent/cert.pem";
  EXPECT_TRUE(HttpServer::Create(io_, half, Echo).status().IsInvalidArgument());
}

// A self-signed certificate for localhost and 127.0.0.1 in a temp dir.
class TlsFiles {
 public:
  TlsFiles() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "openlaps_http_test_XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) return;
    dir_ = pattern;
    const std::string command =
        "/usr/bin/openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=localhost "
        "-addext subjectAltName=DNS:localhost,IP:127.0.0.1 -days 1 -keyout " +
        key().string() + " -out " + cert().string() + " >/dev/null 2>&1";
    ok_ = std::system(command.c_str()) == 0;
  }
  ~TlsFiles() {
    std::error_code ignored;
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ignored);
  }
  bool ok() const { return ok_; }
  std::filesystem::path cert() const { return dir_ / "cert.pem"; }
  std::filesystem::path key() const { return dir_ / "key.pem"; }

 private:
  std::filesystem::path dir_;
  bool ok_ = false;
};

class TlsServerTest : public ServerTest {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists("/usr/bin/openssl")) GTEST_SKIP() << "no openssl CLI";
    files_.emplace();
    ASSERT_TRUE(files_->ok()) << "openssl req failed";
    ServerOptions options;
    options.tls_certificate = files_->cert();
    options.tls_private_key = files_->key();
    StartServer(Echo, options);
  }

  std::string Url(const std::string& host) {
    return "https://" + host + ":" + std::to_string(server_->port());
  }

  std::optional<TlsFiles> files_;
};

TEST_F(TlsServerTest, RoundTripWithVerifiedCertificate) {
  ClientOptions options;
  options.ca_file = files_->cert();
  ASSERT_OK_AND_ASSIGN(auto client, HttpClient::Create(Url("localhost"), options));
  ASSERT_OK_AND_ASSIGN(Response first, client->Send("GET", "/tls?q=1", {{"X-Test", "t"}}));
  EXPECT_EQ(first.status, 200);
  EXPECT_EQ(first.body, "GET /tls q=1 h=t body=");
  ASSERT_OK_AND_ASSIGN(Response second, client->Send("POST", "/tls", {}, "secret"));
  EXPECT_EQ(second.body, "POST /tls q=- h=- body=secret");
  EXPECT_EQ(server_->accepted_connections(), 1u);

  ASSERT_OK_AND_ASSIGN(auto by_ip, HttpClient::Create(Url("127.0.0.1"), options));
  EXPECT_OK(by_ip->Send("GET", "/"));
}

TEST_F(TlsServerTest, UntrustedCertificateIsRejected) {
  ASSERT_OK_AND_ASSIGN(auto client, HttpClient::Create(Url("localhost")));  // system CAs only
  Result<Response> response = client->Send("GET", "/");
  EXPECT_TRUE(response.status().IsUnavailable()) << response.status();
  EXPECT_THAT(response.status().message(), HasSubstr("certificate"));

  ClientOptions no_verify;
  no_verify.verify_peer = false;
  ASSERT_OK_AND_ASSIGN(auto lenient, HttpClient::Create(Url("localhost"), no_verify));
  EXPECT_OK(lenient->Send("GET", "/"));
}

TEST_F(TlsServerTest, PlainHttpClientOnTlsPortDoesNotHurtTheServer) {
  ClientOptions options;
  options.timeout = 2s;
  ASSERT_OK_AND_ASSIGN(
      auto plain,
      HttpClient::Create("http://127.0.0.1:" + std::to_string(server_->port()), options));
  EXPECT_FALSE(plain->Send("GET", "/").ok());
  ClientOptions tls;
  tls.ca_file = files_->cert();
  ASSERT_OK_AND_ASSIGN(auto client, HttpClient::Create(Url("localhost"), tls));
  EXPECT_OK(client->Send("GET", "/"));
}

TEST(HttpClientTest, RejectsBadBaseUrls) {
  for (const char* url : {"ftp://h", "http://", "http://h/path", "http://h:0", "http://h:99999",
                          "http://h:", "http://[::1", "127.0.0.1:80"}) {
    EXPECT_TRUE(HttpClient::Create(url).status().IsInvalidArgument()) << url;
  }
  EXPECT_OK(HttpClient::Create("http://[::1]:8080"));
  EXPECT_OK(HttpClient::Create("http://localhost/"));
}

TEST(HttpClientTest, ClosedPortIsUnavailable) {
  net::io_context io;
  tcp::acceptor acceptor(io, {net::ip::make_address("127.0.0.1"), 0});
  const std::uint16_t port = acceptor.local_endpoint().port();
  acceptor.close();
  ASSERT_OK_AND_ASSIGN(auto client, HttpClient::Create("http://127.0.0.1:" + std::to_string(port)));
  Result<Response> response = client->Send("GET", "/");
  EXPECT_TRUE(response.status().IsUnavailable()) << response.status();
}

TEST(HttpClientTest, SilentServerGivesDeadlineExceeded) {
  // A listener that never accepts: the kernel completes the handshake, nobody answers.
  net::io_context io;
  tcp::acceptor acceptor(io, {net::ip::make_address("127.0.0.1"), 0});
  ClientOptions options;
  options.timeout = 5s;
  ASSERT_OK_AND_ASSIGN(
      auto client,
      HttpClient::Create("http://127.0.0.1:" + std::to_string(acceptor.local_endpoint().port()),
                         options));
  Result<Response> response = client->Send("GET", "/", {}, {}, 200ms);  // per-request override
  EXPECT_EQ(response.status().code(), StatusCode::kDeadlineExceeded) << response.status();
}

// A scripted server: answers one request with keep-alive, then closes the
// connection behind the client's back; answers the next one on a new one.
TEST(HttpClientTest, ReconnectsOnceWhenKeptAliveConnectionWasClosed) {
  net::io_context io;
  tcp::acceptor acceptor(io, {net::ip::make_address("127.0.0.1"), 0});
  std::promise<void> first_closed;
  std::thread server([&] {
    const std::string reply = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
    for (int i = 0; i < 2; ++i) {
      tcp::socket socket = acceptor.accept();
      std::string request;
      boost::system::error_code ec;
      net::read_until(socket, net::dynamic_buffer(request), "\r\n\r\n", ec);
      net::write(socket, net::buffer(reply), ec);
      socket.shutdown(tcp::socket::shutdown_both, ec);
      socket.close();
      if (i == 0) first_closed.set_value();
    }
  });
  ASSERT_OK_AND_ASSIGN(
      auto client,
      HttpClient::Create("http://127.0.0.1:" + std::to_string(acceptor.local_endpoint().port())));
  ASSERT_OK_AND_ASSIGN(Response first, client->Send("GET", "/1"));
  EXPECT_EQ(first.body, "ok");
  first_closed.get_future().wait();
  ASSERT_OK_AND_ASSIGN(Response second, client->Send("GET", "/2"));
  EXPECT_EQ(second.body, "ok");
  server.join();
}

}  // namespace
}  // namespace openlaps::http
