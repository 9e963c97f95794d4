#include "store/postgres/postgres_store.h"

#include <optional>
#include <string>
#include <utility>

#include "store/postgres/connection.h"
#include "store/postgres/connection_pool.h"
#include "store/sql/migrate.h"
#include "store/sql/sql_store.h"

namespace openlaps::store {
namespace {

using postgres::ConnectionPool;
using sql::TransactionKind;

// kWrite is atomic and isolated but, like SQLite's WAL at synchronous=NORMAL,
// may lose the last commits in a crash (synchronous_commit off);
// kDurableWrite waits for the WAL flush. kDeviceWrite runs READ COMMITTED,
// since under SERIALIZABLE thousands of concurrent check-ins abort one
// another on shared index pages. kSchema is READ COMMITTED too, so that
// once the migration lock is taken the versions read are the latest.
const char* BeginStatement(TransactionKind kind) {
  switch (kind) {
    case TransactionKind::kRead:
      return "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY";
    case TransactionKind::kWrite:
      return "BEGIN ISOLATION LEVEL SERIALIZABLE; SET LOCAL synchronous_commit = off";
    case TransactionKind::kDurableWrite:
      return "BEGIN ISOLATION LEVEL SERIALIZABLE";
    case TransactionKind::kDeviceWrite:
      return "BEGIN ISOLATION LEVEL READ COMMITTED; SET LOCAL synchronous_commit = off";
    case TransactionKind::kSchema:
      return "BEGIN";
  }
  return "BEGIN";
}

// A pooled connection for one transaction; back to the pool when it dies
// (dropped there if it broke).
class PostgresSession final : public sql::Session {
 public:
  explicit PostgresSession(ConnectionPool::Lease lease) : lease_(std::move(lease)) {}

  Status Begin(TransactionKind kind) override {
    return lease_->ExecScript(BeginStatement(kind), "begin");
  }
  Status Commit() override { return lease_->ExecScript("COMMIT", "commit"); }
  void Rollback() override {
    (void)lease_->ExecScript("ROLLBACK", "rollback");  // no-op after a failed COMMIT
  }

  Result<sql::Statement> Prepare(std::string_view sql) override { return lease_->Prepare(sql); }
  Status ExecScript(std::string_view sql, std::string_view context) override {
    return lease_->ExecScript(sql, context);
  }
  std::int64_t Changes() const override { return lease_->Changes(); }

 private:
  ConnectionPool::Lease lease_;
};

// Any constant, the same in every lapsd: nodes starting together migrate
// one after the other.
constexpr std::int64_t kMigrationLock = 0x6f6c617073;  // "olaps"

// Several lapsd nodes share the database: writes are SERIALIZABLE and
// retried when PostgreSQL aborts one as a serialization failure or deadlock.
class PostgresDialect final : public sql::Dialect {
 public:
  explicit PostgresDialect(std::unique_ptr<ConnectionPool> pool) : pool_(std::move(pool)) {}

  Result<std::unique_ptr<sql::Session>> Acquire() override {
    OPENLAPS_ASSIGN_OR_RETURN(ConnectionPool::Lease lease, pool_->Acquire());
    return std::unique_ptr<sql::Session>(std::make_unique<PostgresSession>(std::move(lease)));
  }
  int TransactionAttempts() const override { return 20; }
  // The login names' unique indexes are on lower(name) (schema 0001).
  std::string NameEquals(std::string_view column) const override {
    const std::string name(column);
    return "lower(" + name + ") = lower(?)";
  }
  // Serialises appenders on every node; taken before the transaction's
  // snapshot, so the head read after it is the latest. Readers are not
  // blocked. The chain trigger (schema 0001) double-checks the link.
  std::string_view AuditAppendLock() const override {
    return "LOCK TABLE audit_events IN SHARE ROW EXCLUSIVE MODE";
  }
  std::string SchemaVersionSetup() const override {
    return "SELECT pg_advisory_xact_lock(" + std::to_string(kMigrationLock) +
           "); CREATE TABLE IF NOT EXISTS schema_version (version BIGINT PRIMARY KEY)";
  }
  std::span<const sql::Migration> Migrations() const override { return sql::PostgresMigrations(); }

 private:
  std::unique_ptr<ConnectionPool> pool_;
};

}  // namespace

std::string DescribePostgres(const std::string& conninfo) {
  return postgres::DescribeConnection(conninfo);
}

Result<std::unique_ptr<Store>> OpenPostgresStore(const std::string& conninfo, int pool_size) {
  auto dialect =
      std::make_unique<PostgresDialect>(std::make_unique<ConnectionPool>(conninfo, pool_size));
  OPENLAPS_RETURN_IF_ERROR(sql::Migrate(*dialect));
  return sql::NewSqlStore(std::move(dialect));
}

}  // namespace openlaps::store
