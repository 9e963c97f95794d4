#include "store/sqlite/database.h"

#include <sqlite3.h>

#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace openlaps::store::sqlite {
namespace {

// Long enough to ride out a checkpoint or another process's short write
// (e.g. the sqlite3 shell during a backup), short enough to fail visibly.
constexpr int kBusyTimeoutMs = 5000;

}  // namespace

Status SqliteError(sqlite3* db, int rc, std::string_view context) {
  std::string message(context);
  message += ": ";
  message += db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  switch (rc) {
    case SQLITE_CONSTRAINT_UNIQUE:
    case SQLITE_CONSTRAINT_PRIMARYKEY:
      return AlreadyExistsError(std::move(message));
    case SQLITE_CONSTRAINT_FOREIGNKEY:
    case SQLITE_CONSTRAINT_TRIGGER:
      return FailedPreconditionError(std::move(message));
    default:
      break;
  }
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return UnavailableError(std::move(message));
    default:
      return InternalError(std::move(message));
  }
}

// --- Database ---

namespace {

// A Database statement as the SQL store's Cursor; binds report their first
// error at the next Step.
class Cursor final : public sql::Cursor {
 public:
  // `in_use` is the cache slot's flag; nullptr when this cursor owns `stmt`.
  Cursor(const Database* db, sqlite3_stmt* stmt, bool* in_use)
      : db_(db), stmt_(stmt), in_use_(in_use) {}
  Cursor(const Cursor&) = delete;
  Cursor& operator=(const Cursor&) = delete;
  ~Cursor() override {
    if (in_use_ == nullptr) {
      sqlite3_finalize(stmt_);
      return;
    }
    // The step error, if any, was already reported by Step.
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
    *in_use_ = false;
  }

  void BindInt(std::int64_t value) override { Check(sqlite3_bind_int64(stmt_, next_, value)); }
  void BindText(std::string_view text) override {
    Check(
        sqlite3_bind_text64(stmt_, next_, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8));
  }
  void BindBlob(std::span<const std::uint8_t> blob) override {
    // A zero-length blob must still bind as a blob, not NULL.
    static constexpr std::uint8_t kEmpty = 0;
    const void* data = blob.empty() ? &kEmpty : blob.data();
    Check(sqlite3_bind_blob64(stmt_, next_, data, blob.size(), SQLITE_TRANSIENT));
  }
  void BindNull() override { Check(sqlite3_bind_null(stmt_, next_)); }

  Result<bool> Step() override {
    if (bind_rc_ != SQLITE_OK) return db_->Error(bind_rc_, "sqlite bind");
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    return db_->Error(rc, "sqlite");
  }

  std::int64_t Int(int column) const override { return sqlite3_column_int64(stmt_, column); }
  std::string Text(int column) const override {
    const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
    if (text == nullptr) return {};
    return std::string(text, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column)));
  }
  std::vector<std::uint8_t> Blob(int column) const override {
    // sqlite3_column_blob before sqlite3_column_bytes, as SQLite documents.
    const auto* data = static_cast<const std::uint8_t*>(sqlite3_column_blob(stmt_, column));
    const auto size = static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column));
    if (data == nullptr) return {};
    return std::vector<std::uint8_t>(data, data + size);
  }
  bool IsNull(int column) const override {
    return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
  }

 private:
  void Check(int rc) {
    ++next_;
    if (rc != SQLITE_OK && bind_rc_ == SQLITE_OK) bind_rc_ = rc;
  }

  const Database* db_;
  sqlite3_stmt* stmt_;
  bool* in_use_;
  int next_ = 1;  // SQLite numbers parameters from 1
  int bind_rc_ = SQLITE_OK;
};

sql::Statement Wrap(const Database* db, sqlite3_stmt* stmt, bool* in_use) {
  return sql::Statement(std::make_unique<Cursor>(db, stmt, in_use));
}

}  // namespace

