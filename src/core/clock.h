// Time as the domain sees it: UTC seconds, from an injected Clock.
#ifndef OPENLAPS_CORE_CLOCK_H_
#define OPENLAPS_CORE_CLOCK_H_

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace openlaps::core {

using Timestamp = std::chrono::sys_seconds;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual Timestamp Now() const = 0;
};

class SystemClock final : public Clock {
 public:
  Timestamp Now() const override {
    return std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
  }
};

// A clock tests set and advance by hand.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(Timestamp now) : now_(now) {}
  Timestamp Now() const override { return now_; }
  void Set(Timestamp now) { now_ = now; }
  void Advance(std::chrono::seconds by) { now_ += by; }

 private:
  Timestamp now_;
};

// ISO 8601 UTC as Graph writes it: "2026-03-11T00:00:00Z".
std::string FormatUtc(Timestamp t);
// Accepts "YYYY-MM-DDTHH:MM:SS[.fff]Z" and "+00:00"; nullopt when malformed.
std::optional<Timestamp> ParseUtc(std::string_view text);

}  // namespace openlaps::core

#endif  // OPENLAPS_CORE_CLOCK_H_
