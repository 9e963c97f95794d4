#include "store/postgres/wake_listener.h"

#include <libpq-fe.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <string_view>

#include "store/postgres/connection.h"

namespace openlaps::store {
namespace {

constexpr const char* kListen = "LISTEN openlaps_wake";
constexpr std::chrono::milliseconds kFirstRetry{100};
constexpr std::chrono::milliseconds kLongestRetry{5000};

// Opens a connection that listens; nullptr on failure (the caller retries).
pg_conn* Listen(const std::string& conninfo, Status* error) {
  pg_conn* conn = PQconnectdb(conninfo.c_str());
  if (PQstatus(conn) == CONNECTION_OK) {
    postgres::ResultPtr result(PQexec(conn, kListen));
    if (result && PQresultStatus(result.get()) == PGRES_COMMAND_OK) return conn;
    *error = postgres::PostgresError(result.get(), conn, "LISTEN");
  } else {
    *error = UnavailableError("wake listener cannot connect to " +
                              postgres::DescribeConnection(conninfo));
  }
  PQfinish(conn);
  return nullptr;
}

}  // namespace

struct WakeListener::Impl {
  std::string conninfo;
  WakeHandlers handlers;
  pg_conn* conn = nullptr;  // owned by the listener thread once started
  int stop_fd = -1;         // eventfd: written once to stop

  ~Impl() {
    if (conn != nullptr) PQfinish(conn);
    if (stop_fd >= 0) ::close(stop_fd);
  }

  // Waits for `fd` to be readable or the stop signal; false when stopping.
  bool WaitReadable(int fd, int timeout_ms) {
    pollfd fds[2] = {{stop_fd, POLLIN, 0}, {fd, POLLIN, 0}};
    ::poll(fds, fd >= 0 ? 2 : 1, timeout_ms);
    return (fds[0].revents & POLLIN) == 0;
  }

  void Dispatch(std::string_view payload) {
    if (payload == "*") {
      handlers.everyone();
      return;
    }
    Id device = 0;
    auto [end, ec] = std::from_chars(payload.data(), payload.data() + payload.size(), device);
    if (ec == std::errc() && end == payload.data() + payload.size()) handlers.device(device);
  }
};

Result<std::unique_ptr<WakeListener>> WakeListener::Start(const std::string& conninfo,
                                                          WakeHandlers handlers) {
  auto impl = std::make_unique<Impl>();
  impl->conninfo = conninfo;
  impl->handlers = std::move(handlers);
  impl->stop_fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (impl->stop_fd < 0) return InternalError("eventfd failed");
  Status error;
  impl->conn = Listen(conninfo, &error);
  if (impl->conn == nullptr) return error;
  std::unique_ptr<WakeListener> listener(new WakeListener(std::move(impl)));
  listener->thread_ = std::thread([raw = listener.get()] { raw->Run(); });
  return listener;
}

WakeListener::WakeListener(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

WakeListener::~WakeListener() {
  const std::uint64_t one = 1;
  if (::write(impl_->stop_fd, &one, sizeof(one)) < 0) {
    // An eventfd write only fails on overflow, which one write cannot cause.
  }
  if (thread_.joinable()) thread_.join();
}

void WakeListener::Run() {
  std::chrono::milliseconds retry = kFirstRetry;
  while (true) {
    if (impl_->conn == nullptr) {
      if (!impl_->WaitReadable(-1, static_cast<int>(retry.count()))) return;
      Status error;
      impl_->conn = Listen(impl_->conninfo, &error);
      if (impl_->conn == nullptr) {
        retry = std::min(retry * 2, kLongestRetry);
        continue;
      }
      retry = kFirstRetry;
      reconnects_.fetch_add(1);
      impl_->handlers.everyone();  // whatever was sent while we were away
    }
    if (!impl_->WaitReadable(PQsocket(impl_->conn), -1)) return;
    if (PQconsumeInput(impl_->conn) == 0 || PQstatus(impl_->conn) != CONNECTION_OK) {
      PQfinish(impl_->conn);
      impl_->conn = nullptr;
      continue;
    }
    while (PGnotify* notify = PQnotifies(impl_->conn)) {
      impl_->Dispatch(notify->extra);
      PQfreemem(notify);
    }
  }
}

}  // namespace openlaps::store
