#include "demo/demo_fleet.h"

#include <string>

#include "core/password_generator.h"
#include "crypto/csprng.h"
#include "crypto/signing.h"

namespace openlaps::demo {

namespace {

constexpr int kAgeDays = 30;

store::PolicyRecord DemoPolicy(std::string name, int age_days, core::Timestamp now) {
  store::PolicyRecord policy;
  policy.name = std::move(name);
  policy.description = "Seeded by --demo-fleet";
  policy.platforms =
      core::PlatformBit(core::Platform::kWindows) | core::PlatformBit(core::Platform::kLinux);
  policy.settings.Set(core::SettingId::kBackupDirectory, std::int64_t{1});
  policy.settings.Set(core::SettingId::kPasswordAgeDays, std::int64_t{age_days});
  policy.settings.Set(core::SettingId::kPasswordComplexity, std::int64_t{4});
  policy.created_at = now;
  policy.modified_at = now;
  return policy;
}

}  // namespace

Result<int> SeedDemoFleet(store::Store& store, const crypto::BoxPublicKey& escrow_key, int devices,
                          const core::Clock& clock) {
  OPENLAPS_ASSIGN_OR_RETURN(auto existing, store.ListDevices());
  if (!existing.empty() || devices <= 0) return 0;
  core::Timestamp now = clock.Now();

  store::Group lab;
  lab.display_name = "Demo lab";
  lab.description = "Every demo device";
  OPENLAPS_ASSIGN_OR_RETURN(lab, store.CreateGroup(lab));
  store::Group pilots;
  pilots.display_name = "Demo pilots";
  pilots.description = "Two devices that also get a conflicting policy";
  OPENLAPS_ASSIGN_OR_RETURN(pilots, store.CreateGroup(pilots));
  OPENLAPS_ASSIGN_OR_RETURN(auto main_policy,
                            store.CreatePolicy(DemoPolicy("Demo LAPS (30 days)", kAgeDays, now)));
  OPENLAPS_RETURN_IF_ERROR(
      store.SetPolicyAssignments(main_policy.id, {{lab.id, core::AssignmentKind::kInclude}}));
  OPENLAPS_ASSIGN_OR_RETURN(auto pilot_policy,
                            store.CreatePolicy(DemoPolicy("Demo pilots (7 days)", 7, now)));
  OPENLAPS_RETURN_IF_ERROR(
      store.SetPolicyAssignments(pilot_policy.id, {{pilots.id, core::AssignmentKind::kInclude}}));

  crypto::CsprngRandom random;
  for (int i = 0; i < devices; ++i) {
    store::Device device;
    device.name = "demo-" + std::to_string(100 + i);
    device.platform = core::Platform::kLinux;
    device.os_version = "Debian 12";
    device.serial_number = "DEMO" + std::to_string(100000 + i);
    device.join_type = "openlaps";
    device.ownership = "company";
    // Demo devices never check in themselves, so their keys are thrown away.
    auto signing = crypto::SigningKeyPair::Generate();
    device.sign_public_key.assign(signing.public_key.begin(), signing.public_key.end());
    auto box = crypto::BoxKeyPair::Generate();
    device.box_public_key.assign(box.public_key.begin(), box.public_key.end());
    device.enrolled_at = now - std::chrono::days(40);
    OPENLAPS_ASSIGN_OR_RETURN(device, store.CreateDevice(device));
    OPENLAPS_RETURN_IF_ERROR(store.AddGroupMember(lab.id, device.id));
    if (i < 2) OPENLAPS_RETURN_IF_ERROR(store.AddGroupMember(pilots.id, device.id));

    // Backups spread over the last 35 days, so some are overdue.
    core::Timestamp backed_up = now - std::chrono::hours(24 * 35 * i / devices + 1);
    OPENLAPS_ASSIGN_OR_RETURN(core::SecretString password,
                              core::GeneratePassword(core::PasswordSpec{}, random));
    store::Credential credential;
    credential.device_id = device.id;
    credential.rotation_id = "demo-" + crypto::RandomToken(8);
    credential.account_name = "root";
    credential.account_sid = "S-1-22-1-0";
    credential.sealed_password = crypto::Seal(escrow_key, password.Reveal());
    credential.backup_time = backed_up;
    OPENLAPS_RETURN_IF_ERROR(store.AddPendingCredential(credential).status());
    OPENLAPS_RETURN_IF_ERROR(store
                                 .CommitCredential(device.id, credential.rotation_id, backed_up,
                                                   backed_up + std::chrono::days(kAgeDays), 5)
                                 .status());
    store::CheckinUpdate checkin;
    checkin.time = now - std::chrono::minutes(i % 90);
    checkin.name = device.name;
    checkin.os_version = device.os_version;
    checkin.managed_account_name = "root";
    checkin.managed_account_sid = "S-1-22-1-0";
    checkin.laps_state = "managed";
    OPENLAPS_RETURN_IF_ERROR(store.RecordCheckin(device.id, checkin));
  }
  return devices;
}

}  // namespace openlaps::demo
