#include "core/policy_validation.h"

#include <algorithm>
#include <cstdio>
#include <optional>
#include <string_view>

namespace openlaps::core {
namespace {

// Windows LAPS refuses a password age under 7 days when it backs up to the
// cloud directory (the Intune definition passwordagedays_aad starts at 7).
constexpr std::int64_t kCloudMinPasswordAgeDays = 7;
// Windows appends 6 digits to a randomized name and names hold 20 characters,
// so it silently cuts a longer prefix; we refuse it instead.
constexpr std::size_t kMaxRandomizedPrefixLength = 14;
// Characters Windows refuses in local user names.
constexpr std::string_view kForbiddenNameChars = "\"/\\[]:;|=,+*?<>@";

std::string_view TypeName(SettingType type) {
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

bool IsControl(unsigned char c) { return c < 0x20 || c == 0x7f; }

// Quotes a string for a message, escaping control characters so a finding
// prints on one line.
std::string Quote(std::string_view s) {
  std::string out = "\"";
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (IsControl(c)) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else if (ch == '"' || ch == '\\') {
      out += '\\';
      out += ch;
    } else {
      out += ch;
    }
  }
  out += '"';
  return out;
}

std::string Describe(const SettingValue& value) {
  if (const auto* s = std::get_if<std::string>(&value)) return Quote(*s);
  return SettingValueToString(value);
}

// The number of code points, or nullopt when `s` is not valid UTF-8. Account
// names are limited in characters, not bytes.
std::optional<std::size_t> Utf8Length(std::string_view s) {
  std::size_t count = 0;
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t len = 0;
    if (c < 0x80) {
      len = 1;
    } else if ((c & 0xe0) == 0xc0 && c >= 0xc2) {
      len = 2;
    } else if ((c & 0xf0) == 0xe0) {
      len = 3;
    } else if ((c & 0xf8) == 0xf0 && c <= 0xf4) {
      len = 4;
    } else {
      return std::nullopt;
    }
    if (i + len > s.size()) return std::nullopt;
    for (std::size_t k = 1; k < len; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xc0) != 0x80) return std::nullopt;
    }
    i += len;
    ++count;
  }
  return count;
}

bool IsAccountName(SettingId id) {
  return id == SettingId::kAdministratorAccountName ||
         id == SettingId::kAutomaticAccountManagementNameOrPrefix;
}

std::string JoinAllowed(std::span<const std::int64_t> allowed) {
  std::string out;
  for (std::int64_t v : allowed) {
    if (!out.empty()) out += ", ";
    out += std::to_string(v);
  }
  return out;
}

void CheckInt(const SettingSpec& spec, std::int64_t v, const PolicySettings& settings,
              std::vector<std::string>& errors) {
  const std::string prefix = std::string(spec.csp_name) + ": " + std::to_string(v);
  if (!spec.allowed.empty()) {
    if (std::find(spec.allowed.begin(), spec.allowed.end(), v) == spec.allowed.end()) {
      errors.push_back(prefix + " is not allowed; allowed " + JoinAllowed(spec.allowed));
    }
    return;
  }
  std::int64_t min = spec.min;
  std::string condition;
  if (spec.id == SettingId::kPasswordAgeDays &&
      settings.GetInt(SettingId::kBackupDirectory) ==
          static_cast<std::int64_t>(BackupDirectory::kCloud)) {
    min = kCloudMinPasswordAgeDays;
    condition = " when BackupDirectory is 1 (cloud)";
  }
  if (v < min || v > spec.max) {
    errors.push_back(prefix + " is out of range; allowed " + std::to_string(min) + "-" +
                     std::to_string(spec.max) + condition);
  }
}

void CheckString(const SettingSpec& spec, const std::string& v, const PolicySettings& settings,
                 std::vector<std::string>& errors) {
  const std::string prefix = std::string(spec.csp_name) + ": " + Quote(v);
  const std::optional<std::size_t> length = Utf8Length(v);
  if (!length) {
    errors.push_back(prefix + " is not valid UTF-8");
    return;
  }
  if (spec.max > 0 && *length > static_cast<std::size_t>(spec.max)) {
    errors.push_back(prefix + " is " + std::to_string(*length) +
                     " characters long; allowed at most " + std::to_string(spec.max));
  } else if (spec.id == SettingId::kAutomaticAccountManagementNameOrPrefix &&
             settings.GetBool(SettingId::kAutomaticAccountManagementRandomizeName) == true &&
             *length > kMaxRandomizedPrefixLength) {
    errors.push_back(prefix + " is " + std::to_string(*length) +
                     " characters long; allowed at most " +
                     std::to_string(kMaxRandomizedPrefixLength) +
                     " when AutomaticAccountManagementRandomizeName is true, because Windows "
                     "cuts a randomized prefix to " +
                     std::to_string(kMaxRandomizedPrefixLength));
  }
  if (!IsAccountName(spec.id)) return;
  for (char ch : v) {
    const auto c = static_cast<unsigned char>(ch);
    if (IsControl(c) || kForbiddenNameChars.find(ch) != std::string_view::npos) {
      errors.push_back(prefix + " contains " +
                       (IsControl(c) ? std::string("a control character") : Quote({&ch, 1})) +
                       "; Windows account names may not contain control characters or any of " +
                       std::string(kForbiddenNameChars));
      return;
    }
  }
}

