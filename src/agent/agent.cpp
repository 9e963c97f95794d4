#include "agent/agent.h"

#include <algorithm>

#include "agent/authentication_records.h"
#include "core/policy_json.h"
#include "core/rotation_schedule.h"

namespace openlaps::agent {

namespace {

constexpr std::string_view kRotateAction = "rotateLocalAdminPassword";
constexpr int kJitterPercentMin = 50;
constexpr int kMaxBackoffDoublings = 20;

std::optional<core::Timestamp> TimeField(const nlohmann::json& json, const char* name) {
  auto it = json.find(name);
  if (it == json.end() || !it->is_string()) return std::nullopt;
  return core::ParseUtc(it->get<std::string>());
}

std::string StringField(const nlohmann::json& json, const char* name) {
  auto it = json.find(name);
  return it != json.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// 0 unless `name` is an integer (value() would throw on any other type).
std::int64_t IntegerField(const nlohmann::json& json, const char* name) {
  auto it = json.find(name);
  return it != json.end() && it->is_number_integer() ? it->get<std::int64_t>() : 0;
}

}  // namespace

Agent::Agent(DeviceClient& client, AccountBackend& accounts, StateDirectory& state,
             SystemActions& system_actions, const core::Clock& clock, core::Random& random,
             AgentOptions options)
    : client_(client),
      accounts_(accounts),
      state_dir_(state),
      system_actions_(system_actions),
      clock_(clock),
      random_(random),
      options_(options),
      directory_(client),
      journal_(state.path()),
      rotator_(accounts, directory_, journal_, client.identity().box, random, clock) {}

nlohmann::json Agent::CheckinBody(const std::optional<ManagedAccount>& account) const {
  nlohmann::json body = nlohmann::json::object();
  if (account) body["managedAccount"] = {{"name", account->name}, {"sid", account->sid}};
  if (state_.applied_settings) {
    body["appliedSettings"] = core::PolicySettingsToJson(*state_.applied_settings);
  }
  body["lapsState"] = DeviceClient::StatusText(state_.laps_state);
  if (!policy_reports_.empty()) body["policyReports"] = policy_reports_;
  return body;
}

void Agent::ApplyAnswer(const nlohmann::json& answer) {
  // No settings: with a conflict the last applied values stay (DESIGN.md
  // §4); without one no policy applies and nothing changes either (Windows
  // LAPS keeps settings when a policy is unassigned).
  if (auto it = answer.find("settings"); it != answer.end() && it->is_object()) {
    auto parsed = core::PolicySettingsFromJson(*it);
    if (parsed.ok()) {
      state_.applied_settings = std::move(parsed).value();
    } else {
      state_.laps_state =
          "lapsd sent settings this agent cannot read: " + parsed.status().message();
    }
  }
  if (auto last = TimeField(answer, "lastRotation")) state_.last_rotation = last;
  if (auto next = TimeField(answer, "nextRotation")) state_.next_rotation = next;
  if (auto it = answer.find("checkinIntervalSeconds");
      it != answer.end() && it->is_number_integer()) {
    std::int64_t seconds = it->get<std::int64_t>();
    if (seconds > 0) options_.checkin_interval = std::chrono::seconds(seconds);
  }
}

Status Agent::RotateFor(const core::LapsSettings& settings, core::RotationReason reason,
                        const std::string& rotation_id, IterationReport& report) {
  OPENLAPS_ASSIGN_OR_RETURN(RotationOutcome outcome, rotator_.Rotate(settings, rotation_id));
  state_.last_rotation = outcome.rotated_at;
  state_.next_rotation = outcome.next_rotation;
  state_.managed_account = outcome.account.name;
  // Uses before now knew a password that is gone.
  if (!state_.authentication_seen_until || *state_.authentication_seen_until < outcome.rotated_at) {
    state_.authentication_seen_until = outcome.rotated_at;
  }
  force_rotation_ = false;
  report.rotated = reason;
  return Status::Ok();
}

void Agent::TrackAuthentication(const core::LapsSettings& settings,
                                const Result<ManagedAccount>& account) {
  if (settings.post_authentication_reset_delay_hours <= 0) {
    // Off: uses while it is off never count, even once it is turned on.
    state_.post_authentication_deadline.reset();
    state_.authentication_seen_until = clock_.Now();
    return;
  }
  // The first use starts the clock; later ones do not push it back.
  if (!account.ok() || state_.post_authentication_deadline) return;
  // Nothing rotated yet: there is no managed password to protect.
  std::optional<core::Timestamp> seen =
      state_.authentication_seen_until ? state_.authentication_seen_until : state_.last_rotation;
  if (!seen) return;
  std::optional<core::Timestamp> used =
      LastAuthentication(state_dir_.path(), options_.root, account->name);
  if (used && *used > *seen) {
    state_.post_authentication_deadline =
        *used + std::chrono::hours(settings.post_authentication_reset_delay_hours);
    state_.authentication_seen_until = used;
  }
}

Status Agent::CarryOutPostAuthenticationActions(IterationReport& report) {
  const std::int64_t actions = state_.pending_post_authentication_actions;
  if (actions == 0) return Status::Ok();
  auto note = [&report](const char* name, const Status& done) {
    report.post_authentication_actions.push_back(
        done.ok() ? std::string(name) : std::string(name) + " failed: " + done.message());
  };
  auto account = accounts_.FindAccount(state_.managed_account);
  if (account.ok()) {
    if (actions & core::kPostAuthEndSessions) {
      note("end-sessions", system_actions_.EndSessions(*account));
    }
    if (actions & core::kPostAuthEndProcesses) {
      note("end-processes", system_actions_.EndProcesses(*account));
    }
  }
  // Cleared and saved before the reboot, so the restart it causes does not
  // reboot again.
  state_.pending_post_authentication_actions = 0;
  OPENLAPS_RETURN_IF_ERROR(state_dir_.SaveState(state_));
  if (actions & core::kPostAuthReboot) note("reboot", system_actions_.Reboot());
  return Status::Ok();
}

Result<IterationReport> Agent::RunOnce() {
  if (!state_loaded_) {
    OPENLAPS_ASSIGN_OR_RETURN(state_, state_dir_.LoadState());
    state_loaded_ = true;
  }
  IterationReport report;

  // An unfinished rotation comes first: nothing else may rotate over it.
  OPENLAPS_ASSIGN_OR_RETURN(ReconcileOutcome reconciled, rotator_.Reconcile());
  if (reconciled.result != Reconciliation::kNothingToDo) report.reconciled = reconciled.result;
  if (reconciled.rotate_now) force_rotation_ = true;
  // Left by a crash right after a post-authentication rotation.
  OPENLAPS_RETURN_IF_ERROR(CarryOutPostAuthenticationActions(report));

  core::LapsSettings before =
      core::LapsSettings::Resolve(state_.applied_settings.value_or(core::PolicySettings()));
  std::optional<ManagedAccount> known;
  if (auto found = accounts_.FindAccount(before.administrator_account_name); found.ok()) {
    known = std::move(found).value();
  }
  OPENLAPS_ASSIGN_OR_RETURN(nlohmann::json answer, client_.Checkin(CheckinBody(known)));
  report.checked_in = true;
  policy_reports_ = nlohmann::json::array();
  std::optional<core::PolicySettings> applied_before = state_.applied_settings;
  state_.laps_state.clear();
  ApplyAnswer(answer);

  core::LapsSettings settings =
      core::LapsSettings::Resolve(state_.applied_settings.value_or(core::PolicySettings()));
  std::string unmanaged = state_.laps_state;
  Status supported = CheckRotationSupported(settings);
  Result<ManagedAccount> account = accounts_.FindAccount(settings.administrator_account_name);
  if (unmanaged.empty() && settings.RotationEnabled()) {
    if (!supported.ok()) {
      unmanaged = supported.message();
    } else if (!account.ok()) {
      unmanaged = account.status().message() + ": nothing is managed";
    }
  }

  // Reports for the policies lapsd resolved; sent with the next check-in.
  if (auto it = answer.find("policies"); it != answer.end() && it->is_array()) {
    for (const auto& p : *it) {
      std::string state = StringField(p, "state");
      if (state == "conflict" || state == "notApplicable") continue;
      policy_reports_.push_back({{"policyId", StringField(p, "id")},
                                 {"version", IntegerField(p, "version")},
                                 {"state", unmanaged.empty() ? "succeeded" : "error"},
                                 {"detail", DeviceClient::StatusText(unmanaged)}});
    }
  }

  std::vector<std::string> rotate_actions;
  if (auto it = answer.find("actions"); it != answer.end() && it->is_array()) {
    for (const auto& a : *it) {
      std::string id = StringField(a, "id");
      if (StringField(a, "kind") == kRotateAction) {
        rotate_actions.push_back(id);
        continue;
      }
      OPENLAPS_RETURN_IF_ERROR(
          client_.ReportAction(id, "failed", "", "this agent does not support the action")
              .status());
      report.actions_failed.push_back(id);
    }
  }

  TrackAuthentication(settings, account);
  core::Timestamp now = clock_.Now();
  const bool used_and_due =
      state_.post_authentication_deadline && *state_.post_authentication_deadline <= now;
  core::RotationState rotation;
  rotation.last_rotation = state_.last_rotation;
  rotation.planned_expiry = state_.next_rotation;
  rotation.manual_requested = !rotate_actions.empty();
  rotation.post_authentication_deadline = TimeField(answer, "rotateAfterRevealAt");
  if (state_.post_authentication_deadline &&
      (!rotation.post_authentication_deadline ||
       *state_.post_authentication_deadline < *rotation.post_authentication_deadline)) {
    rotation.post_authentication_deadline = state_.post_authentication_deadline;
  }
  // A new account, or an escrow that may not open the account any more.
  rotation.account_changed = force_rotation_ || (account.ok() && !state_.managed_account.empty() &&
                                                 account->name != state_.managed_account);
  core::RotationDecision decision = core::DecideRotation(rotation, settings, now);

  Status outcome;
  if (!unmanaged.empty()) {
    for (const std::string& id : rotate_actions) {
      OPENLAPS_RETURN_IF_ERROR(client_.ReportAction(id, "failed", "", unmanaged).status());
      report.actions_failed.push_back(id);
    }
  } else if (decision.rotate_now) {
    std::string rotation_id = Rotator::NewRotationId();
    std::string action = rotate_actions.empty() ? std::string() : rotate_actions.front();
    if (!action.empty()) {
      Status claimed = client_.ReportAction(action, "active", rotation_id).status();
      if (claimed.code() == StatusCode::kFailedPrecondition || claimed.IsNotFound()) {
        // Canceled, or failed by its deadline, since the check-in listed it:
        // the admin no longer wants it, so it does nothing.
        report.actions_refused.push_back(action);
        action.clear();
        rotation.manual_requested = false;
        decision = core::DecideRotation(rotation, settings, now);
      } else {
        OPENLAPS_RETURN_IF_ERROR(claimed);
      }
    }
    if (decision.rotate_now) outcome = RotateFor(settings, decision.reason, rotation_id, report);
    if (outcome.ok() && decision.rotate_now) {
      // The used password is gone; the actions beyond the reset follow.
      state_.post_authentication_deadline.reset();
      if (used_and_due) {
        state_.pending_post_authentication_actions =
            settings.post_authentication_actions & ~core::kPostAuthReset;
      }
    }
    if (outcome.ok() && !action.empty()) report.actions_done.push_back(action);
    if (!outcome.ok()) {
      unmanaged = "rotation failed: " + outcome.message();
      if (!action.empty() &&
          client_.ReportAction(action, "failed", rotation_id, outcome.message()).ok()) {
        report.actions_failed.push_back(action);
      }
    }
  } else if (!rotate_actions.empty()) {
    // Only a policy that turns rotation off declines a manual one: say so
    // rather than leave it to fail as "the device did not respond".
    for (const std::string& id : rotate_actions) {
      OPENLAPS_RETURN_IF_ERROR(
          client_.ReportAction(id, "failed", "", "the policy turns password backup off").status());
      report.actions_failed.push_back(id);
    }
  }
  state_.laps_state = unmanaged;
  report.laps_state = unmanaged;
  OPENLAPS_RETURN_IF_ERROR(state_dir_.SaveState(state_));
  if (!outcome.ok()) return outcome;
  OPENLAPS_RETURN_IF_ERROR(CarryOutPostAuthenticationActions(report));

  // Tell lapsd at once what was applied, so the console need not wait an
  // interval for "succeeded".
  if (state_.applied_settings != applied_before || report.rotated.has_value()) {
    std::optional<ManagedAccount> managed;
    if (account.ok()) managed = *account;
    OPENLAPS_RETURN_IF_ERROR(client_.Checkin(CheckinBody(managed)).status());
    policy_reports_ = nlohmann::json::array();
  }
  return report;
}

Result<bool> Agent::WaitForActions(int wait_seconds) {
  OPENLAPS_ASSIGN_OR_RETURN(nlohmann::json answer, client_.WaitForActions(wait_seconds));
  // lapsd also wakes a parked poll when the device's policies or groups
  // changed ("woken" with no action): check in at once for the new settings.
  auto it = answer.find("actions");
  bool actions = it != answer.end() && it->is_array() && !it->empty();
  auto woken = answer.find("woken");
  return actions || (woken != answer.end() && woken->is_boolean() && woken->get<bool>());
}

std::chrono::milliseconds Agent::Backoff(int failures) {
  int doublings = std::clamp(failures - 1, 0, kMaxBackoffDoublings);
  std::chrono::milliseconds base = options_.min_backoff * (std::int64_t{1} << doublings);
  base = std::min<std::chrono::milliseconds>(base, options_.max_backoff);
  auto percent = kJitterPercentMin + static_cast<int>(random_.Uniform(101 - kJitterPercentMin));
  return base * percent / 100;
}

bool Agent::SleepFor(std::chrono::milliseconds duration) {
  std::unique_lock<std::mutex> lock(stop_mu_);
  return !stop_cv_.wait_for(lock, duration, [this] { return stop_.load(); });
}

void Agent::Stop() {
  {
    std::lock_guard<std::mutex> lock(stop_mu_);
    stop_ = true;
  }
  stop_cv_.notify_all();
  client_.Cancel();  // a parked long-poll would otherwise hold the exit for up to a minute
}

std::chrono::milliseconds Agent::UntilNextIteration() const {
  std::chrono::milliseconds wait = options_.checkin_interval;
  // A deadline already past is one this iteration could not act on (the
  // account is not managed): waiting for it again would spin.
  if (state_.post_authentication_deadline) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        *state_.post_authentication_deadline - clock_.Now());
    if (left.count() > 0) wait = std::min(wait, left);
  }
  return wait;
}

void Agent::Run() {
  int failures = 0;
  while (!stop_) {
    if (!RunOnce().ok()) {
      if (!SleepFor(Backoff(++failures))) return;
      continue;
    }
    failures = 0;
    auto deadline = std::chrono::steady_clock::now() + UntilNextIteration();
    while (!stop_) {
      auto left =
          std::chrono::ceil<std::chrono::seconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) break;
      int wait = static_cast<int>(std::min<std::int64_t>(left.count(), options_.long_poll_seconds));
      auto woken = WaitForActions(wait);
      if (!woken.ok()) {
        if (!SleepFor(Backoff(++failures))) return;
        break;
      }
      if (*woken) break;
    }
  }
}

}  // namespace openlaps::agent
