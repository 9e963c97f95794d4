#include "core/rotation_schedule.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace openlaps::core {
namespace {

using std::chrono::days;
using std::chrono::hours;
using std::chrono::seconds;
using std::chrono::sys_days;
using namespace std::chrono_literals;

constexpr Timestamp kMarch1 = sys_days(2026y / 3 / 1);

constexpr Timestamp March(unsigned day) { return sys_days(2026y / 3 / std::chrono::day(day)); }

LapsSettings Settings(BackupDirectory directory, int age_days, bool protection = true) {
  LapsSettings settings;
  settings.backup_directory = directory;
  settings.password_age_days = age_days;
  settings.password_expiration_protection_enabled = protection;
  return settings;
}

// What the agent records once a rotation (of any reason) has committed.
void RecordRotation(RotationState& state, const LapsSettings& settings, Timestamp now) {
  state.last_rotation = now;
  state.planned_expiry = NextRotation(now, settings.password_age_days);
  state.manual_requested = false;
  state.account_changed = false;
  state.post_authentication_deadline.reset();
}

TEST(NextRotationTest, AddsPasswordAgeDays) {
  EXPECT_EQ(NextRotation(kMarch1, 10), March(11));
  EXPECT_EQ(NextRotation(kMarch1 + 5h, 1), March(2) + 5h);
  EXPECT_EQ(NextRotation(kMarch1, 365), sys_days(2027y / 3 / 1));
}

// The example in Intune's documentation: a policy received on March 1 with
// PasswordAgeDays 10; the device backs up on March 1, so the next rotation is
// March 11; a manual rotation on March 5 moves it to March 15.
TEST(RotationScheduleTest, IntuneDocumentationExample) {
  const LapsSettings settings = Settings(BackupDirectory::kCloud, 10);
  RotationState state;

  RotationDecision d = DecideRotation(state, settings, kMarch1);
  EXPECT_TRUE(d.rotate_now);
  EXPECT_EQ(d.reason, RotationReason::kNeverRotated);
  RecordRotation(state, settings, kMarch1);

  d = DecideRotation(state, settings, March(2));
  EXPECT_FALSE(d.rotate_now);
  EXPECT_EQ(d.reason, RotationReason::kNotDue);
  EXPECT_EQ(d.next_rotation, March(11));

  // Manual rotation on March 5.
  state.manual_requested = true;
  d = DecideRotation(state, settings, March(5));
  EXPECT_TRUE(d.rotate_now);
  EXPECT_EQ(d.reason, RotationReason::kManual);
  RecordRotation(state, settings, March(5));

  d = DecideRotation(state, settings, March(5) + 1h);
  EXPECT_FALSE(d.rotate_now);
  EXPECT_EQ(d.next_rotation, March(15));
  EXPECT_EQ(FormatUtc(*d.next_rotation), "2026-03-15T00:00:00Z");

  // March 11 is no longer a rotation date: the clock restarted.
  d = DecideRotation(state, settings, March(11));
  EXPECT_FALSE(d.rotate_now);
  EXPECT_EQ(d.next_rotation, March(15));

  d = DecideRotation(state, settings, March(14));
  EXPECT_FALSE(d.rotate_now);
  EXPECT_EQ(d.reason, RotationReason::kNotDue);
  EXPECT_EQ(d.next_rotation, March(15));

  d = DecideRotation(state, settings, March(15) - 1s);
  EXPECT_FALSE(d.rotate_now);

  d = DecideRotation(state, settings, March(15));
  EXPECT_TRUE(d.rotate_now);
  EXPECT_EQ(d.reason, RotationReason::kExpired);
  EXPECT_EQ(d.next_rotation, std::nullopt);
}

struct Case {
  std::string name;
  LapsSettings settings;
  RotationState state;
  Timestamp now;
  RotationReason reason;
  std::optional<Timestamp> next_rotation = std::nullopt;
};

std::ostream& operator<<(std::ostream& os, const Case& c) { return os << c.name; }

// Last rotation March 1, expiry March 11 (PasswordAgeDays 10), now March 5,
// unless a case says otherwise.
RotationState Rotated() {
  RotationState state;
  state.last_rotation = kMarch1;
  state.planned_expiry = March(11);
  return state;
}

// Only last_rotation recorded, no planned expiry (computed from the age).
RotationState RotatedWithoutPlannedExpiry(Timestamp last) {
  RotationState state;
  state.last_rotation = last;
  return state;
}

RotationState NeverRotatedWithManualRequest() {
  RotationState state;
  state.manual_requested = true;
  return state;
}

template <typename F>
RotationState RotatedWith(F change) {
  RotationState state = Rotated();
  change(state);
  return state;
}

const LapsSettings kCloud10 = Settings(BackupDirectory::kCloud, 10);
const LapsSettings kAd10 = Settings(BackupDirectory::kActiveDirectory, 10);
const LapsSettings kAd10Unprotected = Settings(BackupDirectory::kActiveDirectory, 10, false);

class DecideRotationTest : public ::testing::TestWithParam<Case> {};

TEST_P(DecideRotationTest, Decides) {
  const Case& c = GetParam();
  const RotationDecision d = DecideRotation(c.state, c.settings, c.now);
  EXPECT_EQ(RotationReasonName(d.reason), RotationReasonName(c.reason));
  const bool should_rotate =
      c.reason != RotationReason::kNotDue && c.reason != RotationReason::kDisabled;
  EXPECT_EQ(d.rotate_now, should_rotate);
  EXPECT_EQ(d.next_rotation, c.next_rotation);
}

INSTANTIATE_TEST_SUITE_P(
    Reasons, DecideRotationTest,
    ::testing::Values(
        // Disabled wins over everything and never plans anything.
        Case{"disabled_never_rotated",
             Settings(BackupDirectory::kDisabled, 10),
             {},
             March(5),
             RotationReason::kDisabled},
        Case{"disabled_with_everything_due", Settings(BackupDirectory::kDisabled, 10),
             RotatedWith([](RotationState& s) {
               s.manual_requested = true;
               s.account_changed = true;
               s.post_authentication_deadline = kMarch1;
             }),
             March(30), RotationReason::kDisabled},
        // Never rotated: rotate at once, whatever else is pending.
        Case{"never_rotated", kCloud10, {}, March(5), RotationReason::kNeverRotated},
        Case{"never_rotated_with_manual", kAd10, NeverRotatedWithManualRequest(), March(5),
             RotationReason::kNeverRotated},
        // Manual wins over the later reasons.
        Case{"manual", kCloud10, RotatedWith([](RotationState& s) { s.manual_requested = true; }),
             March(5), RotationReason::kManual},
        Case{"manual_before_account_changed_and_expired", kCloud10,
             RotatedWith([](RotationState& s) {
               s.manual_requested = true;
               s.account_changed = true;
               s.post_authentication_deadline = March(2);
             }),
             March(20), RotationReason::kManual},
        Case{"account_changed", kCloud10,
             RotatedWith([](RotationState& s) { s.account_changed = true; }), March(5),
             RotationReason::kAccountChanged},
        Case{"account_changed_before_post_authentication_and_expired", kAd10,
             RotatedWith([](RotationState& s) {
               s.account_changed = true;
               s.post_authentication_deadline = March(2);
             }),
             March(20), RotationReason::kAccountChanged},
        // Active Directory's password version is not the device's own.
        Case{"image_rolled_back", kAd10,
             RotatedWith([](RotationState& s) { s.image_rolled_back = true; }), March(5),
             RotationReason::kImageRollback},
        Case{"account_changed_before_image_rollback", kAd10, RotatedWith([](RotationState& s) {
               s.account_changed = true;
               s.image_rolled_back = true;
             }),
             March(5), RotationReason::kAccountChanged},
        // Post-authentication: due at the deadline, not before.
        Case{"post_authentication_deadline_reached", kCloud10,
             RotatedWith([](RotationState& s) { s.post_authentication_deadline = March(5); }),
             March(5), RotationReason::kPostAuthentication},
        Case{"post_authentication_before_expired", kCloud10,
             RotatedWith([](RotationState& s) { s.post_authentication_deadline = March(4); }),
             March(12), RotationReason::kPostAuthentication},
        Case{"post_authentication_pending_is_next", kCloud10,
             RotatedWith([](RotationState& s) { s.post_authentication_deadline = March(6); }),
             March(5), RotationReason::kNotDue, March(6)},
        Case{"post_authentication_after_expiry_leaves_expiry_next", kCloud10,
             RotatedWith([](RotationState& s) { s.post_authentication_deadline = March(12); }),
             March(5), RotationReason::kNotDue, March(11)},
        // Expiry.
        Case{"expired_exactly_now", kCloud10, Rotated(), March(11), RotationReason::kExpired},
        Case{"not_yet_expired", kCloud10, Rotated(), March(11) - 1s, RotationReason::kNotDue,
             March(11)},
        Case{"expired_from_last_rotation_without_planned_expiry", kCloud10,
             RotatedWithoutPlannedExpiry(kMarch1), March(11), RotationReason::kExpired},
        Case{"not_due_from_last_rotation_without_planned_expiry", kCloud10,
             RotatedWithoutPlannedExpiry(kMarch1), March(10), RotationReason::kNotDue, March(11)},
        // PasswordAgeDays changed after the last rotation: the expiry stays.
        Case{"longer_age_keeps_the_planned_expiry", Settings(BackupDirectory::kCloud, 30),
             Rotated(), March(11), RotationReason::kExpired},
        Case{"longer_age_not_due_before_the_planned_expiry", Settings(BackupDirectory::kCloud, 30),
             Rotated(), March(5), RotationReason::kNotDue, March(11)},
        // Expiration protection: a planned expiry beyond now + age is refused.
        Case{"cloud_expiry_beyond_policy", kCloud10,
             RotatedWith([](RotationState& s) { s.planned_expiry = March(20); }), March(5),
             RotationReason::kExpiryBeyondPolicy},
        Case{"cloud_is_always_protected", Settings(BackupDirectory::kCloud, 10, false),
             RotatedWith([](RotationState& s) { s.planned_expiry = March(20); }), March(5),
             RotationReason::kExpiryBeyondPolicy},
        Case{"ad_protected_expiry_beyond_policy", kAd10,
             RotatedWith([](RotationState& s) { s.planned_expiry = March(20); }), March(5),
             RotationReason::kExpiryBeyondPolicy},
        Case{"ad_unprotected_honours_later_expiry", kAd10Unprotected,
             RotatedWith([](RotationState& s) { s.planned_expiry = March(20); }), March(5),
             RotationReason::kNotDue, March(20)},
        Case{"ad_unprotected_still_expires", kAd10Unprotected,
             RotatedWith([](RotationState& s) { s.planned_expiry = March(20); }), March(20),
             RotationReason::kExpired},
        Case{"expiry_exactly_at_the_policy_limit_is_honoured", kCloud10,
             RotatedWith([](RotationState& s) { s.planned_expiry = March(15); }), March(5),
             RotationReason::kNotDue, March(15)},
        Case{"shorter_age_with_protection_rotates", Settings(BackupDirectory::kActiveDirectory, 3),
             Rotated(), March(5), RotationReason::kExpiryBeyondPolicy},
        Case{"shorter_age_without_protection_keeps_expiry",
             Settings(BackupDirectory::kActiveDirectory, 3, false), Rotated(), March(5),
             RotationReason::kNotDue, March(11)},
        // The clock went back below the last rotation: the computed expiry
        // is beyond what the policy allows from now.
        Case{"last_rotation_in_the_future", kCloud10, RotatedWithoutPlannedExpiry(March(20)),
             March(5), RotationReason::kExpiryBeyondPolicy}),
    [](const ::testing::TestParamInfo<Case>& info) { return info.param.name; });

TEST(RotationReasonNameTest, EveryReasonHasADistinctName) {
  std::set<std::string_view> names;
  for (RotationReason r :
       {RotationReason::kNotDue, RotationReason::kDisabled, RotationReason::kNeverRotated,
        RotationReason::kExpired, RotationReason::kExpiryBeyondPolicy, RotationReason::kManual,
        RotationReason::kPostAuthentication, RotationReason::kAccountChanged,
        RotationReason::kImageRollback}) {
    const std::string_view name = RotationReasonName(r);
    EXPECT_FALSE(name.empty());
    EXPECT_NE(name, "unknown");
    names.insert(name);
  }
  EXPECT_EQ(names.size(), 9u);
  EXPECT_EQ(RotationReasonName(RotationReason::kExpiryBeyondPolicy), "expiry_beyond_policy");
}

}  // namespace
}  // namespace openlaps::core
