// WebConsole: the console's embedded files at / (web/, see web_assets.h)
// and the policy setting definitions it draws its policy form from.
#ifndef OPENLAPS_SERVER_WEB_CONSOLE_H_
#define OPENLAPS_SERVER_WEB_CONSOLE_H_

#include "server/api_area.h"

namespace openlaps::server {

class WebConsole : public ApiArea {
 public:
  void RegisterRoutes(RouteRegistry& routes) override;
};

}  // namespace openlaps::server

#endif  // OPENLAPS_SERVER_WEB_CONSOLE_H_
