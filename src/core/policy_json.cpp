#include "core/policy_json.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <limits>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

namespace openlaps::core {
namespace {

using nlohmann::json;

constexpr std::string_view kSettingType = "#microsoft.graph.deviceManagementConfigurationSetting";
constexpr std::string_view kChoiceInstanceType =
    "#microsoft.graph.deviceManagementConfigurationChoiceSettingInstance";
constexpr std::string_view kSimpleInstanceType =
    "#microsoft.graph.deviceManagementConfigurationSimpleSettingInstance";
constexpr std::string_view kChoiceValueType =
    "#microsoft.graph.deviceManagementConfigurationChoiceSettingValue";
constexpr std::string_view kIntegerValueType =
    "#microsoft.graph.deviceManagementConfigurationIntegerSettingValue";
constexpr std::string_view kStringValueType =
    "#microsoft.graph.deviceManagementConfigurationStringSettingValue";
// PasswordAgeDays has a second definition, used under backupdirectory_1,
// whose range starts at 7 days.
constexpr std::string_view kPasswordAgeDaysCloudSuffix = "_aad";
// OpenLAPS's own settings: Intune has no definition for them, so they get ids
// outside Microsoft's prefix to survive a round trip.
constexpr std::string_view kOpenLapsSettingPrefix = "openlaps_";
constexpr char kOdataType[] = "@odata.type";

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) ==
           std::tolower(static_cast<unsigned char>(y));
  });
}

std::string Lowercase(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](char c) {
    return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  });
  return out;
}

// A JSON value for an error message: never throws on invalid UTF-8, and
// long values are cut so one bad field cannot flood the report.
std::string Show(const json& j) {
  constexpr std::size_t kMaxShown = 80;
  std::string s = j.dump(-1, ' ', false, json::error_handler_t::replace);
  if (s.size() > kMaxShown) {
    std::size_t cut = kMaxShown;
    // Do not split a UTF-8 sequence: the message must stay valid UTF-8.
    while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xc0) == 0x80) --cut;
    s = s.substr(0, cut) + "...";
  }
  return s;
}

std::string TypeName(SettingType type) {
  switch (type) {
    case SettingType::kInt:
      return "an integer";
    case SettingType::kBool:
      return "a boolean";
    case SettingType::kString:
      return "a string";
  }
  return "a value";
}

// Converts a JSON scalar of the setting's type, or explains why it cannot.
Result<SettingValue> ValueFromJson(SettingType type, const json& j) {
  switch (type) {
    case SettingType::kInt:
      if (j.is_number_integer()) {
        if (j.is_number_unsigned() &&
            j.get<std::uint64_t>() >
                static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
          return InvalidArgumentError(Show(j) + " does not fit a 64-bit integer");
        }
        return SettingValue(j.get<std::int64_t>());
      }
      break;
    case SettingType::kBool:
      if (j.is_boolean()) return SettingValue(j.get<bool>());
      break;
    case SettingType::kString:
      if (j.is_string()) return SettingValue(j.get<std::string>());
      break;
  }
  return InvalidArgumentError("expected " + TypeName(type) + ", got " + j.type_name() + " " +
                              Show(j));
}

json ValueToJson(const SettingValue& value) {
  if (const auto* i = std::get_if<std::int64_t>(&value)) return *i;
  if (const auto* b = std::get_if<bool>(&value)) return *b;
  return std::get<std::string>(value);
}

// ---------------------------------------------------------------------------
// Intune settings catalog.

// Booleans and the integer settings Intune offers as a list of options are
// choice settings; everything else is a simple setting.
bool IsChoice(SettingId id) {
  switch (id) {
    case SettingId::kBackupDirectory:
    case SettingId::kPasswordComplexity:
    case SettingId::kPostAuthenticationActions:
    case SettingId::kAutomaticAccountManagementTarget:
      return true;
    default:
      return SpecOf(id).type == SettingType::kBool;
  }
}

