#include "server/store_notifications.h"

#include <utility>

namespace openlaps::server {

Result<std::unique_ptr<StoreNotifications>> StoreNotifications::Start(
    const std::string& database_url, WakeHub& hub) {
  store::WakeHandlers handlers{
      .device = [&hub](store::Id device) { hub.Deliver(device); },
      .everyone = [&hub] { hub.DeliverAll(); },
  };
  OPENLAPS_ASSIGN_OR_RETURN(std::unique_ptr<store::WakeListener> listener,
                            store::WakeListener::Start(database_url, std::move(handlers)));
  hub.TakeWakesFromStoreOnly();
  return std::unique_ptr<StoreNotifications>(new StoreNotifications(std::move(listener)));
}

}  // namespace openlaps::server
