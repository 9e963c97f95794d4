// The embedded default Store: one SQLite file in WAL mode with foreign keys,
// prepared statements and versioned migrations (schema_version table).
//
// Durability: synchronous=NORMAL (WAL keeps the file consistent on power
// loss but may lose the last commits), except where losing a commit breaks
// a promise: AppendAudit (a reveal decrypts only once its event is on disk)
// and AddPendingCredential / CommitCredential (the agent sets a password once
// the escrow acknowledged it) commit with synchronous=FULL.
// Thread safety: one connection behind a mutex; every call is a transaction.
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