std::string DefinitionId(SettingId id) {
  const std::string_view prefix =
      IsOpenLapsExtension(id) ? kOpenLapsSettingPrefix : kLapsSettingPrefix;
  return std::string(prefix) + Lowercase(SpecOf(id).csp_name);
}

std::optional<SettingId> SettingFromDefinitionId(std::string_view definition_id) {
  const std::string id = Lowercase(definition_id);
  for (const SettingSpec& spec : AllSettingSpecs()) {
    const std::string own = DefinitionId(spec.id);
    if (id == own) return spec.id;
    if (spec.id == SettingId::kPasswordAgeDays &&
        id == own + std::string(kPasswordAgeDaysCloudSuffix)) {
      return spec.id;
    }
  }
  return std::nullopt;
}

bool IsActiveDirectoryChild(SettingId id) {
  return id == SettingId::kPasswordExpirationProtectionEnabled ||
         id == SettingId::kAdPasswordEncryptionEnabled ||
         id == SettingId::kAdPasswordEncryptionPrincipal ||
         id == SettingId::kAdEncryptedPasswordHistorySize;
}

bool IsAutomaticAccountChild(SettingId id) {
  return id == SettingId::kAutomaticAccountManagementTarget ||
         id == SettingId::kAutomaticAccountManagementNameOrPrefix ||
         id == SettingId::kAutomaticAccountManagementEnableAccount ||
         id == SettingId::kAutomaticAccountManagementRandomizeName;
}

// The choice setting whose configured option Intune nests `id` under, or
// nullopt when that option is not configured and `id` goes to the top level.
std::optional<SettingId> ParentOf(const PolicySettings& s, SettingId id) {
  const auto backup = s.GetInt(SettingId::kBackupDirectory);
  const auto ad = static_cast<std::int64_t>(BackupDirectory::kActiveDirectory);
  const auto cloud = static_cast<std::int64_t>(BackupDirectory::kCloud);
  if (id == SettingId::kPasswordAgeDays && (backup == cloud || backup == ad)) {
    return SettingId::kBackupDirectory;
  }
  if (IsActiveDirectoryChild(id) && backup == ad) return SettingId::kBackupDirectory;
  if (id == SettingId::kPassphraseLength) {
    const auto complexity = s.GetInt(SettingId::kPasswordComplexity);
    if (complexity && *complexity >= 6 && *complexity <= 8) return SettingId::kPasswordComplexity;
  }
  if (IsAutomaticAccountChild(id) &&
      s.GetBool(SettingId::kAutomaticAccountManagementEnabled) == true) {
    return SettingId::kAutomaticAccountManagementEnabled;
  }
  return std::nullopt;
}

json InstanceToIntune(const PolicySettings& s, SettingId id) {
  const SettingValue& value = *s.Get(id);
  std::string definition_id = DefinitionId(id);
  if (id == SettingId::kPasswordAgeDays &&
      s.GetInt(SettingId::kBackupDirectory) == static_cast<std::int64_t>(BackupDirectory::kCloud)) {
    definition_id += kPasswordAgeDaysCloudSuffix;
  }
  json instance = json::object();
  instance["settingDefinitionId"] = definition_id;
  if (IsChoice(id)) {
    json children = json::array();
    for (const SettingSpec& spec : AllSettingSpecs()) {
      if (s.IsConfigured(spec.id) && ParentOf(s, spec.id) == id) {
        children.push_back(InstanceToIntune(s, spec.id));
      }
    }
    instance[kOdataType] = kChoiceInstanceType;
    instance["choiceSettingValue"] = {
        {kOdataType, kChoiceValueType},
        {"value", definition_id + "_" + SettingValueToString(value)},
        {"children", std::move(children)},
    };
  } else {
    instance[kOdataType] = kSimpleInstanceType;
    instance["simpleSettingValue"] = {
        {kOdataType,
         std::holds_alternative<std::string>(value) ? kStringValueType : kIntegerValueType},
        {"value", ValueToJson(value)},
    };
  }
  return instance;
}

