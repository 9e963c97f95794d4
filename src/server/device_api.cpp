// The device API (DESIGN.md §6): enrollment, signed check-in, two-phase
// escrow, action long-poll and action reports. A device only ever reaches
// its own records: every lookup is keyed by the authenticated device.
#include <algorithm>
#include <charconv>

#include "core/policy_json.h"
#include "crypto/csprng.h"
#include "crypto/encoding.h"
#include "crypto/hashing.h"
#include "crypto/request_signing.h"
#include "server/device_fields.h"
#include "server/graph_response.h"
#include "server/laps_server.h"
#include "server/resources.h"

namespace openlaps::server {

namespace asio = boost::asio;

namespace {

constexpr std::string_view kRotateAction = "rotateLocalAdminPassword";
constexpr std::chrono::hours kDeviceSessionLifetime{1};

Result<store::Bytes> DecodeKey(const nlohmann::json& body, DeviceField field, std::size_t size) {
  auto text = RequiredDeviceString(body, field);
  if (!text.ok()) return text.status();
  auto bytes = crypto::Base64UrlDecode(*text);
  if (!bytes.ok() || bytes->size() != size) {
    return InvalidArgumentError(std::string(SpecOf(field).path) + " must be " +
                                std::to_string(size) + " bytes, base64url");
  }
  return std::move(bytes).value();
}

}  // namespace

void LapsServer::RegisterDeviceRoutes() {
  AddRoute("POST", "/device/v1/enroll", Auth::kNone, "", [this](Call& c) { return Enroll(c); });
  AddRoute("POST", "/device/v1/session", Auth::kDevice, "",
           [this](Call& c) { return OpenDeviceSession(c); });
  AddRoute("POST", "/device/v1/checkin", Auth::kDevice, "", [this](Call& c) { return Checkin(c); });
  AddRoute("POST", "/device/v1/credentials", Auth::kDevice, "",
           [this](Call& c) { return PostCredential(c); });
  AddAsyncRoute("GET", "/device/v1/actions", Auth::kDevice, "",
                [this](Call& c) { return WaitForActions(c); });
  AddRoute("POST", "/device/v1/actions/{id}", Auth::kDevice, "",
           [this](Call& c) { return ReportAction(c); });
  AddRoute("POST", "/device/v1/goodbye", Auth::kDevice, "", [this](Call& c) { return Goodbye(c); });
}

Result<http::Response> LapsServer::Enroll(Call& call) {
  OPENLAPS_ASSIGN_OR_RETURN(nlohmann::json body, ParseJsonObject(call.request.body));
  OPENLAPS_ASSIGN_OR_RETURN(std::string token,
                            RequiredDeviceString(body, DeviceField::kEnrollmentToken));
  OPENLAPS_ASSIGN_OR_RETURN(std::string name, RequiredDeviceString(body, DeviceField::kDeviceName));
  OPENLAPS_ASSIGN_OR_RETURN(std::string platform_name,
                            OptionalDeviceString(body, DeviceField::kPlatform));
  OPENLAPS_ASSIGN_OR_RETURN(std::string os_version,
                            OptionalDeviceString(body, DeviceField::kOsVersion));
  OPENLAPS_ASSIGN_OR_RETURN(std::string serial_number,
                            OptionalDeviceString(body, DeviceField::kSerialNumber));
  // Keys are decoded after every string is checked against its limit.
  OPENLAPS_ASSIGN_OR_RETURN(store::Bytes sign_key,
                            DecodeKey(body, DeviceField::kSignPublicKey, 32));
  OPENLAPS_ASSIGN_OR_RETURN(store::Bytes box_key, DecodeKey(body, DeviceField::kBoxPublicKey, 32));
  auto platform = core::PlatformFromName(platform_name);
  if (!platform) return InvalidArgumentError("platform must be windows, linux or macOS");

  std::string hash = crypto::TokenHash(token);
  core::SecureZero(token.data(), token.size());
  auto enrollment = store_->ConsumeEnrollmentToken(hash, call.now);
  if (!enrollment.ok()) {
    Status audited = AuditUnauthenticated(call, "Enroll device", "Enrollment", "failure", "device",
                                          "", name, enrollment.status().message());
    if (!audited.ok()) return audited;
    return enrollment.status();
  }
  store::Device device;
  device.name = name;
  device.platform = *platform;
  device.os_version = std::move(os_version);
  device.serial_number = std::move(serial_number);
  device.join_type = "openlaps";
  device.ownership = "company";
  device.scope_tag_ids = enrollment->scope_tag_ids;
  device.sign_public_key = std::move(sign_key);
  device.box_public_key = std::move(box_key);
  device.enrolled_at = call.now;
  OPENLAPS_ASSIGN_OR_RETURN(store::Device created, store_->CreateDevice(device));
  for (store::Id group : enrollment->group_ids) {
    OPENLAPS_RETURN_IF_ERROR(store_->AddGroupMember(group, created.id));
  }
  OPENLAPS_RETURN_IF_ERROR(Audit(call, "Enroll device", "Enrollment", "success", "device",
                                 created.guid, created.name,
                                 {{"enrollmentToken", enrollment->guid}}));
  return JsonResponse(201, {{"deviceId", created.guid},
                            {"escrowPublicKey", crypto::Base64UrlEncode(escrow_keys_.public_key)},
                            {"checkinIntervalSeconds", config_.checkin_interval.count()},
                            {"longPollSeconds", config_.long_poll_max.count()},
                            {"maxClockSkewSeconds", config_.max_clock_skew.count()}});
}

Result<http::Response> LapsServer::OpenDeviceSession(Call& call) {
  // Sessions are opened with the device key itself, never from a session.
  if (call.device_session) {
    return UnauthenticatedError("a device session is opened with a signed request");
  }
  const store::Device& device = *call.device;
  crypto::BoxPublicKey device_box{};
  if (device.box_public_key.size() != device_box.size()) {
    return FailedPreconditionError("the device has no encryption key");
  }
  std::copy(device.box_public_key.begin(), device.box_public_key.end(), device_box.begin());
  core::Timestamp expires = call.now + kDeviceSessionLifetime;
  std::string session =
      crypto::RandomToken(16) + "." + std::to_string(expires.time_since_epoch().count());
  crypto::Digest key =
      crypto::SessionKey(crypto::AsBytes(session_secret_.Reveal()), device.guid, session);
  crypto::Bytes sealed = crypto::Seal(
      device_box, std::string_view(reinterpret_cast<const char*>(key.data()), key.size()));
  core::SecureZero(key.data(), key.size());
  return JsonResponse(200, {{"session", session},
                            {"expiresAt", core::FormatUtc(expires)},
                            {"sealedKey", crypto::Base64UrlEncode(sealed)}});
}

Result<http::Response> LapsServer::Checkin(Call& call) {
  OPENLAPS_ASSIGN_OR_RETURN(nlohmann::json body, ParseJsonObject(call.request.body));
  const store::Device& device = *call.device;
  store::CheckinUpdate update;
  update.time = call.now;
  OPENLAPS_ASSIGN_OR_RETURN(update.name, OptionalDeviceString(body, DeviceField::kDeviceName));
  if (update.name.empty()) update.name = device.name;
  OPENLAPS_ASSIGN_OR_RETURN(update.os_version, OptionalDeviceString(body, DeviceField::kOsVersion));
  if (update.os_version.empty()) update.os_version = device.os_version;
  OPENLAPS_ASSIGN_OR_RETURN(std::string upn,
                            OptionalDeviceString(body, DeviceField::kSignedInUser));
  if (!upn.empty()) {
    if (auto user = store_->GetUserByPrincipalName(upn); user.ok())
      update.signed_in_user_id = user->id;
  }
  if (auto it = body.find("appliedSettings"); it != body.end() && it->is_object()) {
    OPENLAPS_ASSIGN_OR_RETURN(update.applied_settings, core::PolicySettingsFromJson(*it));
  }
  if (auto it = body.find("managedAccount"); it != body.end() && it->is_object()) {
    OPENLAPS_ASSIGN_OR_RETURN(update.managed_account_name,
                              OptionalDeviceString(*it, DeviceField::kManagedAccountName));
    OPENLAPS_ASSIGN_OR_RETURN(update.managed_account_sid,
                              OptionalDeviceString(*it, DeviceField::kManagedAccountSid));
  }
  OPENLAPS_ASSIGN_OR_RETURN(update.laps_state, OptionalDeviceString(body, DeviceField::kLapsState));
  // A check-in that does not mention the account or state keeps what was known.
  if (update.managed_account_name.empty()) {
    update.managed_account_name = device.managed_account_name;
    update.managed_account_sid = device.managed_account_sid;
  }
  if (update.laps_state.empty()) update.laps_state = device.laps_state;

  std::vector<store::PolicyReportRecord> reports;
  if (auto it = body.find("policyReports"); it != body.end() && it->is_array()) {
    if (it->size() > kMaxPolicyReports) {
      return InvalidArgumentError("policyReports has more than " +
                                  std::to_string(kMaxPolicyReports) + " entries");
    }
    // Every entry is checked before any is looked up or stored.
    for (const auto& r : *it) {
      if (!r.is_object()) return InvalidArgumentError("policyReports entries must be objects");
      for (DeviceField f : {DeviceField::kPolicyReportPolicyId, DeviceField::kPolicyReportState,
                            DeviceField::kPolicyReportDetail}) {
        OPENLAPS_RETURN_IF_ERROR(OptionalDeviceString(r, f).status());
      }
      OPENLAPS_RETURN_IF_ERROR(OptionalDeviceInteger(r, "version", 0).status());
    }
    for (const auto& r : *it) {
      auto policy =
          store_->GetPolicyByGuid(*OptionalDeviceString(r, DeviceField::kPolicyReportPolicyId));
      if (!policy.ok()) continue;  // deleted since the device applied it
      store::PolicyReportRecord record;
      record.device_id = device.id;
      record.policy_id = policy->id;
      record.version = *OptionalDeviceInteger(r, "version", 0);
      std::string state = *OptionalDeviceString(r, DeviceField::kPolicyReportState);
      if (state != "succeeded" && state != "error") {
        return InvalidArgumentError("policyReports state must be succeeded or error");
      }
      record.state =
          state == "error" ? core::PolicyStateKind::kError : core::PolicyStateKind::kSucceeded;
      record.detail = *OptionalDeviceString(r, DeviceField::kPolicyReportDetail);
      record.reported_at = call.now;
      reports.push_back(std::move(record));
    }
  }
  OPENLAPS_RETURN_IF_ERROR(store_->RecordCheckin(device.id, update));
  // Reports replace the previous ones, so only a check-in that carries them saves.
  if (body.contains("policyReports")) {
    OPENLAPS_RETURN_IF_ERROR(store_->SavePolicyReports(device.id, reports));
  }
  // The record as the store now holds it, without reading it back.
  store::Device fresh = device;
  fresh.last_checkin = update.time;
  fresh.name = update.name;
  fresh.os_version = update.os_version;
  fresh.signed_in_user_id = update.signed_in_user_id;
  if (update.applied_settings) fresh.applied_settings = update.applied_settings;
  fresh.managed_account_name = update.managed_account_name;
  fresh.managed_account_sid = update.managed_account_sid;
  fresh.laps_state = update.laps_state;
  OPENLAPS_ASSIGN_OR_RETURN(core::EffectivePolicy effective, ResolveFor(fresh));
  OPENLAPS_ASSIGN_OR_RETURN(auto snapshot, PolicySnapshotNow());

  auto guid_of = [&](store::Id id) {
    auto it = snapshot->guids.find(id);
    return it == snapshot->guids.end() ? std::string() : it->second;
  };
  nlohmann::json conflicts = nlohmann::json::array();
  for (const core::SettingConflict& c : effective.conflicts) {
    nlohmann::json ids = nlohmann::json::array();
    for (core::PolicyId id : c.policies) ids.push_back(guid_of(id));
    conflicts.push_back({{"setting", core::SpecOf(c.setting).csp_name}, {"policyIds", ids}});
  }
  nlohmann::json policies = nlohmann::json::array();
  for (const core::PolicyState& s : effective.states) {
    const core::Policy* p = snapshot->index.Find(s.policy);
    policies.push_back({{"id", guid_of(s.policy)},
                        {"version", p ? p->version : 0},
                        {"state", core::PolicyStateName(s.state)},
                        {"detail", s.detail}});
  }
  OPENLAPS_ASSIGN_OR_RETURN(nlohmann::json actions, PendingActionsJson(device.id));
  return JsonResponse(
      200, {{"deviceId", device.guid},
            {"settings", effective.settings ? core::PolicySettingsToJson(*effective.settings)
                                            : nlohmann::json(nullptr)},
            {"conflict", effective.HasConflict()},
            {"conflicts", std::move(conflicts)},
            {"policies", std::move(policies)},
            {"actions", std::move(actions)},
            {"lastRotation", TimeJson(fresh.last_rotation)},
            {"nextRotation", TimeJson(fresh.next_rotation)},
            {"rotateAfterRevealAt", TimeJson(fresh.rotate_after_reveal_at)},
            {"checkinIntervalSeconds", config_.checkin_interval.count()},
            // Handed back on the long-poll: a device that was not parked
            // when the policies changed learns of it there.
            {"policyEpoch", snapshot->epoch}});
}

Result<http::Response> LapsServer::PostCredential(Call& call) {
  OPENLAPS_ASSIGN_OR_RETURN(nlohmann::json body, ParseJsonObject(call.request.body));
  const store::Device& device = *call.device;
  OPENLAPS_ASSIGN_OR_RETURN(std::string phase, RequiredDeviceString(body, DeviceField::kPhase));
  OPENLAPS_ASSIGN_OR_RETURN(std::string rotation_id,
                            RequiredDeviceString(body, DeviceField::kRotationId));

  if (phase == "pending") {
    store::Credential credential;
    credential.device_id = device.id;
    credential.rotation_id = rotation_id;
    OPENLAPS_ASSIGN_OR_RETURN(credential.account_name,
                              RequiredDeviceString(body, DeviceField::kAccountName));
    OPENLAPS_ASSIGN_OR_RETURN(credential.account_sid,
                              OptionalDeviceString(body, DeviceField::kAccountSid));
    OPENLAPS_ASSIGN_OR_RETURN(std::string sealed_text,
                              RequiredDeviceString(body, DeviceField::kSealedPassword));
    auto sealed = crypto::Base64UrlDecode(sealed_text);
    if (!sealed.ok() || sealed->size() <= crypto::kSealOverhead) {
      return InvalidArgumentError("sealedPassword must be a sealed box, base64url");
    }
    credential.sealed_password = std::move(sealed).value();
    credential.backup_time = call.now;
    OPENLAPS_ASSIGN_OR_RETURN(std::int64_t directory,
                              OptionalDeviceInteger(body, "backupDirectory", 1));
    if (directory != 1 && directory != 2) {
      return InvalidArgumentError("backupDirectory must be 1 (cloud) or 2 (Active Directory)");
    }
    credential.directory = static_cast<core::BackupDirectory>(directory);
    credential.state = store::CredentialState::kPending;
    OPENLAPS_ASSIGN_OR_RETURN(store::Credential stored, store_->AddPendingCredential(credential));
    return JsonResponse(200, {{"rotationId", stored.rotation_id}, {"state", "pending"}});
  }
  if (phase == "commit") {
    OPENLAPS_ASSIGN_OR_RETURN(core::EffectivePolicy effective, ResolveFor(device));
    core::PolicySettings configured;
    if (effective.settings) {
      configured = *effective.settings;
    } else if (device.applied_settings) {
      configured = *device.applied_settings;
    }
    core::LapsSettings settings = core::LapsSettings::Resolve(configured);
    int history = settings.ad_encrypted_password_history_size > 0
                      ? settings.ad_encrypted_password_history_size
                      : config_.default_history_size;
    core::Timestamp next = call.now + std::chrono::days(settings.password_age_days);
    OPENLAPS_ASSIGN_OR_RETURN(
        store::Credential committed,
        store_->CommitCredential(device.id, rotation_id, call.now, next, history));
    OPENLAPS_RETURN_IF_ERROR(
        Audit(call, "Update device local administrator password", "Device", "success", "device",
              device.guid, device.name,
              {{"accountName", committed.account_name}, {"rotationId", rotation_id}}));
    return JsonResponse(200, {{"rotationId", rotation_id},
                              {"state", "current"},
                              {"nextRotation", core::FormatUtc(next)}});
  }
  if (phase == "abandon") {
    // Idempotent: an agent retrying after a lost answer, or abandoning a
    // rotation whose escrow never arrived, finds nothing left to abandon.
    Status abandoned = store_->AbandonCredential(device.id, rotation_id);
    if (!abandoned.ok() && !abandoned.IsNotFound()) return abandoned;
    return JsonResponse(200, {{"rotationId", rotation_id}, {"state", "abandoned"}});
  }
  return InvalidArgumentError("phase must be pending, commit or abandon");
}

Result<nlohmann::json> LapsServer::PendingActionsJson(store::Id device_id) {
  OPENLAPS_ASSIGN_OR_RETURN(auto actions, store_->ListOutstandingActions(device_id));
  nlohmann::json out = nlohmann::json::array();
  for (const auto& a : actions) {
    out.push_back({{"id", a.guid}, {"kind", a.kind}, {"state", ActionStateName(a.state)}});
  }
  return out;
}

asio::awaitable<Result<http::Response>> LapsServer::WaitForActions(Call& call) {
  std::int64_t wait = 0;
  if (auto text = call.request.QueryParam("wait")) {
    auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), wait);
    if (ec != std::errc() || end != text->data() + text->size() || wait < 0) {
      co_return InvalidArgumentError("wait must be a whole number of seconds");
    }
  }
  std::optional<std::int64_t> known_epoch;
  if (auto text = call.request.QueryParam("policyEpoch")) {
    std::int64_t epoch = 0;
    auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), epoch);
    if (ec != std::errc() || end != text->data() + text->size()) {
      co_return InvalidArgumentError("policyEpoch must be the number the last check-in returned");
    }
    known_epoch = epoch;
  }
  wait = std::min<std::int64_t>(wait, config_.long_poll_max.count());
  store::Id device_id = call.device->id;
  call.device.reset();  // nothing below needs the record; parked polls stay small
  // Armed before looking, so an action created in between still wakes us.
  WakeHub::Ticket ticket = hub_.Arm(device_id);
  const core::Timestamp parked_until = call.now + std::chrono::seconds(wait);
  if (wait > 0) {
    // Every node, not only this one, must see the device online meanwhile.
    Status recorded = store_->RecordLongPoll(device_id, call.now, parked_until);
    if (!recorded.ok()) {
      hub_.Disarm(ticket);
      co_return recorded;
    }
  }
  // A device killed mid-poll (no goodbye) is offline once its connection
  // closes, not when the poll would have ended.
  std::shared_ptr<http::ClientWatch> watch = call.request.client_watch;
  if (watch && wait > 0) watch->OnGone([this, ticket] { hub_.Hangup(ticket); });
  auto actions = PendingActionsJson(device_id);
  // Policies changed since the device's last check-in, while it was not
  // parked to be woken: answer at once, as a wake would have.
  bool woken = false;
  if (known_epoch) {
    auto epoch = store_->PolicyEpoch();
    if (!epoch.ok()) {
      hub_.Disarm(ticket);
      co_return epoch.status();
    }
    woken = *epoch != *known_epoch;
  }
  if (actions.ok() && actions->empty() && wait > 0 && !woken) {
    woken = co_await hub_.Wait(ticket, std::chrono::seconds(wait));
    actions = PendingActionsJson(device_id);
  }
  hub_.Disarm(ticket);
  if (watch) watch->Forget();
  if (wait > 0) {
    // The poll is over: other nodes stop counting it. An answer the device
    // will read is proof of life; a hang-up (killed, unplugged) is offline.
    bool gone = watch && watch->gone();
    Status ended = store_->EndLongPoll(device_id, parked_until, clock_.Now(), !gone);
    if (!ended.ok()) co_return ended;
  }
  if (!actions.ok()) co_return actions.status();
  co_return JsonResponse(200, {{"actions", *actions}, {"woken", woken}});
}

