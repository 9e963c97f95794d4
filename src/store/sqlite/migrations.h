// Versioned schema migrations for the SQLite store. schema_version holds one
// row per applied migration; the database's version is the highest one.
#ifndef OPENLAPS_STORE_SQLITE_MIGRATIONS_H_
#define OPENLAPS_STORE_SQLITE_MIGRATIONS_H_

#include <cstdint>

#include "core/status.h"
#include "store/sqlite/database.h"

namespace openlaps::store::sqlite {

// The version a fully migrated database has.
std::int64_t LatestSchemaVersion();

// Applies every migration above the database's version, all in one
// transaction, so a failure leaves the database as it was. FailedPrecondition
// when the database is newer than this build knows.
Status Migrate(Database& db);

// The database's current version; 0 for a fresh file.
Result<std::int64_t> SchemaVersion(Database& db);

}  // namespace openlaps::store::sqlite

#endif  // OPENLAPS_STORE_SQLITE_MIGRATIONS_H_