std::optional<SettingValue> ParseChoiceSuffix(SettingType type, std::string_view suffix) {
  if (type == SettingType::kBool) {
    if (EqualsIgnoreCase(suffix, "true")) return SettingValue(true);
    if (EqualsIgnoreCase(suffix, "false")) return SettingValue(false);
    return std::nullopt;
  }
  std::int64_t v = 0;
  const char* end = suffix.data() + suffix.size();
  const auto [ptr, ec] = std::from_chars(suffix.data(), end, v);
  if (suffix.empty() || ec != std::errc() || ptr != end) return std::nullopt;
  return SettingValue(v);
}

// Collects every problem of a settings[] array instead of stopping at the
// first, so an admin fixes an import in one pass.
class IntuneReader {
 public:
  Result<PolicySettings> Read(const json& input) {
    const json* array = &input;
    // Accept the whole configurationPolicy too: it is what Graph returns.
    if (input.is_object()) {
      if (const auto it = input.find("settings"); it != input.end()) array = &*it;
    }
    if (!array->is_array()) {
      return InvalidArgumentError("expected the settings[] array of a configuration policy, got " +
                                  std::string(array->type_name()));
    }
    if (array->size() > kMaxIntuneInstances) {
      return InvalidArgumentError("settings[] has more than " +
                                  std::to_string(kMaxIntuneInstances) + " elements");
    }
    for (std::size_t i = 0; i < array->size() && !TooMuch(); ++i) {
      ReadSetting((*array)[i], "settings[" + std::to_string(i) + "]");
    }
    if (!bound_error_.empty()) return InvalidArgumentError(bound_error_);
    if (!errors_.empty()) return InvalidArgumentError(Join());
    return settings_;
  }

 private:
  void Error(const std::string& path, const std::string& message) {
    // Past the cap only the count grows: a hostile import cannot make the
    // answer (or the work of building it) large.
    if (errors_.size() < kMaxIntuneReportedErrors) errors_.push_back(path + ": " + message);
    ++error_count_;
  }

  // True once a work bound is broken; every loop stops there.
  bool TooMuch() const { return !bound_error_.empty(); }

  // Counts one setting instance at `depth` levels of children; false (and
  // the bound named in the answer) past the nesting or the instance bound.
  bool Enter(int depth) {
    if (TooMuch()) return false;
    if (depth > kMaxIntuneNesting) {
      bound_error_ = "setting instances nest deeper than " + std::to_string(kMaxIntuneNesting) +
                     " levels of children";
      return false;
    }
    if (++instances_ > kMaxIntuneInstances) {
      bound_error_ =
          "more than " + std::to_string(kMaxIntuneInstances) + " setting instances in all";
      return false;
    }
    return true;
  }

  // False (and an error) when `j` has an @odata.type other than `expected`.
  bool CheckOdataType(const json& j, std::string_view expected, const std::string& path) {
    const auto it = j.find(kOdataType);
    if (it == j.end()) return true;
    if (it->is_string() && it->get_ref<const std::string&>() == expected) return true;
    Error(path, "@odata.type is " + Show(*it) + ", expected \"" + std::string(expected) + "\"");
    return false;
  }

  void ReadSetting(const json& element, const std::string& path) {
    if (!element.is_object()) {
      Error(path, "expected an object, got " + std::string(element.type_name()));
      return;
    }
    const auto instance = element.find("settingInstance");
    if (instance == element.end()) {
      // A bare setting instance, as found in children[]: accept it here too.
      if (element.contains("settingDefinitionId")) {
        ReadInstance(element, path, 0);
      } else {
        Error(path, "missing settingInstance");
      }
      return;
    }
    if (!CheckOdataType(element, kSettingType, path)) return;
    ReadInstance(*instance, path + ".settingInstance", 0);
  }

