// When a device must rotate its managed password (LAPS-REFERENCE.md §3).
//
// next rotation = last rotation + PasswordAgeDays; a manual rotation is a
// rotation, so it restarts the clock. Changing PasswordAgeDays moves nothing
// already planned, except that with PasswordExpirationProtectionEnabled a
// planned expiry later than the policy allows is not honoured: rotate now.
#ifndef OPENLAPS_CORE_ROTATION_SCHEDULE_H_
#define OPENLAPS_CORE_ROTATION_SCHEDULE_H_

#include <optional>
#include <string_view>

#include "core/clock.h"
#include "core/policy_settings.h"

namespace openlaps::core {

struct RotationState {
  std::optional<Timestamp> last_rotation;  // never rotated when empty
  // The expiry recorded at the last rotation (it may have been planned with
  // an older PasswordAgeDays or extended by hand).
  std::optional<Timestamp> planned_expiry;
  bool manual_requested = false;
  std::optional<Timestamp> post_authentication_deadline;
  bool account_changed = false;  // the policy now names another account
  // Active Directory's password version is not the one this device last
  // wrote: the OS image was rolled back to an older password.
  bool image_rolled_back = false;
};

enum class RotationReason {
  kNotDue,
  kDisabled,  // BackupDirectory = 0: never rotate
  kNeverRotated,
  kExpired,
  kExpiryBeyondPolicy,  // PasswordExpirationProtectionEnabled
  kManual,
  kPostAuthentication,
  kAccountChanged,
  kImageRollback,
};
std::string_view RotationReasonName(RotationReason reason);

struct RotationDecision {
  bool rotate_now = false;
  RotationReason reason = RotationReason::kNotDue;
  std::optional<Timestamp> next_rotation;  // when nothing is due now
};

Timestamp NextRotation(Timestamp last_rotation, int password_age_days);

RotationDecision DecideRotation(const RotationState& state, const LapsSettings& settings,
                                Timestamp now);

}  // namespace openlaps::core

#endif  // OPENLAPS_CORE_ROTATION_SCHEDULE_H_
