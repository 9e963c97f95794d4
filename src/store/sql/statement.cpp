#include "store/sql/statement.h"

#include <chrono>

namespace openlaps::store::sql {

Statement& Statement::Bind(std::int64_t value) {
  cursor_->BindInt(value);
  return *this;
}

Statement& Statement::Bind(std::string_view text) {
  cursor_->BindText(text);
  return *this;
}

Statement& Statement::Bind(std::span<const std::uint8_t> blob) {
  cursor_->BindBlob(blob);
  return *this;
}

Statement& Statement::Bind(core::Timestamp time) {
  return Bind(static_cast<std::int64_t>(time.time_since_epoch().count()));
}

Statement& Statement::Bind(const std::optional<std::int64_t>& value) {
  return value ? Bind(*value) : BindNull();
}

Statement& Statement::Bind(const std::optional<core::Timestamp>& time) {
  return time ? Bind(*time) : BindNull();
}

Statement& Statement::BindNull() {
  cursor_->BindNull();
  return *this;
}

Status Statement::Run() {
  while (true) {
    OPENLAPS_ASSIGN_OR_RETURN(const bool row, Step());
    if (!row) return Status::Ok();
  }
}

core::Timestamp Statement::Time(int column) const {
  return core::Timestamp(std::chrono::seconds(Int(column)));
}

std::optional<std::int64_t> Statement::OptionalInt(int column) const {
  if (IsNull(column)) return std::nullopt;
  return Int(column);
}

std::optional<core::Timestamp> Statement::OptionalTime(int column) const {
  if (IsNull(column)) return std::nullopt;
  return Time(column);
}

}  // namespace openlaps::store::sql