  // `depth` counts the children[] levels above this instance; recursion
  // stops at kMaxIntuneNesting.
  void ReadInstance(const json& instance, const std::string& path, int depth) {
    if (!Enter(depth)) return;
    if (!instance.is_object()) {
      Error(path, "expected an object, got " + std::string(instance.type_name()));
      return;
    }
    const auto def = instance.find("settingDefinitionId");
    if (def == instance.end() || !def->is_string()) {
      Error(path, "settingDefinitionId is missing or not a string");
      return;
    }
    const std::string& definition_id = def->get_ref<const std::string&>();
    const std::optional<SettingId> id = SettingFromDefinitionId(definition_id);
    if (!id) {
      Error(path, "unknown setting definition " + Show(*def));
      return;
    }
    const SettingSpec& spec = SpecOf(*id);
    const bool choice = IsChoice(*id);

    // Intune always sends @odata.type; hand-written imports may omit it, and
    // then the value member says which kind of instance this is.
    bool is_choice = instance.contains("choiceSettingValue");
    if (const auto type = instance.find(kOdataType); type != instance.end()) {
      if (type->is_string() && type->get_ref<const std::string&>() == kChoiceInstanceType) {
        is_choice = true;
      } else if (type->is_string() && type->get_ref<const std::string&>() == kSimpleInstanceType) {
        is_choice = false;
      } else {
        Error(path, "unknown @odata.type " + Show(*type));
        return;
      }
    }
    if (is_choice != choice) {
      Error(path, std::string(spec.csp_name) + " must be a " + (choice ? "choice" : "simple") +
                      " setting instance (" +
                      std::string(choice ? kChoiceInstanceType : kSimpleInstanceType) + ")");
      return;
    }
    if (choice) {
      ReadChoice(instance, spec, definition_id, path, depth);
    } else {
      ReadSimple(instance, spec, path);
    }
  }

  void ReadChoice(const json& instance, const SettingSpec& spec, const std::string& definition_id,
                  const std::string& path, int depth) {
    const std::string value_path = path + ".choiceSettingValue";
    const auto cv = instance.find("choiceSettingValue");
    if (cv == instance.end() || !cv->is_object()) {
      Error(value_path, "missing or not an object");
      return;
    }
    if (!CheckOdataType(*cv, kChoiceValueType, value_path)) return;
    const auto value = cv->find("value");
    if (value == cv->end() || !value->is_string()) {
      Error(value_path + ".value", "missing or not a string");
    } else {
      const std::string& option = value->get_ref<const std::string&>();
      const std::string prefix = definition_id + "_";
      std::optional<SettingValue> parsed;
      if (option.size() > prefix.size() &&
          EqualsIgnoreCase(std::string_view(option).substr(0, prefix.size()), prefix)) {
        parsed = ParseChoiceSuffix(spec.type, std::string_view(option).substr(prefix.size()));
      }
      if (parsed) {
        Store(spec, std::move(*parsed), path);
      } else {
        Error(value_path + ".value",
              "unknown choice value " + Show(*value) + " for " + std::string(spec.csp_name));
      }
    }
    // Children are read even when the parent is bad so every problem shows.
    const auto children = cv->find("children");
    if (children == cv->end() || children->is_null()) return;
    if (!children->is_array()) {
      Error(value_path + ".children",
            "expected an array, got " + std::string(children->type_name()));
      return;
    }
    for (std::size_t i = 0; i < children->size() && !TooMuch(); ++i) {
      ReadInstance((*children)[i], value_path + ".children[" + std::to_string(i) + "]", depth + 1);
    }
  }

