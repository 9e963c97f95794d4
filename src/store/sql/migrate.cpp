#include "store/sql/migrate.h"

#include <string>

namespace openlaps::store::sql {
namespace {

Result<std::int64_t> SchemaVersion(Session& session) {
  OPENLAPS_ASSIGN_OR_RETURN(
      Statement max, session.Prepare("SELECT COALESCE(MAX(version), 0) FROM schema_version"));
  OPENLAPS_ASSIGN_OR_RETURN(const bool row, max.Step());
  if (!row) return InternalError("schema_version: no result");
  return max.Int(0);
}

Status ApplyMigrations(Session& session, const Dialect& dialect) {
  const std::span<const Migration> migrations = dialect.Migrations();
  const auto latest = static_cast<std::int64_t>(migrations.size());
  OPENLAPS_RETURN_IF_ERROR(session.ExecScript(dialect.SchemaVersionSetup(), "migrate"));
  OPENLAPS_ASSIGN_OR_RETURN(const std::int64_t current, SchemaVersion(session));
  if (current > latest) {
    return FailedPreconditionError("database schema version " + std::to_string(current) +
                                   " is newer than this lapsd supports (" + std::to_string(latest) +
                                   ")");
  }
  std::int64_t expected = 1;
  for (const Migration& migration : migrations) {
    // Append only; a released migration never changes. A gap in the file
    // numbers is a build mistake, not something to skip.
    if (migration.version != expected++) {
      return InternalError("schema file " + std::string(migration.name) + " is out of sequence");
    }
    if (migration.version <= current) continue;
    OPENLAPS_RETURN_IF_ERROR(
        session.ExecScript(migration.sql, "migration " + std::to_string(migration.version)));
    OPENLAPS_ASSIGN_OR_RETURN(Statement record,
                              session.Prepare("INSERT INTO schema_version (version) VALUES (?)"));
    OPENLAPS_RETURN_IF_ERROR(record.Bind(migration.version).Run());
  }
  return session.Commit();
}

}  // namespace

Status Migrate(Dialect& dialect) {
  OPENLAPS_ASSIGN_OR_RETURN(std::unique_ptr<Session> session, dialect.Acquire());
  OPENLAPS_RETURN_IF_ERROR(session->Begin(TransactionKind::kSchema));
  Status status = ApplyMigrations(*session, dialect);
  if (!status.ok()) session->Rollback();
  return status;
}

}  // namespace openlaps::store::sql
