// Versioned schema migrations, the same rules for every dialect.
// schema_version holds one row per applied migration; the database's version
// is the highest one.
#ifndef OPENLAPS_STORE_SQL_MIGRATE_H_
#define OPENLAPS_STORE_SQL_MIGRATE_H_

#include <span>

#include "core/status.h"
#include "store/sql/dialect.h"

namespace openlaps::store::sql {

// Applies every migration above the database's version, all in one
// kSchema transaction, so a failure leaves the database as it was.
// FailedPrecondition when the database is newer than this build knows.
Status Migrate(Dialect& dialect);

// The schema files of each dialect, embedded by cmake/EmbedSql.cmake from
// store/sqlite/schema and store/postgres/schema.
std::span<const Migration> SqliteMigrations();
std::span<const Migration> PostgresMigrations();

}  // namespace openlaps::store::sql

#endif  // OPENLAPS_STORE_SQL_MIGRATE_H_