  void ReadSimple(const json& instance, const SettingSpec& spec, const std::string& path) {
    const std::string value_path = path + ".simpleSettingValue";
    const auto sv = instance.find("simpleSettingValue");
    if (sv == instance.end() || !sv->is_object()) {
      Error(value_path, "missing or not an object");
      return;
    }
    const std::string_view expected_type =
        spec.type == SettingType::kString ? kStringValueType : kIntegerValueType;
    if (!CheckOdataType(*sv, expected_type, value_path)) return;
    const auto value = sv->find("value");
    if (value == sv->end()) {
      Error(value_path + ".value", "missing");
      return;
    }
    Result<SettingValue> parsed = ValueFromJson(spec.type, *value);
    if (!parsed.ok()) {
      Error(value_path + ".value", std::string(spec.csp_name) + ": " + parsed.status().message());
      return;
    }
    Store(spec, std::move(parsed).value(), path);
  }

  void Store(const SettingSpec& spec, SettingValue value, const std::string& path) {
    if (settings_.IsConfigured(spec.id)) {
      Error(path, std::string(spec.csp_name) + " is configured more than once");
      return;
    }
    settings_.Set(spec.id, std::move(value));
  }

  std::string Join() const {
    std::string out;
    for (const std::string& e : errors_) {
      if (!out.empty()) out += "; ";
      out += e;
    }
    if (error_count_ > errors_.size()) {
      out += "; and " + std::to_string(error_count_ - errors_.size()) + " more";
    }
    return out;
  }

  PolicySettings settings_;
  std::vector<std::string> errors_;
  std::size_t error_count_ = 0;
  std::size_t instances_ = 0;
  std::string bound_error_;
};

}  // namespace

json PolicySettingsToJson(const PolicySettings& settings) {
  json out = json::object();
  for (const SettingSpec& spec : AllSettingSpecs()) {
    if (const auto& v = settings.Get(spec.id)) out[std::string(spec.json_key)] = ValueToJson(*v);
  }
  return out;
}

Result<PolicySettings> PolicySettingsFromJson(const json& input) {
  if (!input.is_object()) {
    return InvalidArgumentError("policy settings must be a JSON object, got " +
                                std::string(input.type_name()));
  }
  try {
    PolicySettings settings;
    std::vector<std::string> errors;
    for (const auto& [key, value] : input.items()) {
      const std::optional<SettingId> id = SettingIdFromName(key);
      if (!id) {
        errors.push_back("unknown setting \"" + key + "\"");
        continue;
      }
      // null reads as "not configured", as in a JSON merge patch.
      if (value.is_null()) continue;
      const SettingSpec& spec = SpecOf(*id);
      Result<SettingValue> parsed = ValueFromJson(spec.type, value);
      if (!parsed.ok()) {
        errors.push_back(key + ": " + parsed.status().message());
      } else if (settings.IsConfigured(*id)) {
        errors.push_back(key + ": " + std::string(spec.csp_name) + " is configured more than once");
      } else {
        settings.Set(*id, std::move(parsed).value());
      }
    }
    if (!errors.empty()) {
      std::string message;
      for (const std::string& e : errors) {
        if (!message.empty()) message += "; ";
        message += e;
      }
      return InvalidArgumentError(std::move(message));
    }
    return settings;
  } catch (const json::exception& e) {
    // Only reached on a bug in the type checks above; never let it escape.
    return InternalError(std::string("reading policy JSON: ") + e.what());
  }
}

json PolicySettingsToIntune(const PolicySettings& settings) {
  json out = json::array();
  for (const SettingSpec& spec : AllSettingSpecs()) {
    if (!settings.IsConfigured(spec.id) || ParentOf(settings, spec.id)) continue;
    out.push_back(
        {{kOdataType, kSettingType}, {"settingInstance", InstanceToIntune(settings, spec.id)}});
  }
  return out;
}

Result<PolicySettings> PolicySettingsFromIntune(const json& settings_array) {
  try {
    return IntuneReader().Read(settings_array);
  } catch (const json::exception& e) {
    // Only reached on a bug in the type checks; never let it escape.
    return InternalError(std::string("reading Intune settings: ") + e.what());
  }
}

}  // namespace openlaps::core