Result<std::unique_ptr<Database>> Database::Open(const std::filesystem::path& path) {
  sqlite3* handle = nullptr;
  // The store serializes every call itself, so SQLite's own mutex is redundant.
  const int rc =
      sqlite3_open_v2(path.c_str(), &handle, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    Status error = SqliteError(handle, rc, "open database");
    sqlite3_close_v2(handle);  // a handle is allocated even on most failures
    return error;
  }
  std::unique_ptr<Database> db(new Database(handle));  // private constructor
  sqlite3_extended_result_codes(handle, 1);
  sqlite3_busy_timeout(handle, kBusyTimeoutMs);

  {
    OPENLAPS_ASSIGN_OR_RETURN(sql::Statement wal, db->Prepare("PRAGMA journal_mode=WAL"));
    OPENLAPS_ASSIGN_OR_RETURN(const bool row, wal.Step());
    if (!row || wal.Text(0) != "wal") return InternalError("open database: WAL mode unavailable");
  }
  // NORMAL is safe in WAL mode (no corruption on power loss) but may lose the
  // last commits; the writes that must survive a power cut (audit events,
  // escrowed passwords) use TransactionKind::kDurableWrite instead.
  OPENLAPS_RETURN_IF_ERROR(db->ExecScript(
      "PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; PRAGMA trusted_schema=OFF;",
      "configure database"));
  {
    OPENLAPS_ASSIGN_OR_RETURN(sql::Statement fk, db->Prepare("PRAGMA foreign_keys"));
    OPENLAPS_ASSIGN_OR_RETURN(const bool row, fk.Step());
    if (!row || fk.Int(0) != 1) {
      return InternalError("open database: SQLite lacks foreign key support");
    }
  }
  return db;
}

Database::~Database() {
  for (auto& [sql, cached] : cache_) sqlite3_finalize(cached.stmt);
  sqlite3_close_v2(db_);
}

Result<sql::Statement> Database::Prepare(std::string_view sql) {
  auto it = cache_.find(std::string(sql));
  if (it != cache_.end() && !it->second.in_use) {
    it->second.in_use = true;
    return Wrap(this, it->second.stmt, &it->second.in_use);
  }
  const bool cacheable = it == cache_.end();
  sqlite3_stmt* stmt = nullptr;
  const char* tail = nullptr;
  const int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                                    cacheable ? SQLITE_PREPARE_PERSISTENT : 0, &stmt, &tail);
  if (rc != SQLITE_OK) return Error(rc, "prepare");
  if (stmt == nullptr || tail != sql.data() + sql.size()) {
    sqlite3_finalize(stmt);
    return InternalError("prepare: expected exactly one SQL statement");
  }
  if (!cacheable) return Wrap(this, stmt, nullptr);
  auto [inserted, unused] = cache_.emplace(std::string(sql), CachedStatement{stmt, true});
  return Wrap(this, stmt, &inserted->second.in_use);
}

Status Database::ExecScript(std::string_view sql, std::string_view context) {
  char* error = nullptr;
  const int rc = sqlite3_exec(db_, std::string(sql).c_str(), nullptr, nullptr, &error);
  if (rc == SQLITE_OK) return Status::Ok();
  Status status = Error(rc, context);
  sqlite3_free(error);
  return status;
}

int Database::Changes() const { return sqlite3_changes(db_); }

Status Database::Error(int rc, std::string_view context) const {
  return SqliteError(db_, rc, context);
}

// --- Transaction ---

Result<Transaction> Transaction::Begin(Database& db, TransactionKind kind) {
  // synchronous can only change outside a transaction; it then governs the
  // commit, so this turns the WAL fsync on for just this transaction.
  if (kind == TransactionKind::kDurableWrite) {
    OPENLAPS_ASSIGN_OR_RETURN(sql::Statement full, db.Prepare("PRAGMA synchronous=FULL"));
    OPENLAPS_RETURN_IF_ERROR(full.Run());
  }
  Transaction tx(&db, kind);
  OPENLAPS_ASSIGN_OR_RETURN(
      sql::Statement begin,
      db.Prepare(kind == TransactionKind::kRead ? "BEGIN" : "BEGIN IMMEDIATE"));
  Status status = begin.Run();
  if (!status.ok()) {
    tx.RestoreSynchronous();
    tx.db_ = nullptr;
    return status;
  }
  return tx;
}

Transaction::Transaction(Transaction&& other) noexcept
    : db_(std::exchange(other.db_, nullptr)), kind_(other.kind_) {}

Transaction::~Transaction() {
  if (db_ == nullptr) return;
  if (auto rollback = db_->Prepare("ROLLBACK"); rollback.ok()) {
    // Fails only when SQLite already rolled back on its own; nothing to undo.
    (void)rollback->Run();
  }
  RestoreSynchronous();
}

Status Transaction::Commit() {
  {
    OPENLAPS_ASSIGN_OR_RETURN(sql::Statement commit, db_->Prepare("COMMIT"));
    // On failure db_ stays set, so the destructor rolls back.
    OPENLAPS_RETURN_IF_ERROR(commit.Run());
  }
  RestoreSynchronous();
  db_ = nullptr;
  return Status::Ok();
}

void Transaction::RestoreSynchronous() {
  if (kind_ != TransactionKind::kDurableWrite) return;
  if (auto normal = db_->Prepare("PRAGMA synchronous=NORMAL"); normal.ok()) {
    // A failure leaves the connection at FULL: slower, never less safe.
    (void)normal->Run();
  }
}

}  // namespace openlaps::store::sqlite
