// Test support: a fresh, uniquely named database on the PostgreSQL server a
// connection string points at, dropped again when the handle dies. The
// store conformance suite and tests/support/lapsd_process use it so every
// test starts from an empty schema.
#ifndef OPENLAPS_STORE_POSTGRES_SCRATCH_DATABASE_H_
#define OPENLAPS_STORE_POSTGRES_SCRATCH_DATABASE_H_

#include <string>
#include <string_view>

#include "core/status.h"

namespace openlaps::store::postgres {

// `conninfo` with its database replaced by `dbname`, as a key=value string.
Result<std::string> ConninfoForDatabase(const std::string& conninfo, std::string_view dbname);

class ScratchDatabase {
 public:
  // Creates a database named after `label` (sanitised, made unique) on the
  // server of `server_conninfo`, whose role must be allowed to create one.
  static Result<ScratchDatabase> Create(const std::string& server_conninfo, std::string_view label);

  ScratchDatabase(ScratchDatabase&& other) noexcept;
  ScratchDatabase& operator=(ScratchDatabase&&) = delete;
  ScratchDatabase(const ScratchDatabase&) = delete;
  ScratchDatabase& operator=(const ScratchDatabase&) = delete;
  // Drops the database, closing whatever connections are still open to it.
  ~ScratchDatabase();

  const std::string& name() const { return name_; }
  // Connects to the scratch database.
  const std::string& conninfo() const { return conninfo_; }

 private:
  ScratchDatabase(std::string server_conninfo, std::string name, std::string conninfo)
      : server_conninfo_(std::move(server_conninfo)),
        name_(std::move(name)),
        conninfo_(std::move(conninfo)) {}

  std::string server_conninfo_;  // empty once moved from
  std::string name_;
  std::string conninfo_;
};

// Runs one SQL script on `conninfo` (test setup and tampering). Returns the
// first column of the first row of the last statement, or the error.
Result<std::string> RunSql(const std::string& conninfo, const std::string& sql);

}  // namespace openlaps::store::postgres

#endif  // OPENLAPS_STORE_POSTGRES_SCRATCH_DATABASE_H_
