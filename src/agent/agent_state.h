// The agent's state directory (0700): identity.json (device id, server URL,
// escrow public key, signing and box key pairs; 0600) and state.json (the
// settings it last applied, the managed account, rotation times, the state
// the console shows, the pending post-authentication deadline and actions).
// The rotation journal lives beside them.
//
// Keys are read and written here only; they are never printed or logged,
// and every message names files, not contents. Not thread-safe.
#ifndef OPENLAPS_AGENT_AGENT_STATE_H_
#define OPENLAPS_AGENT_AGENT_STATE_H_

#include <filesystem>
#include <optional>
#include <string>

#include "agent/device_client.h"
#include "core/clock.h"
#include "core/policy_settings.h"
#include "core/status.h"

namespace openlaps::agent {

struct EnrolledIdentity {
  std::string server_url;
  DeviceIdentity identity;
};

struct AgentState {
  std::optional<core::PolicySettings> applied_settings;  // none applied yet
  std::string managed_account;                           // name of the last rotated account
  std::optional<core::Timestamp> last_rotation;
  // The last committed rotation: Active Directory's password version must be
  // the one derived from it, or the image was rolled back.
  std::string last_rotation_id;
  std::optional<core::Timestamp> next_rotation;
  std::string laps_state;  // empty when managed; else why not, for the console
  // Post-authentication: when the account was used, the reset is due here;
  // kept across restarts until a rotation replaces the used password.
  std::optional<core::Timestamp> post_authentication_deadline;
  // Uses of the account up to here are accounted for: they set the deadline
  // above or happened before a rotation (device clock, like the deadline).
  std::optional<core::Timestamp> authentication_seen_until;
  // PostAuthenticationActions bits beyond the reset still to carry out after
  // the post-authentication rotation committed (a crash in between runs
  // them at the next start).
  std::int64_t pending_post_authentication_actions = 0;
};

class StateDirectory {
 public:
  // Creates `dir` (0700) when missing; refuses a directory group or others
  // can enter (FailedPrecondition), since it holds the device's keys.
  static Result<StateDirectory> Open(std::filesystem::path dir);

  // AlreadyExists when the device is already enrolled.
  Status SaveIdentity(const EnrolledIdentity& enrolled);
  // NotFound when not enrolled; FailedPrecondition when identity.json is
  // readable by group or others; DataLoss when it is malformed.
  Result<EnrolledIdentity> LoadIdentity() const;

  // A default AgentState when none was saved yet.
  Result<AgentState> LoadState() const;
  Status SaveState(const AgentState& state);

  const std::filesystem::path& path() const { return dir_; }

 private:
  explicit StateDirectory(std::filesystem::path dir) : dir_(std::move(dir)) {}

  std::filesystem::path dir_;
};

}  // namespace openlaps::agent

#endif  // OPENLAPS_AGENT_AGENT_STATE_H_
