// DeviceAdminApi: the admin routes for devices (managedDevices, their
// action results, rotateLocalAdminPassword) and
// directory/deviceLocalCredentials with the audited, rate-limited reveal.
#ifndef OPENLAPS_SERVER_DEVICE_ADMIN_API_H_
#define OPENLAPS_SERVER_DEVICE_ADMIN_API_H_

#include <optional>
#include <string_view>
#include <vector>

#include "http/detail/awaitable.h"
#include "server/api_area.h"
#include "server/server_context.h"

namespace openlaps::server {

class DeviceAdminApi : public ApiArea {
 public:
  explicit DeviceAdminApi(ServerContext& context) : context_(context) {}
  void RegisterRoutes(RouteRegistry& routes) override;

 private:
  Result<http::Response> ListManagedDevices(Call& call);
  Result<http::Response> GetManagedDevice(Call& call);
  // Entra ID's /devices, which Get-LapsAADPassword asks for a device's id.
  Result<http::Response> ListDirectoryDevices(Call& call);
  Result<http::Response> GetDirectoryDevice(Call& call);
  Result<http::Response> RotateLocalAdminPassword(Call& call);
  Result<http::Response> ListDeviceActions(Call& call);
  Result<http::Response> CancelDeviceAction(Call& call);
  Result<http::Response> ListDeviceLocalCredentials(Call& call);
  Result<http::Response> GetDeviceLocalCredential(Call& call);
  Result<store::Device> VisibleDevice(const Call& call, std::string_view permission,
                                      std::string_view guid);

  ServerContext& context_;
};

}  // namespace openlaps::server

#endif  // OPENLAPS_SERVER_DEVICE_ADMIN_API_H_
