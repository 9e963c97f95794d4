// ReportApi: the reports (DeviceManagement.Reports.Read) under
// /api/v1/reports: password rotation per device, policy states per policy
// and per device, rotation history. Each answers JSON, or CSV with
// `$format=csv` or `Accept: text/csv`. No report ever carries a password.
#ifndef OPENLAPS_SERVER_REPORT_API_H_
#define OPENLAPS_SERVER_REPORT_API_H_

#include <map>
#include <string>

#include "server/api_area.h"
#include "server/server_context.h"

namespace openlaps::server {

class ReportApi : public ApiArea {
 public:
  explicit ReportApi(ServerContext& context) : context_(context) {}
  void RegisterRoutes(RouteRegistry& routes) override;

 private:
  // Per device: last and next rotation, password age, overdue.
  // ?overdue=true keeps only the overdue devices.
  Result<http::Response> PasswordRotation(Call& call);
  // Per policy: how many devices are in each state. ?policyId=GUID and/or
  // ?deviceId=GUID list the devices instead (one row per device and
  // policy, ?state= to narrow), conflicting policies named.
  Result<http::Response> PolicyStates(Call& call);
  // Every escrowed password (when, which account, its state now) and every
  // requested rotation, newest first. ?deviceId=GUID narrows to one device.
  Result<http::Response> RotationHistory(Call& call);

  ServerContext& context_;
};

}  // namespace openlaps::server

#endif  // OPENLAPS_SERVER_REPORT_API_H_
