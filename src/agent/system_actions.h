// SystemActions: what PostAuthenticationActions do to the device beyond the
// password reset (LAPS-REFERENCE.md §1, §3): end the managed account's
// sessions, end its remaining processes, reboot.
//
// This is the one seam between the agent and the machine's sessions: the
// agent gets the platform's implementation in production and a
// RecordingSystemActions in tests, which observe what would have happened
// without ending or rebooting anything. Not thread-safe: the agent's loop
// calls it.
#ifndef OPENLAPS_AGENT_SYSTEM_ACTIONS_H_
#define OPENLAPS_AGENT_SYSTEM_ACTIONS_H_

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "agent/account_backend.h"
#include "core/status.h"

namespace openlaps::agent {

class SystemActions {
 public:
  virtual ~SystemActions() = default;

  // Each returns once the action has been started (a reboot may be
  // scheduled a minute ahead, as Windows LAPS does); an error says why it
  // could not be.
  virtual Status EndSessions(const ManagedAccount& account) = 0;
  virtual Status EndProcesses(const ManagedAccount& account) = 0;
  virtual Status Reboot() = 0;
};

// The platform's implementation (Linux: loginctl, kill, shutdown -r).
std::unique_ptr<SystemActions> CreatePlatformSystemActions();

// Records the actions instead of performing them: in memory, and when `log`
// is given also as one fsync'd line per action appended to that file
// ("end-sessions root", "end-processes root", "reboot"), so a test can
// watch a laps-agent process.
class RecordingSystemActions : public SystemActions {
 public:
  explicit RecordingSystemActions(std::optional<std::filesystem::path> log = std::nullopt)
      : log_(std::move(log)) {}

  Status EndSessions(const ManagedAccount& account) override;
  Status EndProcesses(const ManagedAccount& account) override;
  Status Reboot() override;

  const std::vector<std::string>& actions() const { return actions_; }

 private:
  Status Record(std::string line);

  std::optional<std::filesystem::path> log_;
  std::vector<std::string> actions_;
};

}  // namespace openlaps::agent

#endif  // OPENLAPS_AGENT_SYSTEM_ACTIONS_H_
