// The embedded default Store: one SQLite file in WAL mode with foreign keys,
// prepared statements and versioned migrations (schema_version table).
#ifndef OPENLAPS_STORE_SQLITE_SQLITE_STORE_H_
#define OPENLAPS_STORE_SQLITE_SQLITE_STORE_H_

#include <filesystem>
#include <memory>

#include "core/status.h"
#include "store/store.h"

namespace openlaps::store {

// Opens (creating when absent) and migrates the database at `path`.
// The file is created with mode 0600.
Result<std::unique_ptr<Store>> OpenSqliteStore(const std::filesystem::path& path);

}  // namespace openlaps::store

#endif  // OPENLAPS_STORE_SQLITE_SQLITE_STORE_H_