// Every reason the configured value of `spec` is refused, independent of
// whether the setting applies.
std::vector<std::string> ValueErrors(const SettingSpec& spec, const SettingValue& value,
                                     const PolicySettings& settings) {
  std::vector<std::string> errors;
  if (const auto* i = std::get_if<std::int64_t>(&value); i && spec.type == SettingType::kInt) {
    CheckInt(spec, *i, settings, errors);
  } else if (const auto* s = std::get_if<std::string>(&value);
             s && spec.type == SettingType::kString) {
    CheckString(spec, *s, settings, errors);
  } else if (!std::holds_alternative<bool>(value) || spec.type != SettingType::kBool) {
    errors.push_back(std::string(spec.csp_name) + ": " + Describe(value) + " has the wrong type; " +
                     "expected " + std::string(TypeName(spec.type)));
  }
  return errors;
}

// The value a controlling setting has on the device, or nullopt when it is
// configured but refused: then we cannot tell what the admin meant and say
// nothing about the settings it controls.
template <typename T>
std::optional<T> Controller(const PolicySettings& settings, SettingId id, bool refused) {
  if (refused) return std::nullopt;
  const auto& v = settings.Get(id);
  if (!v) return std::get<T>(SpecOf(id).default_value);
  return std::get<T>(*v);
}

}  // namespace

bool ValidationReport::ok() const {
  return std::none_of(findings.begin(), findings.end(),
                      [](const ValidationFinding& f) { return f.kind == FindingKind::kError; });
}

std::vector<ValidationFinding> ValidationReport::Errors() const {
  std::vector<ValidationFinding> out;
  std::copy_if(findings.begin(), findings.end(), std::back_inserter(out),
               [](const ValidationFinding& f) { return f.kind == FindingKind::kError; });
  return out;
}

std::vector<ValidationFinding> ValidationReport::Ignored() const {
  std::vector<ValidationFinding> out;
  std::copy_if(findings.begin(), findings.end(), std::back_inserter(out),
               [](const ValidationFinding& f) { return f.kind == FindingKind::kIgnored; });
  return out;
}

Status ValidationReport::ToStatus() const {
  std::string message;
  for (const ValidationFinding& f : findings) {
    if (f.kind != FindingKind::kError) continue;
    if (!message.empty()) message += "; ";
    message += f.message;
  }
  if (message.empty()) return Status::Ok();
  return InvalidArgumentError(std::move(message));
}

ValidationReport ValidatePolicySettings(const PolicySettings& settings) {
  ValidationReport report;
  std::array<bool, kSettingCount> refused{};
  for (const SettingSpec& spec : AllSettingSpecs()) {
    const auto& value = settings.Get(spec.id);
    if (!value) continue;
    for (std::string& message : ValueErrors(spec, *value, settings)) {
      refused[static_cast<std::size_t>(spec.id)] = true;
      report.findings.push_back({spec.id, FindingKind::kError, std::move(message)});
    }
  }

  auto refused_at = [&](SettingId id) { return refused[static_cast<std::size_t>(id)]; };
  const auto backup = Controller<std::int64_t>(settings, SettingId::kBackupDirectory,
                                               refused_at(SettingId::kBackupDirectory));
  const auto complexity = Controller<std::int64_t>(settings, SettingId::kPasswordComplexity,
                                                   refused_at(SettingId::kPasswordComplexity));
  const auto automatic =
      Controller<bool>(settings, SettingId::kAutomaticAccountManagementEnabled,
                       refused_at(SettingId::kAutomaticAccountManagementEnabled));
  const bool backup_configured = settings.IsConfigured(SettingId::kBackupDirectory);
  const bool complexity_configured = settings.IsConfigured(SettingId::kPasswordComplexity);

  // Why a valid, configured setting will not be used; empty when it is used.
  auto ignored_reason = [&](const SettingSpec& spec) -> std::string {
    if (spec.id == SettingId::kBackupDirectory) return {};
    if (backup == static_cast<std::int64_t>(BackupDirectory::kDisabled)) {
      return backup_configured ? "BackupDirectory is 0 (disabled), so LAPS does nothing"
                               : "BackupDirectory is 0 (disabled) because it is not configured, "
                                 "so LAPS does nothing";
    }
    switch (spec.applies) {
      case Applicability::kAlways:
        return {};
      case Applicability::kActiveDirectoryOnly:
        if (!backup || *backup == static_cast<std::int64_t>(BackupDirectory::kActiveDirectory)) {
          return {};
        }
        return "it applies only when BackupDirectory is 2 (Active Directory); BackupDirectory "
               "is " +
               std::to_string(*backup);
      case Applicability::kPasswordComplexity:
        if (!complexity || *complexity < 6) return {};
        return "it applies only to PasswordComplexity 1-5; PasswordComplexity is " +
               std::to_string(*complexity) + " (passphrase)";
      case Applicability::kPassphraseComplexity:
        if (!complexity || *complexity >= 6) return {};
        return "it applies only to PasswordComplexity 6-8; PasswordComplexity is " +
               std::to_string(*complexity) + (complexity_configured ? "" : " (default)");
      case Applicability::kAutomaticAccount:
        if (!automatic || *automatic) return {};
        return "it applies only when AutomaticAccountManagementEnabled is true";
      case Applicability::kNotAutomaticAccount:
        if (!automatic || !*automatic) return {};
        return "AutomaticAccountManagementEnabled is true, so LAPS manages its own account";
    }
    return {};
  };

  for (const SettingSpec& spec : AllSettingSpecs()) {
    const auto& value = settings.Get(spec.id);
    if (!value || refused_at(spec.id)) continue;
    std::string reason = ignored_reason(spec);
    if (reason.empty()) continue;
    report.findings.push_back(
        {spec.id, FindingKind::kIgnored,
         std::string(spec.csp_name) + ": " + Describe(*value) + " is ignored: " + reason});
  }
  // Keep the findings of one setting together, in SettingId order.
  std::stable_sort(
      report.findings.begin(), report.findings.end(),
      [](const ValidationFinding& a, const ValidationFinding& b) { return a.setting < b.setting; });
  return report;
}

}  // namespace openlaps::core
