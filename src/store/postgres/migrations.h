// Versioned schema migrations for the PostgreSQL store, numbered like the
// SQLite store's. schema_version holds one row per applied migration.
#ifndef OPENLAPS_STORE_POSTGRES_MIGRATIONS_H_
#define OPENLAPS_STORE_POSTGRES_MIGRATIONS_H_

#include <cstdint>

#include "core/status.h"
#include "store/postgres/connection.h"

namespace openlaps::store::postgres {

// The version a fully migrated database has.
std::int64_t LatestSchemaVersion();

// Applies every migration above the database's version in one transaction
// under an advisory lock (nodes starting together take turns), so a failure
// leaves the database as it was. FailedPrecondition when the database is
// newer than this build knows.
Status Migrate(Connection& db);

// The database's current version (schema_version must exist).
Result<std::int64_t> SchemaVersion(Connection& db);

}  // namespace openlaps::store::postgres

#endif  // OPENLAPS_STORE_POSTGRES_MIGRATIONS_H_
