#include "protocol/json_reader.h"

namespace openlaps::protocol {

JsonReader::JsonReader(const nlohmann::json& object, std::string_view message, Status* status,
                       std::string prefix)
    : object_(object), message_(message), status_(status), prefix_(std::move(prefix)) {
  if (!object_.is_object() && status_->ok()) {
    *status_ =
        InvalidArgumentError(prefix_.empty() ? message_ + ": the body must be a JSON object"
                                             : message_ + ": '" + prefix_ + "' must be an object");
  }
}

std::string JsonReader::PathOf(std::string_view key) const {
  return prefix_.empty() ? std::string(key) : prefix_ + "." + std::string(key);
}

void JsonReader::Fail(std::string_view key, std::string_view what) {
  if (!status_->ok()) return;
  *status_ = InvalidArgumentError(message_ + ": '" + PathOf(key) + "' " + std::string(what));
}

const nlohmann::json* JsonReader::Find(std::string_view key) const {
  if (!ok() || !object_.is_object()) return nullptr;
  auto it = object_.find(key);
  if (it == object_.end() || it->is_null()) return nullptr;
  return &*it;
}

std::string JsonReader::String(std::string_view key, Need need) {
  const nlohmann::json* member = Find(key);
  if (!member) {
    if (need == Need::kRequired) Fail(key, "is required");
    return {};
  }
  if (!member->is_string()) {
    Fail(key, "must be a string");
    return {};
  }
  std::string value = member->get_ref<const std::string&>();
  if (value.empty() && need == Need::kRequired) Fail(key, "is required");
  return value;
}

std::string JsonReader::String(DeviceField field, Need need) {
  const DeviceFieldSpec& spec = SpecOf(field);
  // Only a string is copied, so the limit is checked before the copy.
  const nlohmann::json* member = Find(spec.key);
  if (member && member->is_string() &&
      member->get_ref<const std::string&>().size() > spec.max_bytes) {
    Fail(spec.key, "is longer than " + std::to_string(spec.max_bytes) + " bytes");
    return {};
  }
  return String(spec.key, need);
}

std::int64_t JsonReader::Integer(std::string_view key, std::int64_t fallback, Need need) {
  const nlohmann::json* member = Find(key);
  if (!member) {
    if (need == Need::kRequired) Fail(key, "is required");
    return fallback;
  }
  if (!member->is_number_integer()) {
    Fail(key, "must be an integer");
    return fallback;
  }
  return member->get<std::int64_t>();
}

bool JsonReader::Boolean(std::string_view key, bool fallback) {
  const nlohmann::json* member = Find(key);
  if (!member) return fallback;
  if (!member->is_boolean()) {
    Fail(key, "must be true or false");
    return fallback;
  }
  return member->get<bool>();
}

std::optional<core::Timestamp> JsonReader::Time(std::string_view key, Need need) {
  std::string text = String(key, need);
  if (text.empty()) return std::nullopt;
  std::optional<core::Timestamp> time = core::ParseUtc(text);
  if (!time) Fail(key, "must be a UTC time (2024-05-01T10:00:00Z)");
  return time;
}

const nlohmann::json* JsonReader::Object(std::string_view key) {
  const nlohmann::json* member = Find(key);
  if (member && !member->is_object()) {
    Fail(key, "must be an object");
    return nullptr;
  }
  return member;
}

const nlohmann::json* JsonReader::Array(std::string_view key, std::size_t max_entries) {
  const nlohmann::json* member = Find(key);
  if (!member) return nullptr;
  if (!member->is_array()) {
    Fail(key, "must be an array");
    return nullptr;
  }
  if (member->size() > max_entries) {
    Fail(key, "has more than " + std::to_string(max_entries) + " entries");
    return nullptr;
  }
  return member;
}

JsonReader JsonReader::Element(std::string_view key, std::size_t index,
                               const nlohmann::json& element) {
  return JsonReader(element, message_, status_, PathOf(key) + "[" + std::to_string(index) + "]");
}

JsonReader JsonReader::Member(std::string_view key, const nlohmann::json& member) {
  return JsonReader(member, message_, status_, PathOf(key));
}

}  // namespace openlaps::protocol
