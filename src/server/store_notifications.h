// StoreNotifications: several lapsd nodes on one PostgreSQL database. The
// store's triggers NOTIFY on commit when a device has new work (an action,
// a group membership) or every device may (a policy change); this brings
// those notifications to this node's WakeHub, so a device long-polling here
// wakes at once for a rotation requested on another node. After the
// listening connection drops and comes back, every parked device is woken,
// since notifications sent meanwhile are lost.
#ifndef OPENLAPS_SERVER_STORE_NOTIFICATIONS_H_
#define OPENLAPS_SERVER_STORE_NOTIFICATIONS_H_

#include <memory>
#include <string>

#include "core/status.h"
#include "server/wake_hub.h"
#include "store/postgres/wake_listener.h"

namespace openlaps::server {

class StoreNotifications {
 public:
  // `hub` must outlive the returned object; destroying it stops listening.
  static Result<std::unique_ptr<StoreNotifications>> Start(const std::string& database_url,
                                                           WakeHub& hub);

 private:
  explicit StoreNotifications(std::unique_ptr<store::WakeListener> listener)
      : listener_(std::move(listener)) {}

  std::unique_ptr<store::WakeListener> listener_;
};

}  // namespace openlaps::server

#endif  // OPENLAPS_SERVER_STORE_NOTIFICATIONS_H_
