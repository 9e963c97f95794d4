#include "server/device_api.h"

#include <algorithm>

#include "core/policy_json.h"
#include "crypto/csprng.h"
#include "crypto/encoding.h"
#include "crypto/hashing.h"
#include "crypto/request_signing.h"
#include "protocol/device_messages.h"
#include "server/graph_response.h"
#include "server/resources.h"

namespace openlaps::server {

namespace asio = boost::asio;

namespace {

constexpr std::chrono::hours kDeviceSessionLifetime{1};

Result<store::Bytes> DecodeKey(const std::string& text, protocol::DeviceField field,
                               std::size_t size) {
  auto bytes = crypto::Base64UrlDecode(text);
  if (!bytes.ok() || bytes->size() != size) {
    return InvalidArgumentError("enroll: '" + std::string(protocol::SpecOf(field).key) +
                                "' must be " + std::to_string(size) + " bytes, base64url");
  }
  return std::move(bytes).value();
}

// The device record a check-in stores: what it reports, or what was known.
store::CheckinUpdate UpdateFrom(store::Store& store, const store::Device& device,
                                const protocol::CheckinRequest& request, core::Timestamp now) {
  store::CheckinUpdate update;
  update.time = now;
  update.name = request.device_name.empty() ? device.name : request.device_name;
  update.os_version = request.os_version.empty() ? device.os_version : request.os_version;
  if (!request.signed_in_user.empty()) {
    if (auto user = store.GetUserByPrincipalName(request.signed_in_user); user.ok())
      update.signed_in_user_id = user->id;
  }
  update.applied_settings = request.applied_settings;
  if (request.managed_account && !request.managed_account->name.empty()) {
    update.managed_account_name = request.managed_account->name;
    update.managed_account_sid = request.managed_account->sid;
  } else {
    update.managed_account_name = device.managed_account_name;
    update.managed_account_sid = device.managed_account_sid;
  }
  update.laps_state = request.laps_state.empty() ? device.laps_state : request.laps_state;
  // Only where Active Directory is the truth: for lapsd's own escrow the
  // commit sets the next rotation, and a device cannot push it out.
  const std::optional<core::PolicySettings>& applied =
      request.applied_settings ? request.applied_settings : device.applied_settings;
  if (request.directory_expiration && applied &&
      core::LapsSettings::Resolve(*applied).backup_directory ==
          core::BackupDirectory::kActiveDirectory) {
    update.next_rotation = request.directory_expiration;
  }
  return update;
}

// The reports to store, or nullopt when the check-in carries none (the
// previous ones stay). Reports on policies deleted since are dropped.
Result<std::optional<std::vector<store::PolicyReportRecord>>> PolicyReportRecords(
    store::Store& store, const store::Device& device, const protocol::CheckinRequest& request,
    core::Timestamp now) {
  if (!request.policy_reports) return std::optional<std::vector<store::PolicyReportRecord>>();
  std::vector<store::PolicyReportRecord> records;
  for (const protocol::PolicyReport& r : *request.policy_reports) {
    auto policy = store.GetPolicyByGuid(r.policy_id);
    if (!policy.ok()) continue;
    store::PolicyReportRecord record;
    record.device_id = device.id;
    record.policy_id = policy->id;
    record.version = r.version;
    record.state = r.error ? core::PolicyStateKind::kError : core::PolicyStateKind::kSucceeded;
    record.detail = r.detail;
    record.reported_at = now;
    records.push_back(std::move(record));
  }
  return std::optional(std::move(records));
}

// The record as the store now holds it, without reading it back.
store::Device AfterCheckin(const store::Device& device, const store::CheckinUpdate& update) {
  store::Device fresh = device;
  fresh.last_checkin = update.time;
  fresh.name = update.name;
  fresh.os_version = update.os_version;
  fresh.signed_in_user_id = update.signed_in_user_id;
  if (update.applied_settings) fresh.applied_settings = update.applied_settings;
  fresh.managed_account_name = update.managed_account_name;
  fresh.managed_account_sid = update.managed_account_sid;
  fresh.laps_state = update.laps_state;
  if (update.next_rotation) fresh.next_rotation = update.next_rotation;
  return fresh;
}

}  // namespace

void DeviceApi::RegisterRoutes(RouteRegistry& routes) {
  routes.Add("POST", protocol::kEnrollPath, Auth::kNone, "", [this](Call& c) { return Enroll(c); });
  routes.Add("POST", protocol::kSessionPath, Auth::kDevice, "",
             [this](Call& c) { return OpenDeviceSession(c); });
  routes.Add("POST", protocol::kCheckinPath, Auth::kDevice, "",
             [this](Call& c) { return Checkin(c); });
  routes.Add("POST", protocol::kCredentialsPath, Auth::kDevice, "",
             [this](Call& c) { return PostCredential(c); });
  routes.AddAsync("GET", protocol::kActionsPath, Auth::kDevice, "",
                  [this](Call& c) { return WaitForActions(c); });
  routes.Add("POST", protocol::kActionReportPattern, Auth::kDevice, "",
             [this](Call& c) { return ReportAction(c); });
  routes.Add("POST", protocol::kGoodbyePath, Auth::kDevice, "",
             [this](Call& c) { return Goodbye(c); });
}

Result<http::Response> DeviceApi::Enroll(Call& call) {
  OPENLAPS_ASSIGN_OR_RETURN(nlohmann::json body, ParseJsonObject(call.request.body));
  OPENLAPS_ASSIGN_OR_RETURN(protocol::EnrollRequest request,
                            protocol::EnrollRequest::FromJson(body));
  // Keys are decoded after every string is checked against its limit.
  OPENLAPS_ASSIGN_OR_RETURN(
      store::Bytes sign_key,
      DecodeKey(request.sign_public_key, protocol::DeviceField::kSignPublicKey, 32));
  OPENLAPS_ASSIGN_OR_RETURN(
      store::Bytes box_key,
      DecodeKey(request.box_public_key, protocol::DeviceField::kBoxPublicKey, 32));
  auto platform = core::PlatformFromName(request.platform);
  if (!platform) return InvalidArgumentError("enroll: 'platform' must be windows, linux or macOS");

  std::string hash = crypto::TokenHash(request.enrollment_token);
  core::SecureZero(request.enrollment_token.data(), request.enrollment_token.size());
  auto enrollment = context_.store().ConsumeEnrollmentToken(hash, call.now);
  if (!enrollment.ok()) {
    Status audited =
        context_.AuditUnauthenticated(call, "Enroll device", "Enrollment", "failure", "device", "",
                                      request.device_name, enrollment.status().message());
    if (!audited.ok()) return audited;
    return enrollment.status();
  }
  store::Device device;
  device.name = request.device_name;
  device.platform = *platform;
  device.os_version = std::move(request.os_version);
  device.serial_number = std::move(request.serial_number);
  device.join_type = "openlaps";
  device.ownership = "company";
  device.scope_tag_ids = enrollment->scope_tag_ids;
  device.sign_public_key = std::move(sign_key);
  device.box_public_key = std::move(box_key);
  device.enrolled_at = call.now;
  OPENLAPS_ASSIGN_OR_RETURN(store::Device created, context_.store().CreateDevice(device));
  for (store::Id group : enrollment->group_ids) {
    OPENLAPS_RETURN_IF_ERROR(context_.store().AddGroupMember(group, created.id));
  }
  OPENLAPS_RETURN_IF_ERROR(context_.Audit(
      call, "Enroll device", "Enrollment", "success", "device", created.guid, created.name,
      {{protocol::SpecOf(protocol::DeviceField::kEnrollmentToken).key, enrollment->guid}}));
  protocol::EnrollAnswer answer;
  answer.device_id = created.guid;
  answer.escrow_public_key = crypto::Base64UrlEncode(context_.escrow_keys().public_key);
  answer.checkin_interval_seconds = context_.config().checkin_interval.count();
  answer.long_poll_seconds = context_.config().long_poll_max.count();
  answer.max_clock_skew_seconds = context_.config().max_clock_skew.count();
  return JsonResponse(201, answer.ToJson());
}

Result<http::Response> DeviceApi::OpenDeviceSession(Call& call) {
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
      crypto::SessionKey(crypto::AsBytes(context_.session_secret().Reveal()), device.guid, session);
  crypto::Bytes sealed = crypto::Seal(
      device_box, std::string_view(reinterpret_cast<const char*>(key.data()), key.size()));
  core::SecureZero(key.data(), key.size());
  return JsonResponse(
      200, protocol::SessionAnswer{session, expires, crypto::Base64UrlEncode(sealed)}.ToJson());
}

Result<http::Response> DeviceApi::Checkin(Call& call) {
  OPENLAPS_ASSIGN_OR_RETURN(nlohmann::json body, ParseJsonObject(call.request.body));
  OPENLAPS_ASSIGN_OR_RETURN(protocol::CheckinRequest request,
                            protocol::CheckinRequest::FromJson(body));
  const store::Device& device = *call.device;
  store::CheckinUpdate update = UpdateFrom(context_.store(), device, request, call.now);
  OPENLAPS_ASSIGN_OR_RETURN(auto reports,
                            PolicyReportRecords(context_.store(), device, request, call.now));
  OPENLAPS_RETURN_IF_ERROR(context_.store().RecordCheckin(device.id, update));
  // Reports replace the previous ones, so only a check-in that carries them saves.
  if (reports) OPENLAPS_RETURN_IF_ERROR(context_.store().SavePolicyReports(device.id, *reports));
  OPENLAPS_ASSIGN_OR_RETURN(protocol::CheckinAnswer answer,
                            CheckinAnswerFor(AfterCheckin(device, update)));
  return JsonResponse(200, answer.ToJson());
}

Result<protocol::CheckinAnswer> DeviceApi::CheckinAnswerFor(const store::Device& device) {
  OPENLAPS_ASSIGN_OR_RETURN(auto snapshot, context_.PolicySnapshotNow());
  OPENLAPS_ASSIGN_OR_RETURN(core::EffectivePolicy effective,
                            context_.ResolveFor(*snapshot, device));
  auto guid_of = [&](store::Id id) {
    auto it = snapshot->guids.find(id);
    return it == snapshot->guids.end() ? std::string() : it->second;
  };
  protocol::CheckinAnswer answer;
  answer.device_id = device.guid;
  if (effective.settings) answer.settings = *effective.settings;
  answer.conflict = effective.HasConflict();
  for (const core::SettingConflict& c : effective.conflicts) {
    protocol::SettingConflict conflict{std::string(core::SpecOf(c.setting).csp_name), {}};
    for (core::PolicyId id : c.policies) conflict.policy_ids.push_back(guid_of(id));
    answer.conflicts.push_back(std::move(conflict));
  }
  for (const core::PolicyState& s : effective.states) {
    const core::Policy* p = snapshot->index.Find(s.policy);
    answer.policies.push_back({guid_of(s.policy), p ? p->version : 0, s.state, s.detail});
  }
  OPENLAPS_ASSIGN_OR_RETURN(answer.actions, PendingActions(device.id));
  answer.last_rotation = device.last_rotation;
  answer.next_rotation = device.next_rotation;
  answer.rotate_after_reveal_at = device.rotate_after_reveal_at;
  answer.checkin_interval_seconds = context_.config().checkin_interval.count();
  // Handed back on the long-poll: a device that was not parked when the
  // policies changed learns of it there.
  answer.policy_epoch = snapshot->epoch;
  return answer;
}

Result<http::Response> DeviceApi::PostCredential(Call& call) {
  OPENLAPS_ASSIGN_OR_RETURN(nlohmann::json body, ParseJsonObject(call.request.body));
  OPENLAPS_ASSIGN_OR_RETURN(protocol::CredentialRequest request,
                            protocol::CredentialRequest::FromJson(body));
  switch (request.phase) {
    case protocol::CredentialPhase::kPending:
      return EscrowPending(call, request);
    case protocol::CredentialPhase::kCommit:
      return CommitCredential(call, request.rotation_id);
    case protocol::CredentialPhase::kAbandon:
      break;
  }
  // Idempotent: an agent retrying after a lost answer, or abandoning a
  // rotation whose escrow never arrived, finds nothing left to abandon.
  Status abandoned = context_.store().AbandonCredential(call.device->id, request.rotation_id);
  if (!abandoned.ok() && !abandoned.IsNotFound()) return abandoned;
  return JsonResponse(
      200,
      protocol::CredentialAnswer{request.rotation_id, protocol::CredentialState::kAbandoned, {}}
          .ToJson());
}

Result<http::Response> DeviceApi::EscrowPending(Call& call,
                                                const protocol::CredentialRequest& request) {
  store::Credential credential;
  credential.device_id = call.device->id;
  credential.rotation_id = request.rotation_id;
  credential.account_name = request.account_name;
  credential.account_sid = request.account_sid;
  credential.directory = static_cast<core::BackupDirectory>(request.backup_directory);
  // Active Directory holds the password: lapsd keeps the rotation's record
  // only, and only where the policy says so, or admins would be left
  // without a password they expect here.
  if (credential.directory == core::BackupDirectory::kActiveDirectory) {
    OPENLAPS_ASSIGN_OR_RETURN(core::LapsSettings settings, SettingsInForce(*call.device));
    if (settings.backup_directory != core::BackupDirectory::kActiveDirectory) {
      return FailedPreconditionError(
          "the device's policy backs up to lapsd, not Active Directory: escrow the password");
    }
  } else {
    auto sealed = crypto::Base64UrlDecode(request.sealed_password);
    if (!sealed.ok() || sealed->size() <= crypto::kSealOverhead) {
      return InvalidArgumentError(
          "credentials: '" +
          std::string(protocol::SpecOf(protocol::DeviceField::kSealedPassword).key) +
          "' must be a sealed box, base64url");
    }
    credential.sealed_password = std::move(sealed).value();
  }
  credential.backup_time = call.now;
  credential.state = store::CredentialState::kPending;
  OPENLAPS_ASSIGN_OR_RETURN(store::Credential stored,
                            context_.store().AddPendingCredential(credential));
  return JsonResponse(
      200, protocol::CredentialAnswer{stored.rotation_id, protocol::CredentialState::kPending, {}}
               .ToJson());
}

Result<core::LapsSettings> DeviceApi::SettingsInForce(const store::Device& device) {
  OPENLAPS_ASSIGN_OR_RETURN(core::EffectivePolicy effective, context_.ResolveFor(device));
  // With a conflict the device keeps what it applied last (DESIGN.md §4).
  core::PolicySettings configured;
  if (effective.settings) {
    configured = *effective.settings;
  } else if (device.applied_settings) {
    configured = *device.applied_settings;
  }
  return core::LapsSettings::Resolve(configured);
}

Result<http::Response> DeviceApi::CommitCredential(Call& call, const std::string& rotation_id) {
  const store::Device& device = *call.device;
  OPENLAPS_ASSIGN_OR_RETURN(core::LapsSettings settings, SettingsInForce(device));
  int history = settings.ad_encrypted_password_history_size > 0
                    ? settings.ad_encrypted_password_history_size
                    : context_.config().default_history_size;
  core::Timestamp next = call.now + std::chrono::days(settings.password_age_days);
  OPENLAPS_ASSIGN_OR_RETURN(
      store::Credential committed,
      context_.store().CommitCredential(device.id, rotation_id, call.now, next, history));
  OPENLAPS_RETURN_IF_ERROR(context_.Audit(
      call, "Update device local administrator password", "Device", "success", "device",
      device.guid, device.name,
      {{protocol::SpecOf(protocol::DeviceField::kAccountName).key, committed.account_name},
       {protocol::key::kRotationId, rotation_id}}));
  return JsonResponse(
      200,
      protocol::CredentialAnswer{rotation_id, protocol::CredentialState::kCurrent, next}.ToJson());
}

Result<std::vector<protocol::ActionSummary>> DeviceApi::PendingActions(store::Id device_id) {
  OPENLAPS_ASSIGN_OR_RETURN(auto actions, context_.store().ListOutstandingActions(device_id));
  std::vector<protocol::ActionSummary> out;
  for (const auto& a : actions) out.push_back({a.guid, a.kind, ActionStateName(a.state)});
  return out;
}

asio::awaitable<Result<http::Response>> DeviceApi::WaitForActions(Call& call) {
  auto query =
      protocol::ActionsQuery::FromParameters(call.request.QueryParam(protocol::key::kWait),
                                             call.request.QueryParam(protocol::key::kPolicyEpoch));
  if (!query.ok()) co_return query.status();
  std::int64_t wait = query->wait_seconds;
  const std::optional<std::int64_t> known_epoch = query->policy_epoch;
  wait = std::min<std::int64_t>(wait, context_.config().long_poll_max.count());
  store::Id device_id = call.device->id;
  call.device.reset();  // nothing below needs the record; parked polls stay small
  const core::Timestamp parked_until = call.now + std::chrono::seconds(wait);
  if (wait > 0) {
    // Every node, not only this one, must see the device online meanwhile;
    // recorded before this node counts it parked, so no node says online first.
    Status recorded = context_.store().RecordLongPoll(device_id, call.now, parked_until);
    if (!recorded.ok()) co_return recorded;
  }
  // Armed before looking, so an action created in between still wakes us.
  WakeHub::Ticket ticket = context_.hub().Arm(device_id);
  // A device killed mid-poll (no goodbye) is offline once its connection
  // closes, not when the poll would have ended.
  std::shared_ptr<http::ClientWatch> watch = call.request.client_watch;
  if (watch && wait > 0) watch->OnGone([this, ticket] { context_.hub().Hangup(ticket); });
  auto actions = PendingActions(device_id);
  // Policies changed since the device's last check-in, while it was not
  // parked to be woken: answer at once, as a wake would have.
  bool woken = false;
  if (known_epoch) {
    auto epoch = context_.store().PolicyEpoch();
    if (!epoch.ok()) {
      context_.hub().Disarm(ticket);
      co_return epoch.status();
    }
    woken = *epoch != *known_epoch;
  }
  if (actions.ok() && actions->empty() && wait > 0 && !woken) {
    woken = co_await context_.hub().Wait(ticket, std::chrono::seconds(wait));
    actions = PendingActions(device_id);
  }
  context_.hub().Disarm(ticket);
  if (watch) watch->Forget();
  if (wait > 0) {
    // The poll is over: other nodes stop counting it. An answer the device
    // will read is proof of life; a hang-up (killed, unplugged) is offline.
    bool gone = watch && watch->gone();
    Status ended =
        context_.store().EndLongPoll(device_id, parked_until, context_.clock().Now(), !gone);
    if (!ended.ok()) co_return ended;
  }
  if (!actions.ok()) co_return actions.status();
  co_return JsonResponse(200, protocol::ActionsAnswer{std::move(*actions), woken}.ToJson());
}

Result<http::Response> DeviceApi::ReportAction(Call& call) {
  OPENLAPS_ASSIGN_OR_RETURN(nlohmann::json body, ParseJsonObject(call.request.body));
  const store::Device& device = *call.device;
  auto action = context_.store().GetActionByGuid(call.Param("id"));
  if (!action.ok() || action->device_id != device.id) {
    OPENLAPS_RETURN_IF_ERROR(context_.Audit(call, "Refused device request", "Device", "denied",
                                            "action", call.Param("id"), "",
                                            {{"reason", "not this device's action"}}));
    return NotFoundError("no such action for this device");
  }
  OPENLAPS_ASSIGN_OR_RETURN(protocol::ActionReport report, protocol::ActionReport::FromJson(body));
  const std::string state(protocol::ActionReportStateName(report.state));
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
  switch (report.state) {
    case protocol::ActionReportState::kActive:
      // Claimed again when a restarted agent takes it up anew (it died with
      // the action active): the new rotation counts, the first deadline
      // stays, so a crash-looping device cannot keep an action open forever.
      if (before == store::ActionState::kPending) {
        action->finish_by = call.now + context_.config().action_finish_deadline;
      }
      action->state = store::ActionState::kActive;
      action->rotation_id = report.rotation_id;
      break;
    case protocol::ActionReportState::kDone:
      action->state = store::ActionState::kDone;
      break;
    case protocol::ActionReportState::kFailed:
      action->state = store::ActionState::kFailed;
      action->error = report.error.empty() ? "the device reported a failure" : report.error;
      break;
  }
  action->updated_at = call.now;
  // Only from the state just read: a cancel or a deadline in between wins.
  Status updated = context_.store().UpdateActionIf(*action, before);
  if (updated.code() == StatusCode::kFailedPrecondition) {
    return FailedPreconditionError("the action already ended: " + updated.message());
  }
  OPENLAPS_RETURN_IF_ERROR(updated);
  if (action->state != store::ActionState::kActive) {
    const bool done = report.state == protocol::ActionReportState::kDone;
    OPENLAPS_RETURN_IF_ERROR(context_.Audit(
        call, std::string(protocol::kRotateAction) + " result", "Device",
        done ? "success" : "failure", "device", device.guid, device.name,
        {{"action", action->guid},
         {protocol::SpecOf(protocol::DeviceField::kActionError).key, action->error}}));
  }
  return JsonResponse(200, ActionResultJson(*action));
}

Result<http::Response> DeviceApi::Goodbye(Call& call) {
  // The agent is stopping: offline now on every node, not after the grace.
  OPENLAPS_RETURN_IF_ERROR(context_.store().RecordGoodbye(call.device->id, call.now));
  return NoContent();
}

}  // namespace openlaps::server
