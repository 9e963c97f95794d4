// The Store for several lapsd nodes: PostgreSQL through libpq, with a
// connection pool, versioned migrations in PostgreSQL's dialect (numbered
// like SQLite's), the append-only hash-chained audit table enforced by
// triggers, and NOTIFY on channel openlaps_wake when a device should wake
// (store/postgres/wake_listener.h listens).
//
// Thread safety: every method may be called from any thread; each is one
// transaction on a pooled connection.
#ifndef OPENLAPS_STORE_POSTGRES_POSTGRES_STORE_H_
#define OPENLAPS_STORE_POSTGRES_POSTGRES_STORE_H_

#include <memory>
#include <string>

#include "core/status.h"
#include "store/store.h"

namespace openlaps::store {

// Connects to `conninfo` (a libpq URI or key=value string) and migrates the
// database. At most `pool_size` connections are open at once. Errors name
// the host and database, never the password.
Result<std::unique_ptr<Store>> OpenPostgresStore(const std::string& conninfo, int pool_size = 8);

// host, port and database of `conninfo` for logs; never the password.
std::string DescribePostgres(const std::string& conninfo);

}  // namespace openlaps::store

#endif  // OPENLAPS_STORE_POSTGRES_POSTGRES_STORE_H_
