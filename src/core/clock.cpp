#include "core/clock.h"

#include <cstdio>

namespace openlaps::core {
namespace {

// Reads exactly `count` decimal digits at `pos`, advancing it.
std::optional<int> ReadDigits(std::string_view text, std::size_t& pos, std::size_t count) {
  if (text.size() - pos < count) return std::nullopt;
  int value = 0;
  for (std::size_t i = 0; i < count; ++i) {
    const char c = text[pos + i];
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  pos += count;
  return value;
}

bool Consume(std::string_view text, std::size_t& pos, char expected) {
  if (pos >= text.size() || text[pos] != expected) return false;
  ++pos;
  return true;
}

bool ConsumeEither(std::string_view text, std::size_t& pos, char upper, char lower) {
  return Consume(text, pos, upper) || Consume(text, pos, lower);
}

}  // namespace

std::string FormatUtc(Timestamp t) {
  using std::chrono::days;
  const auto day = std::chrono::floor<days>(t);
  const std::chrono::year_month_day date(day);
  const std::chrono::hh_mm_ss time(t - day);
  char buffer[32];
  const int written = std::snprintf(
      buffer, sizeof(buffer), "%04d-%02u-%02uT%02d:%02d:%02dZ", static_cast<int>(date.year()),
      static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
      static_cast<int>(time.hours().count()), static_cast<int>(time.minutes().count()),
      static_cast<int>(time.seconds().count()));
  return std::string(buffer, written > 0 ? static_cast<std::size_t>(written) : 0);
}

std::optional<Timestamp> ParseUtc(std::string_view text) {
  constexpr int kMaxHour = 23;
  constexpr int kMaxMinute = 59;
  constexpr int kMaxSecond = 59;  // no leap seconds in sys_seconds
  std::size_t pos = 0;
  const auto year = ReadDigits(text, pos, 4);
  if (!year || !Consume(text, pos, '-')) return std::nullopt;
  const auto month = ReadDigits(text, pos, 2);
  if (!month || !Consume(text, pos, '-')) return std::nullopt;
  const auto day = ReadDigits(text, pos, 2);
  if (!day || !ConsumeEither(text, pos, 'T', 't')) return std::nullopt;
  const auto hour = ReadDigits(text, pos, 2);
  if (!hour || !Consume(text, pos, ':')) return std::nullopt;
  const auto minute = ReadDigits(text, pos, 2);
  if (!minute || !Consume(text, pos, ':')) return std::nullopt;
  const auto second = ReadDigits(text, pos, 2);
  if (!second) return std::nullopt;

  // Fractional seconds: at least one digit; truncated, Timestamp is seconds.
  if (Consume(text, pos, '.')) {
    const std::size_t first_digit = pos;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') ++pos;
    if (pos == first_digit) return std::nullopt;
  }

  // Zone: Z, or a numeric offset ±HH:MM (converted to UTC).
  std::chrono::minutes offset{0};
  if (!ConsumeEither(text, pos, 'Z', 'z')) {
    int sign = 0;
    if (Consume(text, pos, '+')) {
      sign = 1;
    } else if (Consume(text, pos, '-')) {
      sign = -1;
    } else {
      return std::nullopt;
    }
    const auto offset_hours = ReadDigits(text, pos, 2);
    if (!offset_hours || !Consume(text, pos, ':')) return std::nullopt;
    const auto offset_minutes = ReadDigits(text, pos, 2);
    if (!offset_minutes || *offset_hours > kMaxHour || *offset_minutes > kMaxMinute) {
      return std::nullopt;
    }
    offset = sign * (std::chrono::hours(*offset_hours) + std::chrono::minutes(*offset_minutes));
  }
  if (pos != text.size()) return std::nullopt;

  const std::chrono::year_month_day date{std::chrono::year(*year),
                                         std::chrono::month(static_cast<unsigned>(*month)),
                                         std::chrono::day(static_cast<unsigned>(*day))};
  if (!date.ok() || *hour > kMaxHour || *minute > kMaxMinute || *second > kMaxSecond) {
    return std::nullopt;
  }
  const Timestamp local = std::chrono::sys_days(date) + std::chrono::hours(*hour) +
                          std::chrono::minutes(*minute) + std::chrono::seconds(*second);
  return local - offset;
}

}  // namespace openlaps::core
