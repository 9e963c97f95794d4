#include "agent/agent.h"

#include <algorithm>
#include <cstdio>

#include "agent/authentication_records.h"
#include "agent/interactive_user.h"
#include "core/rotation_schedule.h"

namespace openlaps::agent {

namespace {

constexpr int kJitterPercentMin = 50;
constexpr int kMaxBackoffDoublings = 20;

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
      rotator_(accounts, Directories(), journal_, client.identity().box, random, clock) {}

BackupDirectories Agent::Directories() {
  if (options_.active_directory) {
    active_directory_.emplace(options_.active_directory, client_, clock_);
  }
  return {&directory_, active_directory_ ? &*active_directory_ : nullptr};
}

protocol::CheckinRequest Agent::CheckinRequestFor(
    const std::optional<ManagedAccount>& account) const {
  protocol::CheckinRequest request;
  if (account) request.managed_account = protocol::ManagedAccount{account->name, account->sid};
  if (!options_.root.empty()) {
    // Unreadable login records only cost the user-group targeting.
    auto user = CurrentInteractiveUser(
        options_.root, account ? account->name : AppliedSettings().administrator_account_name);
    if (user.ok()) request.signed_in_user = AsPrincipalName(*user, options_.principal_suffix);
  }
  request.applied_settings = state_.applied_settings;
  request.laps_state = protocol::StatusText(state_.laps_state);
  if (AppliedSettings().backup_directory == core::BackupDirectory::kActiveDirectory) {
    request.directory_expiration = state_.next_rotation;
  }
  if (!policy_reports_.empty()) request.policy_reports = policy_reports_;
  return request;
}

core::LapsSettings Agent::AppliedSettings() const {
  return core::LapsSettings::Resolve(state_.applied_settings.value_or(core::PolicySettings()));
}

void Agent::ApplyAnswer(const protocol::CheckinAnswer& answer) {
  // No settings: with a conflict the last applied values stay (DESIGN.md
  // §4); without one no policy applies and nothing changes either (Windows
  // LAPS keeps settings when a policy is unassigned).
  if (answer.settings) {
    if (answer.settings->ok()) {
      state_.applied_settings = **answer.settings;
    } else {
      state_.laps_state =
          "lapsd sent settings this agent cannot read: " + answer.settings->status().message();
    }
  }
  if (answer.last_rotation) state_.last_rotation = answer.last_rotation;
  if (answer.next_rotation) state_.next_rotation = answer.next_rotation;
  if (answer.checkin_interval_seconds > 0) {
    options_.checkin_interval = std::chrono::seconds(answer.checkin_interval_seconds);
  }
}

Status Agent::RotateFor(const core::LapsSettings& settings, core::RotationReason reason,
                        const std::string& rotation_id, IterationReport& report) {
  OPENLAPS_ASSIGN_OR_RETURN(RotationOutcome outcome, rotator_.Rotate(settings, rotation_id));
  state_.last_rotation = outcome.rotated_at;
  state_.last_rotation_id = outcome.rotation_id;
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
  IterationReport report;
  OPENLAPS_RETURN_IF_ERROR(FinishInterrupted(report));
  const std::optional<core::PolicySettings> applied_before = state_.applied_settings;
  OPENLAPS_ASSIGN_OR_RETURN(protocol::CheckinAnswer answer, CheckIn(report));

  const core::LapsSettings settings = AppliedSettings();
  Result<ManagedAccount> account = accounts_.FindAccount(settings.administrator_account_name);
  std::string unmanaged = UnmanagedReason(settings, account);
  ReadActiveDirectory(settings, unmanaged);
  QueuePolicyReports(answer.policies, unmanaged);
  OPENLAPS_ASSIGN_OR_RETURN(std::vector<std::string> rotate_actions,
                            SortActions(answer.actions, report));
  TrackAuthentication(settings, account);

  Status outcome;  // the rotation's own result: saved in the state, then returned
  OPENLAPS_RETURN_IF_ERROR(
      DecideAndRotate(answer, settings, account, rotate_actions, unmanaged, outcome, report));
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
    OPENLAPS_RETURN_IF_ERROR(client_.SendCheckin(CheckinRequestFor(managed)).status());
    policy_reports_.clear();
  }
  return report;
}

Status Agent::FinishInterrupted(IterationReport& report) {
  if (!state_loaded_) {
    OPENLAPS_ASSIGN_OR_RETURN(state_, state_dir_.LoadState());
    state_loaded_ = true;
  }
  // An unfinished rotation comes first: nothing else may rotate over it.
  if (active_directory_) active_directory_->UseSettings(AppliedSettings());
  OPENLAPS_ASSIGN_OR_RETURN(ReconcileOutcome reconciled, rotator_.Reconcile());
  if (reconciled.result != Reconciliation::kNothingToDo) report.reconciled = reconciled.result;
  if (reconciled.result == Reconciliation::kCommitted) {
    state_.last_rotation_id = reconciled.rotation_id;
  }
  if (reconciled.rotate_now) force_rotation_ = true;
  // Left by a crash right after a post-authentication rotation.
  return CarryOutPostAuthenticationActions(report);
}

Result<protocol::CheckinAnswer> Agent::CheckIn(IterationReport& report) {
  std::optional<ManagedAccount> known;
  if (auto found = accounts_.FindAccount(AppliedSettings().administrator_account_name);
      found.ok()) {
    known = std::move(found).value();
  }
  OPENLAPS_ASSIGN_OR_RETURN(protocol::CheckinAnswer answer,
                            client_.SendCheckin(CheckinRequestFor(known)));
  report.checked_in = true;
  policy_reports_.clear();
  state_.laps_state.clear();
  ApplyAnswer(answer);
  return answer;
}

std::string Agent::UnmanagedReason(const core::LapsSettings& settings,
                                   const Result<ManagedAccount>& account) const {
  std::string unmanaged = state_.laps_state;  // unreadable settings, from ApplyAnswer
  if (unmanaged.empty() && settings.RotationEnabled()) {
    Status supported = CheckRotationSupported(settings);
    if (!supported.ok()) {
      unmanaged = supported.message();
    } else if (!account.ok()) {
      unmanaged = account.status().message() + ": nothing is managed";
    }
  }
  return unmanaged;
}

void Agent::ReadActiveDirectory(const core::LapsSettings& settings, std::string& unmanaged) {
  in_active_directory_.reset();
  if (!unmanaged.empty() || settings.backup_directory != core::BackupDirectory::kActiveDirectory ||
      !active_directory_) {
    return;
  }
  active_directory_->UseSettings(settings);
  auto read = active_directory_->ReadPasswordState();
  if (!read.ok()) {
    unmanaged = "Active Directory: " + read.status().message();
    return;
  }
  in_active_directory_ = *read;
  // AD's expiry is the truth the console shows, moved by admins or not.
  state_.next_rotation = read->expiration;
}

void Agent::QueuePolicyReports(const std::vector<protocol::PolicyStatus>& policies,
                               const std::string& unmanaged) {
  // Reports for the policies lapsd resolved; sent with the next check-in.
  for (const protocol::PolicyStatus& p : policies) {
    if (p.state == core::PolicyStateKind::kConflict ||
        p.state == core::PolicyStateKind::kNotApplicable) {
      continue;
    }
    policy_reports_.push_back(
        {p.id, p.version, !unmanaged.empty(), protocol::StatusText(unmanaged)});
  }
}

Result<std::vector<std::string>> Agent::SortActions(
    const std::vector<protocol::ActionSummary>& actions, IterationReport& report) {
  std::vector<std::string> rotate_actions;
  std::vector<std::string> unknown;
  for (const protocol::ActionSummary& a : actions) {
    (a.kind == protocol::kRotateAction ? rotate_actions : unknown).push_back(a.id);
  }
  OPENLAPS_RETURN_IF_ERROR(FailActions(unknown, "this agent does not support the action", report));
  return rotate_actions;
}

Status Agent::FailActions(const std::vector<std::string>& ids, const std::string& why,
                          IterationReport& report) {
  for (const std::string& id : ids) {
    OPENLAPS_RETURN_IF_ERROR(
        client_.ReportAction(id, {protocol::ActionReportState::kFailed, "", why}).status());
    report.actions_failed.push_back(id);
  }
  return Status::Ok();
}

core::RotationState Agent::RotationStateFor(const protocol::CheckinAnswer& answer,
                                            const Result<ManagedAccount>& account,
                                            bool manual_requested) const {
  core::RotationState rotation;
  rotation.last_rotation = state_.last_rotation;
  rotation.planned_expiry = state_.next_rotation;
  rotation.manual_requested = manual_requested;
  rotation.post_authentication_deadline = answer.rotate_after_reveal_at;
  if (state_.post_authentication_deadline &&
      (!rotation.post_authentication_deadline ||
       *state_.post_authentication_deadline < *rotation.post_authentication_deadline)) {
    rotation.post_authentication_deadline = state_.post_authentication_deadline;
  }
  // A new account, or an escrow that may not open the account any more.
  rotation.account_changed = force_rotation_ || (account.ok() && !state_.managed_account.empty() &&
                                                 account->name != state_.managed_account);
  if (in_active_directory_) {
    // The computer object decides: an admin may have moved the expiry
    // (Reset-LapsPassword) or cleared the password.
    rotation.planned_expiry = in_active_directory_->expiration;
    if (!in_active_directory_->expiration) rotation.last_rotation.reset();
    const auto& version = in_active_directory_->version;
    rotation.image_rolled_back =
        version && (state_.last_rotation_id.empty() ||
                    *version != ad::PasswordVersionFor(state_.last_rotation_id));
  }
  return rotation;
}

Status Agent::DecideAndRotate(const protocol::CheckinAnswer& answer,
                              const core::LapsSettings& settings,
                              const Result<ManagedAccount>& account,
                              const std::vector<std::string>& rotate_actions,
                              std::string& unmanaged, Status& outcome, IterationReport& report) {
  if (!unmanaged.empty()) return FailActions(rotate_actions, unmanaged, report);
  const core::Timestamp now = clock_.Now();
  const bool used_and_due =
      state_.post_authentication_deadline && *state_.post_authentication_deadline <= now;
  core::RotationState rotation = RotationStateFor(answer, account, !rotate_actions.empty());
  core::RotationDecision decision = core::DecideRotation(rotation, settings, now);
  if (!decision.rotate_now) {
    // Only a policy that turns rotation off declines a manual one: say so
    // rather than leave it to fail as "the device did not respond".
    return FailActions(rotate_actions, "the policy turns password backup off", report);
  }
  const std::string rotation_id = Rotator::NewRotationId();
  std::string action = rotate_actions.empty() ? std::string() : rotate_actions.front();
  if (!action.empty()) {
    Status claimed =
        client_.ReportAction(action, {protocol::ActionReportState::kActive, rotation_id, ""})
            .status();
    if (claimed.code() == StatusCode::kFailedPrecondition || claimed.IsNotFound()) {
      // Canceled, or failed by its deadline, since the check-in listed it:
      // the admin no longer wants it, so it does nothing.
      report.actions_refused.push_back(action);
      action.clear();
      rotation.manual_requested = false;
      decision = core::DecideRotation(rotation, settings, now);
      if (!decision.rotate_now) return Status::Ok();
    } else {
      OPENLAPS_RETURN_IF_ERROR(claimed);
    }
  }
  outcome = RotateFor(settings, decision.reason, rotation_id, report);
  if (outcome.ok()) {
    // The used password is gone; the actions beyond the reset follow.
    state_.post_authentication_deadline.reset();
    if (used_and_due) {
      state_.pending_post_authentication_actions =
          settings.post_authentication_actions & ~core::kPostAuthReset;
    }
    if (!action.empty()) report.actions_done.push_back(action);
    return Status::Ok();
  }
  unmanaged = "rotation failed: " + outcome.message();
  protocol::ActionReport failed{protocol::ActionReportState::kFailed, rotation_id,
                                outcome.message()};
  if (!action.empty() && client_.ReportAction(action, failed).ok()) {
    report.actions_failed.push_back(action);
  }
  return Status::Ok();
}

Result<bool> Agent::WaitForActions(int wait_seconds) {
  OPENLAPS_ASSIGN_OR_RETURN(nlohmann::json raw, client_.WaitForActions(wait_seconds));
  auto answer = protocol::ActionsAnswer::FromJson(raw);
  if (!answer.ok()) return InternalError("lapsd's " + answer.status().message());
  // lapsd also wakes a parked poll when the device's policies or groups
  // changed ("woken" with no action): check in at once for the new settings.
  return !answer->actions.empty() || answer->woken;
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
    Result<IterationReport> ran = RunOnce();
    if (!ran.ok()) {
      // The service's log (journald) is where an admin looks first; lapsd
      // also hears of it as the policy's error at the next check-in.
      std::fprintf(stderr, "laps-agent: %s\n", ran.status().ToString().c_str());
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
