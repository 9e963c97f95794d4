#include "core/rotation_schedule.h"

#include <algorithm>
#include <cassert>

namespace openlaps::core {
namespace {

RotationDecision RotateNow(RotationReason reason) {
  return {.rotate_now = true, .reason = reason, .next_rotation = std::nullopt};
}

// PasswordExpirationProtectionEnabled is an Active Directory setting; with the
// cloud directory (lapsd escrow) protection is always on, as in Entra.
bool ExpirationProtected(const LapsSettings& settings) {
  return settings.backup_directory != BackupDirectory::kActiveDirectory ||
         settings.password_expiration_protection_enabled;
}

}  // namespace

std::string_view RotationReasonName(RotationReason reason) {
  switch (reason) {
    case RotationReason::kNotDue:
      return "not_due";
    case RotationReason::kDisabled:
      return "disabled";
    case RotationReason::kNeverRotated:
      return "never_rotated";
    case RotationReason::kExpired:
      return "expired";
    case RotationReason::kExpiryBeyondPolicy:
      return "expiry_beyond_policy";
    case RotationReason::kManual:
      return "manual";
    case RotationReason::kPostAuthentication:
      return "post_authentication";
    case RotationReason::kAccountChanged:
      return "account_changed";
    case RotationReason::kImageRollback:
      return "image_rollback";
  }
  return "unknown";
}

Timestamp NextRotation(Timestamp last_rotation, int password_age_days) {
  assert(password_age_days > 0 && "LapsSettings::Resolve keeps PasswordAgeDays in 1-365");
  return last_rotation + std::chrono::days{password_age_days};
}

RotationDecision DecideRotation(const RotationState& state, const LapsSettings& settings,
                                Timestamp now) {
  if (!settings.RotationEnabled()) {
    return {.rotate_now = false, .reason = RotationReason::kDisabled, .next_rotation = {}};
  }
  if (!state.last_rotation) return RotateNow(RotationReason::kNeverRotated);
  if (state.manual_requested) return RotateNow(RotationReason::kManual);
  if (state.account_changed) return RotateNow(RotationReason::kAccountChanged);
  if (state.image_rolled_back) return RotateNow(RotationReason::kImageRollback);
  if (state.post_authentication_deadline && *state.post_authentication_deadline <= now) {
    return RotateNow(RotationReason::kPostAuthentication);
  }

  // The expiry recorded at the last rotation wins over one recomputed from
  // today's PasswordAgeDays: changing the age does not move it.
  const Timestamp expiry =
      state.planned_expiry.value_or(NextRotation(*state.last_rotation, settings.password_age_days));
  if (expiry <= now) return RotateNow(RotationReason::kExpired);
  if (ExpirationProtected(settings) &&
      expiry > now + std::chrono::days{settings.password_age_days}) {
    return RotateNow(RotationReason::kExpiryBeyondPolicy);
  }

  Timestamp next = expiry;
  if (state.post_authentication_deadline) {
    next = std::min(next, *state.post_authentication_deadline);
  }
  return {.rotate_now = false, .reason = RotationReason::kNotDue, .next_rotation = next};
}

}  // namespace openlaps::core
