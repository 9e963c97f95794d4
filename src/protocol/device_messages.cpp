#include "protocol/device_messages.h"

#include <charconv>

#include "core/policy_json.h"
#include "protocol/json_reader.h"

namespace openlaps::protocol {
namespace {

constexpr WireName<CredentialPhase> kPhases[] = {{CredentialPhase::kPending, "pending"},
                                                 {CredentialPhase::kCommit, "commit"},
                                                 {CredentialPhase::kAbandon, "abandon"}};
constexpr WireName<CredentialState> kCredentialStates[] = {
    {CredentialState::kPending, "pending"},
    {CredentialState::kCurrent, "current"},
    {CredentialState::kAbandoned, "abandoned"}};
constexpr WireName<ActionReportState> kActionReportStates[] = {
    {ActionReportState::kActive, "active"},
    {ActionReportState::kDone, "done"},
    {ActionReportState::kFailed, "failed"}};
// What a device may report for a policy: a subset of core's states.
constexpr WireName<bool> kReportStates[] = {{false, "succeeded"}, {true, "error"}};

constexpr std::string_view kCheckinMessage = "checkin";
constexpr std::string_view kCheckinAnswerMessage = "check-in answer";

nlohmann::json TimeJson(const std::optional<core::Timestamp>& time) {
  return time ? nlohmann::json(core::FormatUtc(*time)) : nlohmann::json(nullptr);
}

// Status if reading failed, else `value`.
template <typename T>
Result<T> Finish(const Status& status, T value) {
  if (!status.ok()) return status;
  return value;
}

// Reads array member `key`: each element must be an object, read by `each`.
template <typename T, typename F>
std::optional<std::vector<T>> ReadList(JsonReader& reader, std::string_view key,
                                       std::size_t max_entries, F&& each) {
  const nlohmann::json* array = reader.Array(key, max_entries);
  if (!array) return std::nullopt;
  std::vector<T> out;
  out.reserve(array->size());
  for (std::size_t i = 0; i < array->size() && reader.ok(); ++i) {
    JsonReader element = reader.Element(key, i, (*array)[i]);
    out.push_back(each(element));
  }
  return out;
}

std::vector<ActionSummary> ReadActions(JsonReader& reader) {
  auto actions = ReadList<ActionSummary>(reader, key::kActions, SIZE_MAX, [](JsonReader& a) {
    ActionSummary action;
    action.id = a.String(key::kId, Need::kRequired);
    action.kind = a.String(key::kKind);
    action.state = a.String(key::kState);
    return action;
  });
  return actions.value_or(std::vector<ActionSummary>());
}

nlohmann::json ActionsJson(const std::vector<ActionSummary>& actions) {
  nlohmann::json out = nlohmann::json::array();
  for (const ActionSummary& a : actions) {
    out.push_back({{key::kId, a.id}, {key::kKind, a.kind}, {key::kState, a.state}});
  }
  return out;
}

std::optional<core::PolicyStateKind> PolicyStateFromName(std::string_view name) {
  for (core::PolicyStateKind kind :
       {core::PolicyStateKind::kPending, core::PolicyStateKind::kSucceeded,
        core::PolicyStateKind::kError, core::PolicyStateKind::kConflict,
        core::PolicyStateKind::kNotApplicable}) {
    if (core::PolicyStateName(kind) == name) return kind;
  }
  return std::nullopt;
}

// A whole number in a query parameter.
std::optional<std::int64_t> WholeNumber(const std::string& text) {
  std::int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

}  // namespace

std::string ActionReportPath(std::string_view action_id) {
  return std::string(kActionsPath) + "/" + std::string(action_id);
}

std::string_view ActionReportStateName(ActionReportState state) {
  return NameOf<ActionReportState>(kActionReportStates, state);
}

// --- enroll ---------------------------------------------------------------

nlohmann::json EnrollRequest::ToJson() const {
  return {{SpecOf(DeviceField::kEnrollmentToken).key, enrollment_token},
          {SpecOf(DeviceField::kDeviceName).key, device_name},
          {SpecOf(DeviceField::kPlatform).key, platform},
          {SpecOf(DeviceField::kOsVersion).key, os_version},
          {SpecOf(DeviceField::kSerialNumber).key, serial_number},
          {SpecOf(DeviceField::kSignPublicKey).key, sign_public_key},
          {SpecOf(DeviceField::kBoxPublicKey).key, box_public_key}};
}

Result<EnrollRequest> EnrollRequest::FromJson(const nlohmann::json& json) {
  Status status;
  JsonReader r(json, "enroll", &status);
  EnrollRequest m;
  m.enrollment_token = r.String(DeviceField::kEnrollmentToken, Need::kRequired);
  m.device_name = r.String(DeviceField::kDeviceName, Need::kRequired);
  m.platform = r.String(DeviceField::kPlatform);
  m.os_version = r.String(DeviceField::kOsVersion);
  m.serial_number = r.String(DeviceField::kSerialNumber);
  m.sign_public_key = r.String(DeviceField::kSignPublicKey, Need::kRequired);
  m.box_public_key = r.String(DeviceField::kBoxPublicKey, Need::kRequired);
  return Finish(status, std::move(m));
}

nlohmann::json EnrollAnswer::ToJson() const {
  return {{key::kDeviceId, device_id},
          {key::kEscrowPublicKey, escrow_public_key},
          {key::kCheckinIntervalSeconds, checkin_interval_seconds},
          {key::kLongPollSeconds, long_poll_seconds},
          {key::kMaxClockSkewSeconds, max_clock_skew_seconds}};
}

Result<EnrollAnswer> EnrollAnswer::FromJson(const nlohmann::json& json) {
  Status status;
  JsonReader r(json, "enrollment answer", &status);
  EnrollAnswer m;
  m.device_id = r.String(key::kDeviceId, Need::kRequired);
  m.escrow_public_key = r.String(key::kEscrowPublicKey, Need::kRequired);
  m.checkin_interval_seconds = r.Integer(key::kCheckinIntervalSeconds);
  m.long_poll_seconds = r.Integer(key::kLongPollSeconds);
  m.max_clock_skew_seconds = r.Integer(key::kMaxClockSkewSeconds);
  return Finish(status, std::move(m));
}

// --- session --------------------------------------------------------------

nlohmann::json SessionAnswer::ToJson() const {
  return {{key::kSession, session},
          {key::kExpiresAt, core::FormatUtc(expires_at)},
          {key::kSealedKey, sealed_key}};
}

Result<SessionAnswer> SessionAnswer::FromJson(const nlohmann::json& json) {
  Status status;
  JsonReader r(json, "session answer", &status);
  SessionAnswer m;
  m.session = r.String(key::kSession, Need::kRequired);
  m.expires_at = r.Time(key::kExpiresAt, Need::kRequired).value_or(core::Timestamp{});
  m.sealed_key = r.String(key::kSealedKey, Need::kRequired);
  return Finish(status, std::move(m));
}

// --- check-in -------------------------------------------------------------

nlohmann::json CheckinRequest::ToJson() const {
  nlohmann::json out = nlohmann::json::object();
  auto put = [&out](DeviceField field, const std::string& value) {
    if (!value.empty()) out[SpecOf(field).key] = value;
  };
  put(DeviceField::kDeviceName, device_name);
  put(DeviceField::kOsVersion, os_version);
  put(DeviceField::kSignedInUser, signed_in_user);
  if (managed_account) {
    out[key::kManagedAccount] = {
        {SpecOf(DeviceField::kManagedAccountName).key, managed_account->name},
        {SpecOf(DeviceField::kManagedAccountSid).key, managed_account->sid}};
  }
  if (applied_settings) out[key::kAppliedSettings] = core::PolicySettingsToJson(*applied_settings);
  out[SpecOf(DeviceField::kLapsState).key] = laps_state;
  if (directory_expiration) out[key::kNextRotation] = core::FormatUtc(*directory_expiration);
  if (policy_reports) {
    nlohmann::json reports = nlohmann::json::array();
    for (const PolicyReport& p : *policy_reports) {
      reports.push_back(
          {{SpecOf(DeviceField::kPolicyReportPolicyId).key, p.policy_id},
           {key::kVersion, p.version},
           {SpecOf(DeviceField::kPolicyReportState).key, NameOf<bool>(kReportStates, p.error)},
           {SpecOf(DeviceField::kPolicyReportDetail).key, p.detail}});
    }
    out[key::kPolicyReports] = std::move(reports);
  }
  return out;
}

Result<CheckinRequest> CheckinRequest::FromJson(const nlohmann::json& json) {
  Status status;
  JsonReader r(json, kCheckinMessage, &status);
  CheckinRequest m;
  m.device_name = r.String(DeviceField::kDeviceName);
  m.os_version = r.String(DeviceField::kOsVersion);
  m.signed_in_user = r.String(DeviceField::kSignedInUser);
  if (const nlohmann::json* account = r.Object(key::kManagedAccount)) {
    JsonReader a = r.Member(key::kManagedAccount, *account);
    m.managed_account = ManagedAccount{a.String(DeviceField::kManagedAccountName),
                                       a.String(DeviceField::kManagedAccountSid)};
  }
  if (const nlohmann::json* applied = r.Object(key::kAppliedSettings)) {
    Result<core::PolicySettings> settings = core::PolicySettingsFromJson(*applied);
    if (settings.ok()) {
      m.applied_settings = std::move(settings).value();
    } else {
      r.Fail(key::kAppliedSettings, settings.status().message());
    }
  }
  m.laps_state = r.String(DeviceField::kLapsState);
  m.directory_expiration = r.Time(key::kNextRotation);
  m.policy_reports =
      ReadList<PolicyReport>(r, key::kPolicyReports, kMaxPolicyReports, [](JsonReader& p) {
        PolicyReport report;
        report.policy_id = p.String(DeviceField::kPolicyReportPolicyId);
        report.version = p.Integer(key::kVersion);
        report.error = p.Enum<bool>(DeviceField::kPolicyReportState, kReportStates, Need::kRequired)
                           .value_or(false);
        report.detail = p.String(DeviceField::kPolicyReportDetail);
        return report;
      });
  return Finish(status, std::move(m));
}

nlohmann::json CheckinAnswer::ToJson() const {
  nlohmann::json conflict_list = nlohmann::json::array();
  for (const SettingConflict& c : conflicts) {
    conflict_list.push_back({{key::kSetting, c.setting}, {key::kPolicyIds, c.policy_ids}});
  }
  nlohmann::json policy_list = nlohmann::json::array();
  for (const PolicyStatus& p : policies) {
    policy_list.push_back({{key::kId, p.id},
                           {key::kVersion, p.version},
                           {key::kState, core::PolicyStateName(p.state)},
                           {key::kDetail, p.detail}});
  }
  nlohmann::json settings_json = nullptr;
  if (settings && settings->ok()) settings_json = core::PolicySettingsToJson(**settings);
  return {{key::kDeviceId, device_id},
          {key::kSettings, std::move(settings_json)},
          {key::kConflict, conflict},
          {key::kConflicts, std::move(conflict_list)},
          {key::kPolicies, std::move(policy_list)},
          {key::kActions, ActionsJson(actions)},
          {key::kLastRotation, TimeJson(last_rotation)},
          {key::kNextRotation, TimeJson(next_rotation)},
          {key::kRotateAfterRevealAt, TimeJson(rotate_after_reveal_at)},
          {key::kCheckinIntervalSeconds, checkin_interval_seconds},
          {key::kPolicyEpoch, policy_epoch}};
}

Result<CheckinAnswer> CheckinAnswer::FromJson(const nlohmann::json& json) {
  Status status;
  JsonReader r(json, kCheckinAnswerMessage, &status);
  CheckinAnswer m;
  m.device_id = r.String(key::kDeviceId);
  if (const nlohmann::json* settings = r.Object(key::kSettings)) {
    m.settings = core::PolicySettingsFromJson(*settings);
  }
  m.conflict = r.Boolean(key::kConflict);
  m.conflicts = ReadList<SettingConflict>(r, key::kConflicts, SIZE_MAX, [](JsonReader& c) {
                  SettingConflict conflict;
                  conflict.setting = c.String(key::kSetting);
                  if (const nlohmann::json* ids = c.Array(key::kPolicyIds)) {
                    for (const nlohmann::json& id : *ids) {
                      if (!id.is_string()) {
                        c.Fail(key::kPolicyIds, "must hold strings");
                        break;
                      }
                      conflict.policy_ids.push_back(id.get<std::string>());
                    }
                  }
                  return conflict;
                }).value_or(std::vector<SettingConflict>());
  m.policies = ReadList<PolicyStatus>(r, key::kPolicies, SIZE_MAX, [](JsonReader& p) {
                 PolicyStatus policy;
                 policy.id = p.String(key::kId);
                 policy.version = p.Integer(key::kVersion);
                 std::string state = p.String(key::kState, Need::kRequired);
                 if (auto kind = PolicyStateFromName(state)) {
                   policy.state = *kind;
                 } else if (p.ok()) {
                   p.Fail(key::kState, "is not a policy state");
                 }
                 policy.detail = p.String(key::kDetail);
                 return policy;
               }).value_or(std::vector<PolicyStatus>());
  m.actions = ReadActions(r);
  m.last_rotation = r.Time(key::kLastRotation);
  m.next_rotation = r.Time(key::kNextRotation);
  m.rotate_after_reveal_at = r.Time(key::kRotateAfterRevealAt);
  m.checkin_interval_seconds = r.Integer(key::kCheckinIntervalSeconds);
  m.policy_epoch = r.Integer(key::kPolicyEpoch);
  return Finish(status, std::move(m));
}

// --- credentials ----------------------------------------------------------

nlohmann::json CredentialRequest::ToJson() const {
  nlohmann::json out = {{SpecOf(DeviceField::kPhase).key, NameOf<CredentialPhase>(kPhases, phase)},
                        {SpecOf(DeviceField::kRotationId).key, rotation_id}};
  if (phase == CredentialPhase::kPending) {
    out[SpecOf(DeviceField::kAccountName).key] = account_name;
    out[SpecOf(DeviceField::kAccountSid).key] = account_sid;
    if (!sealed_password.empty()) out[SpecOf(DeviceField::kSealedPassword).key] = sealed_password;
    out[key::kBackupDirectory] = backup_directory;
  }
  return out;
}

Result<CredentialRequest> CredentialRequest::FromJson(const nlohmann::json& json) {
  Status status;
  JsonReader r(json, "credentials", &status);
  CredentialRequest m;
  m.phase = r.Enum<CredentialPhase>(DeviceField::kPhase, kPhases, Need::kRequired)
                .value_or(CredentialPhase::kPending);
  m.rotation_id = r.String(DeviceField::kRotationId, Need::kRequired);
  if (m.phase == CredentialPhase::kPending) {
    m.account_name = r.String(DeviceField::kAccountName, Need::kRequired);
    m.account_sid = r.String(DeviceField::kAccountSid);
    m.backup_directory = r.Integer(key::kBackupDirectory, 1);
    if (r.ok() && m.backup_directory != 1 && m.backup_directory != 2) {
      r.Fail(key::kBackupDirectory, "must be 1 (cloud) or 2 (Active Directory)");
    }
    // Active Directory holds the password itself; lapsd records only that
    // the rotation happened, and must never be handed the password.
    const bool in_active_directory = m.backup_directory == 2;
    m.sealed_password = r.String(DeviceField::kSealedPassword,
                                 in_active_directory ? Need::kOptional : Need::kRequired);
    if (r.ok() && in_active_directory && !m.sealed_password.empty()) {
      r.Fail(SpecOf(DeviceField::kSealedPassword).key,
             "must be absent when the password is backed up to Active Directory");
    }
  }
  return Finish(status, std::move(m));
}

nlohmann::json CredentialAnswer::ToJson() const {
  nlohmann::json out = {{key::kRotationId, rotation_id},
                        {key::kState, NameOf<CredentialState>(kCredentialStates, state)}};
  if (next_rotation) out[key::kNextRotation] = core::FormatUtc(*next_rotation);
  return out;
}

Result<CredentialAnswer> CredentialAnswer::FromJson(const nlohmann::json& json) {
  Status status;
  JsonReader r(json, "credentials answer", &status);
  CredentialAnswer m;
  m.rotation_id = r.String(key::kRotationId);
  std::string state = r.String(key::kState);
  m.state = ValueOf<CredentialState>(kCredentialStates, state).value_or(CredentialState::kPending);
  m.next_rotation = r.Time(key::kNextRotation);
  return Finish(status, std::move(m));
}

// --- actions --------------------------------------------------------------

std::string ActionsQuery::Target() const {
  std::string target = std::string(kActionsPath) + "?" + std::string(key::kWait) + "=" +
                       std::to_string(wait_seconds);
  if (policy_epoch) {
    target += "&" + std::string(key::kPolicyEpoch) + "=" + std::to_string(*policy_epoch);
  }
  return target;
}

Result<ActionsQuery> ActionsQuery::FromParameters(const std::optional<std::string>& wait,
                                                  const std::optional<std::string>& policy_epoch) {
  ActionsQuery query;
  if (wait) {
    auto seconds = WholeNumber(*wait);
    if (!seconds || *seconds < 0) {
      return InvalidArgumentError(std::string(key::kWait) + " must be a whole number of seconds");
    }
    query.wait_seconds = *seconds;
  }
  if (policy_epoch) {
    query.policy_epoch = WholeNumber(*policy_epoch);
    if (!query.policy_epoch) {
      return InvalidArgumentError(std::string(key::kPolicyEpoch) +
                                  " must be the number the last check-in returned");
    }
  }
  return query;
}

nlohmann::json ActionsAnswer::ToJson() const {
  return {{key::kActions, ActionsJson(actions)}, {key::kWoken, woken}};
}

Result<ActionsAnswer> ActionsAnswer::FromJson(const nlohmann::json& json) {
  Status status;
  JsonReader r(json, "actions answer", &status);
  ActionsAnswer m;
  m.actions = ReadActions(r);
  m.woken = r.Boolean(key::kWoken);
  return Finish(status, std::move(m));
}

nlohmann::json ActionReport::ToJson() const {
  nlohmann::json out = {{SpecOf(DeviceField::kActionState).key, ActionReportStateName(state)}};
  if (!rotation_id.empty()) out[SpecOf(DeviceField::kRotationId).key] = rotation_id;
  if (!error.empty()) out[SpecOf(DeviceField::kActionError).key] = StatusText(error);
  return out;
}

Result<ActionReport> ActionReport::FromJson(const nlohmann::json& json) {
  Status status;
  JsonReader r(json, "action report", &status);
  ActionReport m;
  m.state =
      r.Enum<ActionReportState>(DeviceField::kActionState, kActionReportStates, Need::kRequired)
          .value_or(ActionReportState::kActive);
  m.rotation_id = r.String(DeviceField::kRotationId);
  m.error = r.String(DeviceField::kActionError);
  return Finish(status, std::move(m));
}

}  // namespace openlaps::protocol
