// DeviceProtocol: the steps of DESIGN.md §6 that a virtual agent takes
// (enroll, open a session, check in, long-poll, escrow pending/commit of a
// freshly generated password, report a rotate action), as coroutines over
// an AsyncConnection. Requests are authenticated as DeviceClient does them
// and each step is timed into OpStats under its operation name.
//
// Not thread-safe; one simulator thread runs every agent.
#ifndef OPENLAPS_BENCH_FLEET_SIM_DEVICE_PROTOCOL_H_
#define OPENLAPS_BENCH_FLEET_SIM_DEVICE_PROTOCOL_H_

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "core/random.h"
#include "fleet_sim/async_connection.h"
#include "fleet_sim/op_stats.h"
#include "fleet_sim/virtual_device.h"
#include "protocol/device_messages.h"

namespace openlaps::fleet {

class DeviceProtocol {
 public:
  // `stopping` is read when a request fails: failures caused by the
  // simulator closing connections at the end are not errors.
  DeviceProtocol(OpStats& stats, core::Random& random, const bool& stopping);

  net::awaitable<Status> Enroll(AsyncConnection& connection, VirtualDevice& device,
                                std::string_view token, std::string_view name);
  // Opens a session (one Ed25519-signed request) unless a fresh one is held.
  net::awaitable<Status> EnsureSession(AsyncConnection& connection, VirtualDevice& device);
  // `op` names it in the statistics ("checkin-woken" after a wake-up).
  net::awaitable<Result<protocol::CheckinAnswer>> Checkin(AsyncConnection& connection,
                                                          VirtualDevice& device,
                                                          std::string_view op = "checkin");
  // Generates a password, escrows it sealed as pending, then commits it.
  net::awaitable<Status> EscrowNewPassword(AsyncConnection& connection, VirtualDevice& device);
  // What laps-agent does with a rotate action: active, escrow, done, check-in.
  net::awaitable<Status> CarryOutRotation(AsyncConnection& connection, VirtualDevice& device,
                                          std::string_view action_id);
  // Parks GET /device/v1/actions?wait=N until lapsd answers or `stop_at`.
  net::awaitable<Result<protocol::ActionsAnswer>> WaitForActions(
      AsyncConnection& connection, VirtualDevice& device, int wait_seconds, SteadyTime stop_at,
      const std::function<void()>* on_parked);

 private:
  enum class Auth { kNone, kSigned, kSession };
  net::awaitable<Status> Escrow(AsyncConnection& connection, VirtualDevice& device,
                                const std::string& rotation_id);
  net::awaitable<Result<nlohmann::json>> Call(AsyncConnection& connection, VirtualDevice& device,
                                              std::string_view op, std::string_view method,
                                              std::string_view target, const nlohmann::json& body,
                                              Auth auth, SteadyTime deadline,
                                              const std::function<void()>* on_written = nullptr);

  OpStats& stats_;
  core::Random& random_;
  const bool& stopping_;
};

}  // namespace openlaps::fleet

#endif  // OPENLAPS_BENCH_FLEET_SIM_DEVICE_PROTOCOL_H_
