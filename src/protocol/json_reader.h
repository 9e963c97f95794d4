// JsonReader: reads the members of one JSON object without throwing. The
// first bad member stops it; status() then names the message and the
// member's path ("checkin: 'policyReports[2].state' must be a string") and
// every later read returns its fallback. nlohmann's value() and get<>()
// would throw on a wrong type instead.
#ifndef OPENLAPS_PROTOCOL_JSON_READER_H_
#define OPENLAPS_PROTOCOL_JSON_READER_H_

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/status.h"
#include "protocol/wire_fields.h"

namespace openlaps::protocol {

enum class Need { kOptional, kRequired };

// One spelling of an enumerator on the wire.
template <typename E>
struct WireName {
  E value;
  std::string_view name;
};

template <typename E>
std::string_view NameOf(std::span<const WireName<E>> names, E value) {
  for (const WireName<E>& n : names) {
    if (n.value == value) return n.name;
  }
  return {};
}

template <typename E>
std::optional<E> ValueOf(std::span<const WireName<E>> names, std::string_view name) {
  for (const WireName<E>& n : names) {
    if (n.name == name) return n.value;
  }
  return std::nullopt;
}

class JsonReader {
 public:
  // `message` names the message in errors; `prefix` is the path of `object`
  // inside it ("policyReports[2]"), empty for the message itself. Errors go
  // to *status, which the caller owns and nested readers share.
  JsonReader(const nlohmann::json& object, std::string_view message, Status* status,
             std::string prefix = {});

  bool ok() const { return status_->ok(); }

  // A string a device sends, within its limit. Absent or null is "" (and
  // an error when required, as is "").
  std::string String(DeviceField field, Need need = Need::kOptional);
  // A string lapsd sends (bounded by the answer's size limit only).
  std::string String(std::string_view key, Need need = Need::kOptional);
  std::int64_t Integer(std::string_view key, std::int64_t fallback = 0,
                       Need need = Need::kOptional);
  bool Boolean(std::string_view key, bool fallback = false);
  // A UTC time as core::FormatUtc writes it; null or absent is nullopt.
  std::optional<core::Timestamp> Time(std::string_view key, Need need = Need::kOptional);

  // An enumerator spelled as one of `names`.
  template <typename E>
  std::optional<E> Enum(DeviceField field, std::span<const WireName<E>> names, Need need) {
    std::string text = String(field, need);
    if (!ok() || text.empty()) return std::nullopt;
    if (auto value = ValueOf(names, text)) return value;
    std::string allowed;
    for (std::size_t i = 0; i < names.size(); ++i) {
      allowed += i == 0 ? "" : (i + 1 == names.size() ? " or " : ", ");
      allowed += names[i].name;
    }
    Fail(SpecOf(field).key, "must be " + allowed);
    return std::nullopt;
  }

  // The member when it is an object / an array (of at most max_entries);
  // nullptr when absent or null, or after an error.
  const nlohmann::json* Object(std::string_view key);
  const nlohmann::json* Array(std::string_view key, std::size_t max_entries = SIZE_MAX);

  // A reader over element `index` of array member `key`, which must be an object.
  JsonReader Element(std::string_view key, std::size_t index, const nlohmann::json& element);
  // A reader over object member `key`.
  JsonReader Member(std::string_view key, const nlohmann::json& member);

  // Records "'<path of key>' <what>" unless an error is already recorded.
  void Fail(std::string_view key, std::string_view what);

 private:
  // The member, or nullptr when absent, null or after an error.
  const nlohmann::json* Find(std::string_view key) const;
  std::string PathOf(std::string_view key) const;

  const nlohmann::json& object_;
  std::string message_;
  Status* status_;
  std::string prefix_;
};

}  // namespace openlaps::protocol

#endif  // OPENLAPS_PROTOCOL_JSON_READER_H_
