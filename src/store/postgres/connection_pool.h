// A bounded pool of PostgreSQL connections: a store call borrows one for its
// transaction and gives it back, so calls on different threads run in
// parallel on the server instead of queueing behind one connection.
//
// Thread-safe. Connections open lazily up to `max_size`; a caller waits
// while all are lent. A connection that broke is dropped on return, and the
// next caller opens a fresh one, so a restarted server heals the pool.
#ifndef OPENLAPS_STORE_POSTGRES_CONNECTION_POOL_H_
#define OPENLAPS_STORE_POSTGRES_CONNECTION_POOL_H_

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/status.h"
#include "store/postgres/connection.h"

namespace openlaps::store::postgres {

class ConnectionPool {
 public:
  ConnectionPool(std::string conninfo, int max_size);
  ConnectionPool(const ConnectionPool&) = delete;
  ConnectionPool& operator=(const ConnectionPool&) = delete;

  // A borrowed connection, returned to the pool when the lease dies.
  class Lease {
   public:
    Lease(Lease&& other) noexcept;
    Lease& operator=(Lease&&) = delete;
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    ~Lease();
    Connection& operator*() const { return *connection_; }
    Connection* operator->() const { return connection_.get(); }

   private:
    friend class ConnectionPool;
    Lease(ConnectionPool* pool, std::unique_ptr<Connection> connection)
        : pool_(pool), connection_(std::move(connection)) {}
    ConnectionPool* pool_;
    std::unique_ptr<Connection> connection_;
  };

  Result<Lease> Acquire();

 private:
  void Release(std::unique_ptr<Connection> connection);

  const std::string conninfo_;
  const int max_size_;
  std::mutex mu_;
  std::condition_variable available_;
  std::vector<std::unique_ptr<Connection>> idle_;  // GUARDED_BY(mu_)
  int open_ = 0;                                   // GUARDED_BY(mu_): idle and lent
};

}  // namespace openlaps::store::postgres

#endif  // OPENLAPS_STORE_POSTGRES_CONNECTION_POOL_H_
