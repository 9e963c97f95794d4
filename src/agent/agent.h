// Agent: the device's check-in loop (DESIGN.md §1 steps 3-5, §6).
//
// One iteration (RunOnce): finish an unfinished rotation from the journal;
// check in with the managed account, the applied settings and per-policy
// reports; apply the returned settings (none returned: with a conflict the
// last applied ones stay, otherwise there is nothing new); decide with
// core::DecideRotation (age, a manual action, rotateAfterRevealAt, a
// changed account); carry out rotate actions (active -> rotate -> the
// commit marks them done; failed + reason otherwise). Backup directory
// Disabled never rotates; Active Directory is reported as not supported.
//
// Post-authentication (PostAuthenticationResetDelay > 0): a use of the
// managed account after the last rotation (authentication_records.h) sets a
// deadline use + delay, persisted in the state; at the deadline the account
// rotates through the same Rotator, then PostAuthenticationActions end its
// sessions, its processes or reboot through SystemActions. Any rotation
// clears the deadline (the used password is gone); a failed one keeps it,
// so the reset is retried until it succeeds.
//
// Run() loops: RunOnce, then long-polls for actions until the check-in
// interval or a post-authentication deadline ends or an action arrives; with the server unreachable
// it backs off exponentially with jitter and keeps the last applied policy.
//
// Time comes from the injected Clock, randomness (passwords, jitter) from
// the injected Random. Not thread-safe, except Stop(), which any thread
// (or a signal-handling thread) may call.
#ifndef OPENLAPS_AGENT_AGENT_H_
#define OPENLAPS_AGENT_AGENT_H_

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "agent/account_backend.h"
#include "agent/active_directory/active_directory_backup.h"
#include "agent/agent_state.h"
#include "agent/backup_directory_client.h"
#include "agent/device_client.h"
#include "agent/rotation_journal.h"
#include "agent/rotator.h"
#include "agent/system_actions.h"
#include "core/clock.h"
#include "core/random.h"
#include "core/rotation_schedule.h"
#include "protocol/device_messages.h"

namespace openlaps::agent {

struct AgentOptions {
  std::chrono::seconds checkin_interval{3600};  // replaced by the server's value
  int long_poll_seconds = 50;
  std::chrono::milliseconds min_backoff{5000};
  std::chrono::seconds max_backoff{900};
  // Login records are read under this root ("/" in production); empty: the
  // notify-auth mark alone tells of uses of the account.
  std::filesystem::path root;
  // Appended to a signed-in local user's name to make the userPrincipalName
  // lapsd matches ("ada" -> "ada@example.com"); empty: names are sent as
  // they are.
  std::string principal_suffix;
  // Connects to Active Directory for BackupDirectory = 2; empty: this agent
  // cannot back up there.
  ActiveDirectoryBackup::Connector active_directory;
};

// What one iteration did, for tests and the status line.
struct IterationReport {
  bool checked_in = false;
  std::optional<Reconciliation> reconciled;
  std::optional<core::RotationReason> rotated;  // set when a rotation committed
  std::vector<std::string> actions_done;
  std::vector<std::string> actions_failed;
  // Actions lapsd refused when the agent took them up (canceled or failed
  // by a deadline meanwhile): not carried out.
  std::vector<std::string> actions_refused;
  std::string laps_state;  // empty when the account is managed
  // Post-authentication actions carried out ("end-sessions", "reboot", ...;
  // "<action> failed: <why>" when one could not be).
  std::vector<std::string> post_authentication_actions;
};

class Agent {
 public:
  // Every reference must outlive the agent.
  Agent(DeviceClient& client, AccountBackend& accounts, StateDirectory& state,
        SystemActions& system_actions, const core::Clock& clock, core::Random& random,
        AgentOptions options = {});
  Agent(const Agent&) = delete;
  Agent& operator=(const Agent&) = delete;

  // One iteration. A non-OK Status means the server could not be reached or
  // refused the check-in (the caller backs off); local problems (a missing
  // account, an unsupported directory) are in the report and the state.
  Result<IterationReport> RunOnce();

