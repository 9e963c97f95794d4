// The statement the SQL store speaks to either database: parameters bound
// left to right, rows stepped through, columns read by index. A driver
// supplies the few primitives (Cursor); Statement adds what both share (times
// as unix seconds, optional values as NULL, binding several at once).
//
// Thread safety: none. A Statement belongs to the Session it came from.
#ifndef OPENLAPS_STORE_SQL_STATEMENT_H_
#define OPENLAPS_STORE_SQL_STATEMENT_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/status.h"

namespace openlaps::store::sql {

// One prepared statement of a driver. Binds fill parameters left to right; a
// bind error surfaces at the next Step. Column getters read the current row
// and are called only after Step returned true.
class Cursor {
 public:
  virtual ~Cursor() = default;
  virtual void BindInt(std::int64_t value) = 0;
  virtual void BindText(std::string_view text) = 0;
  virtual void BindBlob(std::span<const std::uint8_t> blob) = 0;  // empty is a blob, not NULL
  virtual void BindNull() = 0;
  // True when a row is ready to read, false when the statement is done. The
  // first Step runs the statement.
  virtual Result<bool> Step() = 0;
  virtual std::int64_t Int(int column) const = 0;
  virtual std::string Text(int column) const = 0;
  virtual std::vector<std::uint8_t> Blob(int column) const = 0;
  virtual bool IsNull(int column) const = 0;
};

class Statement {
 public:
  explicit Statement(std::unique_ptr<Cursor> cursor) : cursor_(std::move(cursor)) {}

  Statement& Bind(std::int64_t value);
  Statement& Bind(std::string_view text);
  Statement& Bind(std::span<const std::uint8_t> blob);
  Statement& Bind(core::Timestamp time);  // unix seconds
  Statement& Bind(const std::optional<std::int64_t>& value);
  Statement& Bind(const std::optional<core::Timestamp>& time);
  Statement& BindNull();
  template <typename... Args>
  Statement& BindAll(const Args&... args) {
    (Bind(args), ...);
    return *this;
  }

  // True when a row is ready to read, false when the statement is done.
  Result<bool> Step() { return cursor_->Step(); }
  // Steps to completion, ignoring any rows.
  Status Run();

  std::int64_t Int(int column) const { return cursor_->Int(column); }
  std::string Text(int column) const { return cursor_->Text(column); }
  std::vector<std::uint8_t> Blob(int column) const { return cursor_->Blob(column); }
  core::Timestamp Time(int column) const;
  bool IsNull(int column) const { return cursor_->IsNull(column); }
  std::optional<std::int64_t> OptionalInt(int column) const;
  std::optional<core::Timestamp> OptionalTime(int column) const;

 private:
  std::unique_ptr<Cursor> cursor_;
};

}  // namespace openlaps::store::sql

#endif  // OPENLAPS_STORE_SQL_STATEMENT_H_
