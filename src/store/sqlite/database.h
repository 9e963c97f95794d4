// A thin RAII layer over the SQLite C API for the SQLite dialect: one
// connection, a cache of persistent prepared statements, transactions, and
// the mapping of SQLite result codes to Status. No SQLite type leaks out of store/sqlite.
//
// Thread safety: none. A Database and every Statement or Transaction taken
// from it must be used by one thread at a time (the dialect holds a mutex).
#ifndef OPENLAPS_STORE_SQLITE_DATABASE_H_
#define OPENLAPS_STORE_SQLITE_DATABASE_H_

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/status.h"
#include "store/sql/statement.h"

struct sqlite3;
struct sqlite3_stmt;

namespace openlaps::store::sqlite {

class Database;

// Converts a SQLite result code to a Status: AlreadyExists for a UNIQUE or
// PRIMARY KEY clash, FailedPrecondition for a foreign-key or trigger refusal,
// Unavailable when the database stays locked, Internal otherwise. The message
// is `context` and SQLite's error text, which never carries bound values.
Status SqliteError(sqlite3* db, int rc, std::string_view context);

class Database {
 public:
  // Opens an existing file (OpenSqliteStore creates it first) and applies the
  // connection settings: WAL, synchronous=NORMAL, foreign keys, busy timeout.
  static Result<std::unique_ptr<Database>> Open(const std::filesystem::path& path);

  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;
  ~Database();  // finalizes the cached statements, then closes

  // A statement for `sql` (one statement), borrowed from a cache keyed by its
  // text (reset and its bindings cleared when the Statement dies) or, when
  // the cached one is in use further up the stack, prepared just for it.
  Result<sql::Statement> Prepare(std::string_view sql);
  // Runs a script of several statements without caching (migrations).
  Status ExecScript(std::string_view sql, std::string_view context);

  // Rows changed by the most recent INSERT, UPDATE or DELETE.
  int Changes() const;
  Status Error(int rc, std::string_view context) const;

 private:
  struct CachedStatement {
    sqlite3_stmt* stmt = nullptr;
    bool in_use = false;
  };

  explicit Database(sqlite3* db) : db_(db) {}

  sqlite3* db_;
  // Node-based, so the in_use flags handed to Statements stay put on rehash.
  std::unordered_map<std::string, CachedStatement> cache_;
};

enum class TransactionKind {
  kRead,          // BEGIN (deferred): a consistent snapshot
  kWrite,         // BEGIN IMMEDIATE: takes the write lock up front
  kDurableWrite,  // kWrite with synchronous=FULL for this commit only
};

// Rolls back on destruction unless committed.
class Transaction {
 public:
  static Result<Transaction> Begin(Database& db, TransactionKind kind);

  Transaction(Transaction&& other) noexcept;
  Transaction& operator=(Transaction&&) = delete;
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  ~Transaction();

  Status Commit();

 private:
  Transaction(Database* db, TransactionKind kind) : db_(db), kind_(kind) {}
  // Back to synchronous=NORMAL after a durable transaction ends.
  void RestoreSynchronous();

  Database* db_;  // nullptr once committed, rolled back or moved from
  TransactionKind kind_;
};

}  // namespace openlaps::store::sqlite

#endif  // OPENLAPS_STORE_SQLITE_DATABASE_H_