Result<http::Response> LapsServer::ReportAction(Call& call) {
  OPENLAPS_ASSIGN_OR_RETURN(nlohmann::json body, ParseJsonObject(call.request.body));
  const store::Device& device = *call.device;
  auto action = store_->GetActionByGuid(call.Param("id"));
  if (!action.ok() || action->device_id != device.id) {
    OPENLAPS_RETURN_IF_ERROR(Audit(call, "Refused device request", "Device", "denied", "action",
                                   call.Param("id"), "", {{"reason", "not this device's action"}}));
    return NotFoundError("no such action for this device");
  }
  OPENLAPS_ASSIGN_OR_RETURN(std::string state,
                            RequiredDeviceString(body, DeviceField::kActionState));
  bool outstanding =
      action->state == store::ActionState::kPending || action->state == store::ActionState::kActive;
  if (!outstanding) {
    // Repeats of the final report are harmless (the agent retries).
    if (ActionStateName(action->state) == state)
      return JsonResponse(200, ActionResultJson(*action));
    // Canceled or failed by a deadline: the device must not start it (409).
    return FailedPreconditionError("the action already ended as " + ActionStateName(action->state) +
                                   (action->error.empty() ? "" : ": " + action->error));
  }
  const store::ActionState before = action->state;
  if (state == "active") {
    // Claimed again when a restarted agent takes it up anew (it died with
    // the action active): the new rotation counts, the first deadline stays,
    // so a crash-looping device cannot keep an action open forever.
    if (before == store::ActionState::kPending) {
      action->finish_by = call.now + config_.action_finish_deadline;
    }
    action->state = store::ActionState::kActive;
    OPENLAPS_ASSIGN_OR_RETURN(action->rotation_id,
                              OptionalDeviceString(body, DeviceField::kRotationId));
  } else if (state == "done") {
    action->state = store::ActionState::kDone;
  } else if (state == "failed") {
    action->state = store::ActionState::kFailed;
    OPENLAPS_ASSIGN_OR_RETURN(action->error, OptionalDeviceString(body, DeviceField::kActionError));
    if (action->error.empty()) action->error = "the device reported a failure";
  } else {
    return InvalidArgumentError("state must be active, done or failed");
  }
  action->updated_at = call.now;
  // Only from the state just read: a cancel or a deadline in between wins.
  Status updated = store_->UpdateActionIf(*action, before);
  if (updated.code() == StatusCode::kFailedPrecondition) {
    return FailedPreconditionError("the action already ended: " + updated.message());
  }
  OPENLAPS_RETURN_IF_ERROR(updated);
  if (action->state != store::ActionState::kActive) {
    OPENLAPS_RETURN_IF_ERROR(Audit(call, std::string(kRotateAction) + " result", "Device",
                                   state == "done" ? "success" : "failure", "device", device.guid,
                                   device.name,
                                   {{"action", action->guid}, {"error", action->error}}));
  }
  return JsonResponse(200, ActionResultJson(*action));
}

Result<http::Response> LapsServer::Goodbye(Call& call) {
  // The agent is stopping: offline now on every node, not after the grace.
  OPENLAPS_RETURN_IF_ERROR(store_->RecordGoodbye(call.device->id, call.now));
  return NoContent();
}

}  // namespace openlaps::server
