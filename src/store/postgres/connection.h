// A thin RAII layer over libpq for PostgresStore: one connection with its own
// server-side prepared statements, statements that bind their parameters
// left to right as the SQLite layer does (so the store code reads the same),
// and the mapping of SQLSTATE codes to Status. No libpq type leaks out of
// store/postgres.
//
// Thread safety: none. A Connection and the Statements taken from it belong to
// one thread at a time (PostgresStore hands connections out of a pool).
#ifndef OPENLAPS_STORE_POSTGRES_CONNECTION_H_
#define OPENLAPS_STORE_POSTGRES_CONNECTION_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "core/status.h"

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

struct ResultDeleter {
  void operator()(pg_result* result) const;
};
using ResultPtr = std::unique_ptr<pg_result, ResultDeleter>;

// A statement with its parameters; it runs at the first Step or Run and
// keeps the whole result, so nested queries may run while rows are read.
class Statement {
 public:
  Statement(Statement&&) noexcept = default;
  Statement& operator=(Statement&&) = delete;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement() = default;

  Statement& Bind(std::int64_t value);
  Statement& Bind(std::string_view text);
  Statement& Bind(std::span<const std::uint8_t> blob);
  Statement& Bind(core::Timestamp time);  // unix seconds
  Statement& Bind(const std::optional<std::int64_t>& value);
  Statement& Bind(const std::optional<core::Timestamp>& time);
  Statement& BindNull();
  template <typename... Args>
  Statement& BindAll(const Args&... args) {
    (Bind(args), ...);
    return *this;
  }

  // True when a row is ready to read, false when the statement is done.
  Result<bool> Step();
  // Runs the statement, ignoring any rows.
  Status Run();

  std::int64_t Int(int column) const;
  std::string Text(int column) const;
  std::vector<std::uint8_t> Blob(int column) const;
  core::Timestamp Time(int column) const;
  bool IsNull(int column) const;
  std::optional<std::int64_t> OptionalInt(int column) const;
  std::optional<core::Timestamp> OptionalTime(int column) const;

 private:
  friend class Connection;
  Statement(Connection* connection, std::string name)
      : connection_(connection), name_(std::move(name)) {}

  Connection* connection_;
  std::string name_;  // of the server-side prepared statement
  std::vector<std::optional<std::string>> values_;
  std::vector<int> formats_;  // 0 text, 1 binary (bytea)
  ResultPtr result_;
  int row_ = -1;
};

class Connection {
 public:
  // Connects and checks the server speaks a protocol we can use. The
  // connection runs in UTC with the store's own session settings.
  static Result<std::unique_ptr<Connection>> Open(const std::string& conninfo);

  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection();

  // A statement for `sql` (one statement), prepared once per connection.
  Result<Statement> Prepare(std::string_view sql);
  // Runs a script of several statements without parameters (migrations,
  // transaction control).
  Status ExecScript(std::string_view sql, std::string_view context);

  // Rows changed by the most recent INSERT, UPDATE or DELETE.
  std::int64_t Changes() const { return changes_; }
  // False once the server went away; the pool then drops the connection.
  bool IsHealthy() const;

 private:
  friend class Statement;
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