  // Long-polls for actions: true when some are waiting or lapsd woke the
  // poll for a change (the caller checks in again).
  Result<bool> WaitForActions(int wait_seconds);

  // Loops until Stop().
  void Run();
  // Cancels the request in flight (a parked long-poll, or a rotation step:
  // the journal finishes that one at the next start), so Run returns at once.
  void Stop();

  // The backoff before retry `failures` (>= 1): min * 2^(failures-1),
  // capped, with jitter in [50%, 100%].
  std::chrono::milliseconds Backoff(int failures);

  Rotator& rotator() { return rotator_; }

 private:
  // The steps of RunOnce, in order.
  Status FinishInterrupted(IterationReport& report);  // journal, then pending actions
  Result<protocol::CheckinAnswer> CheckIn(IterationReport& report);
  // Why the account is not managed; empty when it is.
  std::string UnmanagedReason(const core::LapsSettings& settings,
                              const Result<ManagedAccount>& account) const;
  void QueuePolicyReports(const std::vector<protocol::PolicyStatus>& policies,
                          const std::string& unmanaged);
  // The rotate actions' ids; any other kind is reported failed.
  Result<std::vector<std::string>> SortActions(const std::vector<protocol::ActionSummary>& actions,
                                               IterationReport& report);
  // Rotates when due, carrying out the first rotate action; fails the
  // actions it cannot carry out. A failed rotation goes to `outcome` and
  // `unmanaged`; the returned Status is lapsd refusing a report.
  Status DecideAndRotate(const protocol::CheckinAnswer& answer, const core::LapsSettings& settings,
                         const Result<ManagedAccount>& account,
                         const std::vector<std::string>& rotate_actions, std::string& unmanaged,
                         Status& outcome, IterationReport& report);

  protocol::CheckinRequest CheckinRequestFor(const std::optional<ManagedAccount>& account) const;
  void ApplyAnswer(const protocol::CheckinAnswer& answer);
  core::LapsSettings AppliedSettings() const;
  core::RotationState RotationStateFor(const protocol::CheckinAnswer& answer,
                                       const Result<ManagedAccount>& account,
                                       bool manual_requested) const;
  Status FailActions(const std::vector<std::string>& ids, const std::string& why,
                     IterationReport& report);
  Status RotateFor(const core::LapsSettings& settings, core::RotationReason reason,
                   const std::string& rotation_id, IterationReport& report);
  bool SleepFor(std::chrono::milliseconds duration);  // false when stopped
  // Sets the post-authentication deadline when the account was used since
  // the last rotation; clears it when the policy turns the feature off.
  void TrackAuthentication(const core::LapsSettings& settings,
                           const Result<ManagedAccount>& account);
  // Runs and clears pending_post_authentication_actions (saved first, so a
  // reboot happens at most once).
  Status CarryOutPostAuthenticationActions(IterationReport& report);
  // The computer object's password state when the policy backs up to AD; a
  // failure to read it makes the account unmanaged this iteration.
  void ReadActiveDirectory(const core::LapsSettings& settings, std::string& unmanaged);
  BackupDirectories Directories();  // builds active_directory_ from the options
  // How long Run may wait before the next iteration.
  std::chrono::milliseconds UntilNextIteration() const;

  DeviceClient& client_;
  AccountBackend& accounts_;
  StateDirectory& state_dir_;
  SystemActions& system_actions_;
  const core::Clock& clock_;
  core::Random& random_;
  AgentOptions options_;
  LapsdBackupDirectory directory_;
  std::optional<ActiveDirectoryBackup> active_directory_;
  RotationJournal journal_;
  Rotator rotator_;
  AgentState state_;
  bool state_loaded_ = false;
  bool force_rotation_ = false;  // the escrow may not open the account
  // This iteration's read of the computer object, with BackupDirectory = 2.
  std::optional<DirectoryPasswordState> in_active_directory_;
  std::vector<protocol::PolicyReport> policy_reports_;  // sent at the next check-in

  std::mutex stop_mu_;
  std::condition_variable stop_cv_;
  std::atomic<bool> stop_{false};
};

}  // namespace openlaps::agent

#endif  // OPENLAPS_AGENT_AGENT_H_
