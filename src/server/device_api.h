// DeviceApi: the device protocol's routes (DESIGN.md §6; messages in
// protocol/): enrollment, signed session opening, check-in, two-phase
// escrow, the action long-poll, action reports and goodbye. A device only
// ever reaches its own records: every lookup is keyed by the authenticated
// device (LapsServer::AuthenticateDevice).
#ifndef OPENLAPS_SERVER_DEVICE_API_H_
#define OPENLAPS_SERVER_DEVICE_API_H_

#include <string>
#include <vector>

#include "http/detail/awaitable.h"
#include "protocol/device_messages.h"
#include "server/api_area.h"
#include "server/server_context.h"

namespace openlaps::server {

class DeviceApi : public ApiArea {
 public:
  explicit DeviceApi(ServerContext& context) : context_(context) {}
  void RegisterRoutes(RouteRegistry& routes) override;

 private:
  Result<http::Response> Enroll(Call& call);
  Result<http::Response> OpenDeviceSession(Call& call);
  Result<http::Response> Checkin(Call& call);
  Result<http::Response> PostCredential(Call& call);
  boost::asio::awaitable<Result<http::Response>> WaitForActions(Call& call);
  Result<http::Response> ReportAction(Call& call);
  Result<http::Response> Goodbye(Call& call);

  // Steps of the routes above.
  Result<protocol::CheckinAnswer> CheckinAnswerFor(const store::Device& device);
  Result<http::Response> EscrowPending(Call& call, const protocol::CredentialRequest& request);
  // The settings the device must follow now: its effective policy's, or
  // with a conflict those it applied last.
  Result<core::LapsSettings> SettingsInForce(const store::Device& device);
  Result<http::Response> CommitCredential(Call& call, const std::string& rotation_id);
  Result<std::vector<protocol::ActionSummary>> PendingActions(store::Id device_id);

  ServerContext& context_;
};

}  // namespace openlaps::server

#endif  // OPENLAPS_SERVER_DEVICE_API_H_
