// What the SQL store needs from a database beyond standard SQL: a connection
// held for one transaction (Session), the kinds of transaction, and the few
// spellings and policies in which SQLite and PostgreSQL differ. The store's
// operations (sql_store.cpp) and the migration runner (migrate.cpp) are
// written once over this; store/sqlite and store/postgres implement it.
//
// The store's SQL uses `?` placeholders filled left to right, or `?N` for
// the N-th parameter; a driver rewrites them to its own style.
#ifndef OPENLAPS_STORE_SQL_DIALECT_H_
#define OPENLAPS_STORE_SQL_DIALECT_H_

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "core/status.h"
#include "store/sql/statement.h"

namespace openlaps::store::sql {

enum class TransactionKind {
  kRead,          // a consistent snapshot; no writes
  kWrite,         // atomic and isolated as if alone; a crash may lose the last commits
  kDurableWrite,  // kWrite whose commit is on disk before Commit returns
  // The hot single-device updates of every check-in (the device row, its
  // nonces): atomic, but isolated only per row where the database can do
  // better under many concurrent check-ins (PostgreSQL: READ COMMITTED).
  kDeviceWrite,
  // Schema migrations: durable, and seeing what a migration that ran before
  // (on another node, behind the dialect's migration lock) committed.
  kSchema,
};

// One connection, this caller's alone until the Session dies (the SQLite
// store's single connection under its mutex, or a pooled PostgreSQL one).
// Every statement runs between Begin and Commit or Rollback.
class Session {
 public:
  virtual ~Session() = default;

  // Unavailable when the connection turned out broken before anything ran
  // (the caller may retry with a fresh Session).
  virtual Status Begin(TransactionKind kind) = 0;
  // On failure the transaction is still open; call Rollback.
  virtual Status Commit() = 0;
  // Ends the transaction, undoing it; a no-op when none is open.
  virtual void Rollback() = 0;

  // A statement for `sql` (one statement), prepared once per connection.
  virtual Result<Statement> Prepare(std::string_view sql) = 0;
  // Runs a script of statements without parameters (migrations, locks).
  virtual Status ExecScript(std::string_view sql, std::string_view context) = 0;
  // Rows changed by the most recent INSERT, UPDATE or DELETE.
  virtual std::int64_t Changes() const = 0;
};

// A schema migration; `version` counts up from 1 without gaps.
struct Migration {
  std::int64_t version;
  std::string_view name;  // the file's, for error messages
  std::string_view sql;
};

class Dialect {
 public:
  virtual ~Dialect() = default;

  // Waits for a connection (thread-safe).
  virtual Result<std::unique_ptr<Session>> Acquire() = 0;

  // How often a transaction runs before an Aborted (serialization failure,
  // deadlock) or a connection lost before Begin is returned to the caller.
  virtual int TransactionAttempts() const = 0;

  // `column = ?` without regard to ASCII case, in the form the schema's
  // unique index on the column serves (COLLATE NOCASE or lower()).
  virtual std::string NameEquals(std::string_view column) const = 0;

  // Run first in AppendAudit's transaction so that appenders on every node
  // take turns and read the latest head; empty when a write transaction
  // already excludes every other writer.
  virtual std::string_view AuditAppendLock() const = 0;

  // Run first in the migration transaction: takes the migration lock, if the
  // database needs one, and creates schema_version when absent.
  virtual std::string SchemaVersionSetup() const = 0;
  // The dialect's schema files, by version (cmake/EmbedSql.cmake).
  virtual std::span<const Migration> Migrations() const = 0;
};

}  // namespace openlaps::store::sql

#endif  // OPENLAPS_STORE_SQL_DIALECT_H_
