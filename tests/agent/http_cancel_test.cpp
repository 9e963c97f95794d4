// HttpClient::Cancel, which laps-agent's Stop() relies on: a request parked
// on a server that never answers (a long-poll) ends at once with Aborted,
// and a cancelled client refuses later requests.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <future>
#include <string>

#include "http/client.h"

namespace openlaps::http {
namespace {

// A loopback listener that accepts and reads requests but never answers.
class SilentServer {
 public:
  SilentServer() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    ok_ = fd_ >= 0 && ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
          ::listen(fd_, 4) == 0 &&
          ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) == 0;
    port_ = ntohs(addr.sin_port);
  }
  ~SilentServer() {
    if (client_ >= 0) ::close(client_);
    if (fd_ >= 0) ::close(fd_);
  }
  bool ok() const { return ok_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

  // Blocks until a whole request head has arrived: the client then waits
  // for the answer.
  bool ReadRequestHead() {
    client_ = ::accept(fd_, nullptr, nullptr);
    if (client_ < 0) return false;
    std::string head;
    char buf[512];
    while (head.find("\r\n\r\n") == std::string::npos) {
      ssize_t n = ::read(client_, buf, sizeof buf);
      if (n <= 0) return false;
      head.append(buf, static_cast<std::size_t>(n));
    }
    return true;
  }

 private:
  int fd_ = -1;
  int client_ = -1;
  bool ok_ = false;
  std::uint16_t port_ = 0;
};

TEST(HttpCancelTest, CancelEndsAParkedRequestAtOnce) {
  SilentServer server;
  ASSERT_TRUE(server.ok());
  auto client = HttpClient::Create(server.url());
  ASSERT_TRUE(client.ok()) << client.status().ToString();

  auto start = std::chrono::steady_clock::now();
  auto reply = std::async(std::launch::async, [&] {
    return (*client)->Send("GET", "/device/v1/actions?wait=60", {}, {}, std::chrono::seconds(60));
  });
  ASSERT_TRUE(server.ReadRequestHead());
  (*client)->Cancel();
  ASSERT_EQ(reply.wait_for(std::chrono::seconds(5)), std::future_status::ready)
      << "Cancel did not end the parked request";
  auto elapsed = std::chrono::steady_clock::now() - start;
  Result<Response> result = reply.get();
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kAborted) << result.status().ToString();
  EXPECT_LT(elapsed, std::chrono::seconds(5));

  // Cancelled for good: the next request does not even connect.
  Result<Response> later = (*client)->Send("GET", "/", {}, {}, std::chrono::seconds(60));
  ASSERT_FALSE(later.ok());
  EXPECT_EQ(later.status().code(), StatusCode::kAborted);
}

TEST(HttpCancelTest, CancelBeforeSendRefusesTheRequest) {
  SilentServer server;
  ASSERT_TRUE(server.ok());
  auto client = HttpClient::Create(server.url());
  ASSERT_TRUE(client.ok());
  (*client)->Cancel();
  Result<Response> result = (*client)->Send("GET", "/", {}, {}, std::chrono::seconds(60));
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kAborted);
}

}  // namespace
}  // namespace openlaps::http
