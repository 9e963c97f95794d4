// A thin RAII layer over libpq for the PostgreSQL dialect: one connection
// with its own server-side prepared statements, cursors that bind their
// parameters left to right (store/sql/statement.h), and the mapping of
// SQLSTATE codes to Status. No libpq type leaks out of store/postgres.
//
// Thread safety: none. A Connection and the Statements taken from it belong to
// one thread at a time (the dialect hands connections out of a pool).
#ifndef OPENLAPS_STORE_POSTGRES_CONNECTION_H_
#define OPENLAPS_STORE_POSTGRES_CONNECTION_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/status.h"
#include "store/sql/statement.h"

struct pg_conn;
struct pg_result;

namespace openlaps::store::postgres {

// host, port and database of a libpq connection string, for logs and error
// messages: the string itself may carry a password.
std::string DescribeConnection(const std::string& conninfo);

// Rewrites SQLite-style placeholders to PostgreSQL's: `?` becomes $1, $2, ...
// in order and `?N` becomes $N. The store's SQL has no `?` inside literals.
std::string NumberPlaceholders(std::string_view sql);

class Connection;
class Cursor;

struct ResultDeleter {
  void operator()(pg_result* result) const;
};
using ResultPtr = std::unique_ptr<pg_result, ResultDeleter>;

class Connection {
 public:
  // Connects and checks the server speaks a protocol we can use. The
  // connection runs in UTC with the store's own session settings.
  static Result<std::unique_ptr<Connection>> Open(const std::string& conninfo);

  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection();

  // A statement for `sql` (one statement), prepared once per connection. It
  // runs at its first Step and keeps the whole result, so nested queries may
  // run while its rows are read.
  Result<sql::Statement> Prepare(std::string_view sql);
  // Runs a script of several statements without parameters (migrations,
  // transaction control).
  Status ExecScript(std::string_view sql, std::string_view context);

  // Rows changed by the most recent INSERT, UPDATE or DELETE.
  std::int64_t Changes() const { return changes_; }
  // False once the server went away; the pool then drops the connection.
  bool IsHealthy() const;

 private:
  friend class Cursor;  // runs its statement through Execute
  explicit Connection(pg_conn* conn) : conn_(conn) {}

  Result<ResultPtr> Execute(const std::string& name,
                            const std::vector<std::optional<std::string>>& values,
                            const std::vector<int>& formats);

  pg_conn* conn_;
  std::unordered_map<std::string, std::string> prepared_;  // SQL text -> statement name
  std::int64_t changes_ = 0;
};

// Converts a failed result to a Status: AlreadyExists for a unique
// violation, FailedPrecondition for a foreign-key, check or trigger refusal,
// Aborted for a serialization failure or deadlock (the caller may retry),
// Unavailable when the server is unreachable, Internal otherwise. The message
// is `context`, the SQLSTATE and, only for errors whose text cannot quote a
// bound value, PostgreSQL's primary message; never DETAIL (it quotes keys).
Status PostgresError(const pg_result* result, const pg_conn* conn, std::string_view context);

}  // namespace openlaps::store::postgres

#endif  // OPENLAPS_STORE_POSTGRES_CONNECTION_H_
