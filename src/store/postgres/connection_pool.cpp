#include "store/postgres/connection_pool.h"

#include <utility>

namespace openlaps::store::postgres {

ConnectionPool::ConnectionPool(std::string conninfo, int max_size)
    : conninfo_(std::move(conninfo)), max_size_(max_size < 1 ? 1 : max_size) {}

ConnectionPool::Lease::Lease(Lease&& other) noexcept
    : pool_(other.pool_), connection_(std::move(other.connection_)) {}

ConnectionPool::Lease::~Lease() {
  if (connection_) pool_->Release(std::move(connection_));
}

Result<ConnectionPool::Lease> ConnectionPool::Acquire() {
  {
    std::unique_lock<std::mutex> lock(mu_);
    available_.wait(lock, [&] { return !idle_.empty() || open_ < max_size_; });
    if (!idle_.empty()) {
      std::unique_ptr<Connection> connection = std::move(idle_.back());
      idle_.pop_back();
      return Lease(this, std::move(connection));
    }
    ++open_;  // reserve the slot; connect outside the lock
  }
  Result<std::unique_ptr<Connection>> opened = Connection::Open(conninfo_);
  if (!opened.ok()) {
    std::lock_guard<std::mutex> lock(mu_);
    --open_;
    available_.notify_one();
    return opened.status();
  }
  return Lease(this, std::move(opened).value());
}

void ConnectionPool::Release(std::unique_ptr<Connection> connection) {
  std::lock_guard<std::mutex> lock(mu_);
  if (connection->IsHealthy()) {
    idle_.push_back(std::move(connection));
  } else {
    --open_;  // dropped: mid-transaction or the server went away
  }
  available_.notify_one();
}

}  // namespace openlaps::store::postgres
