#include "store/sqlite/sqlite_store.h"

#include <fcntl.h>

#include <cerrno>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

#include "os/file_descriptor.h"
#include "os/os_error.h"
#include "store/sql/migrate.h"
#include "store/sql/sql_store.h"
#include "store/sqlite/database.h"

namespace openlaps::store {
namespace {

using sqlite::Database;

sqlite::TransactionKind SqliteKind(sql::TransactionKind kind) {
  switch (kind) {
    case sql::TransactionKind::kRead:
      return sqlite::TransactionKind::kRead;
    case sql::TransactionKind::kWrite:
    case sql::TransactionKind::kDeviceWrite:  // one writer at a time anyway
      return sqlite::TransactionKind::kWrite;
    case sql::TransactionKind::kDurableWrite:
    case sql::TransactionKind::kSchema:
      return sqlite::TransactionKind::kDurableWrite;
  }
  return sqlite::TransactionKind::kWrite;
}

// The one connection, held under the dialect's mutex for one transaction.
class SqliteSession final : public sql::Session {
 public:
  SqliteSession(std::mutex& mu, Database& db) : lock_(mu), db_(db) {}

  Status Begin(sql::TransactionKind kind) override {
    OPENLAPS_ASSIGN_OR_RETURN(sqlite::Transaction tx,
                              sqlite::Transaction::Begin(db_, SqliteKind(kind)));
    tx_.emplace(std::move(tx));
    return Status::Ok();
  }
  Status Commit() override {
    Status status = tx_->Commit();
    if (status.ok()) tx_.reset();
    return status;
  }
  void Rollback() override { tx_.reset(); }  // ~Transaction rolls back

  Result<sql::Statement> Prepare(std::string_view sql) override { return db_.Prepare(sql); }
  Status ExecScript(std::string_view sql, std::string_view context) override {
    return db_.ExecScript(sql, context);
  }
  std::int64_t Changes() const override { return db_.Changes(); }

 private:
  std::unique_lock<std::mutex> lock_;
  Database& db_;
  std::optional<sqlite::Transaction> tx_;  // destroyed before lock_ releases
};

// One connection guarded by one mutex: SQLite serializes writers anyway, and
// the store's calls are short, so a pool would buy little and cost a lot of
// reasoning. With one writer there is no serialization failure to retry.
class SqliteDialect final : public sql::Dialect {
 public:
  explicit SqliteDialect(std::unique_ptr<Database> db) : db_(std::move(db)) {}

  Result<std::unique_ptr<sql::Session>> Acquire() override {
    return std::unique_ptr<sql::Session>(std::make_unique<SqliteSession>(mu_, *db_));
  }
  int TransactionAttempts() const override { return 1; }
  // The login-name columns are COLLATE NOCASE (schema 0001).
  std::string NameEquals(std::string_view column) const override {
    return std::string(column) + " = ?";
  }
  // BEGIN IMMEDIATE already keeps every other writer out.
  std::string_view AuditAppendLock() const override { return {}; }
  std::string SchemaVersionSetup() const override {
    return "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY)";
  }
  std::span<const sql::Migration> Migrations() const override { return sql::SqliteMigrations(); }

 private:
  std::mutex mu_;
  std::unique_ptr<Database> db_;  // GUARDED_BY(mu_), with every Statement taken from it
};

// Creates the file before SQLite does, so it never exists with looser
// permissions than 0600 (SQLite would create it 0644 minus the umask). SQLite
// gives the -wal and -shm files the database file's permissions.
Status CreateDatabaseFile(const std::filesystem::path& path) {
  os::UniqueFd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
  if (!fd.valid()) return os::PosixError("cannot open database file " + path.string(), errno);
  return Status::Ok();
}

}  // namespace

Result<std::unique_ptr<Store>> OpenSqliteStore(const std::filesystem::path& path) {
  OPENLAPS_RETURN_IF_ERROR(CreateDatabaseFile(path));
  OPENLAPS_ASSIGN_OR_RETURN(std::unique_ptr<Database> db, Database::Open(path));
  auto dialect = std::make_unique<SqliteDialect>(std::move(db));
  OPENLAPS_RETURN_IF_ERROR(sql::Migrate(*dialect));
  return sql::NewSqlStore(std::move(dialect));
}

}  // namespace openlaps::store
