// Server-side validation of a policy's configured settings. Unlike the
// device, which falls back to defaults, the server refuses bad values at
// creation and reports every problem at once.
#ifndef OPENLAPS_CORE_POLICY_VALIDATION_H_
#define OPENLAPS_CORE_POLICY_VALIDATION_H_

#include <string>
#include <vector>

#include "core/policy_settings.h"
#include "core/status.h"

namespace openlaps::core {

enum class FindingKind {
  kError,    // the value is refused (out of range, wrong type, bad name)
  kIgnored,  // valid, but will not be used with the other settings chosen
};

struct ValidationFinding {
  SettingId setting;
  FindingKind kind;
  // Names the setting, the value and the allowed range or the reason it is
  // ignored, e.g. "PasswordAgeDays: 3 is out of range; allowed 7-365 when
  // BackupDirectory is 1 (cloud)".
  std::string message;
};

struct ValidationReport {
  std::vector<ValidationFinding> findings;

  bool ok() const;  // no kError findings
  std::vector<ValidationFinding> Errors() const;
  std::vector<ValidationFinding> Ignored() const;
  // InvalidArgument listing every error, "; "-separated; Ok when ok().
  Status ToStatus() const;
};

ValidationReport ValidatePolicySettings(const PolicySettings& settings);

}  // namespace openlaps::core

#endif  // OPENLAPS_CORE_POLICY_VALIDATION_H_
