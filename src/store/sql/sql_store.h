// The Store written once in SQL, over a Dialect (store/sql/dialect.h): every
// operation, its statements and its transaction are here, whichever database
// runs them. OpenSqliteStore and OpenPostgresStore build a dialect, migrate
// (store/sql/migrate.h) and hand it to NewSqlStore.
//
// Thread safety: every method may be called from any thread, as far as the
// dialect's Acquire is thread-safe; each method is one transaction.
#ifndef OPENLAPS_STORE_SQL_SQL_STORE_H_
#define OPENLAPS_STORE_SQL_SQL_STORE_H_

#include <memory>

#include "store/sql/dialect.h"
#include "store/store.h"

namespace openlaps::store::sql {

// `dialect` is migrated already.
std::unique_ptr<Store> NewSqlStore(std::unique_ptr<Dialect> dialect);

}  // namespace openlaps::store::sql

#endif  // OPENLAPS_STORE_SQL_SQL_STORE_H_
