// WakeHub: devices parked in a long-poll, woken at once when an action is
// created for them or their policy changes. It holds this node's parked
// devices only: with several lapsd nodes, StoreNotifications calls Deliver
// and DeliverAll on every node for changes committed on any of them.
//
// Thread-safe. A wake that arrives before the device parks is kept, so
// "list actions, then park" never loses one.
#ifndef OPENLAPS_SERVER_WAKE_HUB_H_
#define OPENLAPS_SERVER_WAKE_HUB_H_

#include <atomic>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>

#include "http/detail/awaitable.h"

namespace openlaps::server {

class WakeHub {
 public:
  using DeviceId = std::int64_t;

  // Marks the device as parked and returns a ticket; the wait happens in
  // Wait. Call Arm before checking for work so no wake is missed.
  struct Ticket {
    DeviceId device = 0;
    std::uint64_t serial = 0;
  };
  Ticket Arm(DeviceId device);
  // Suspends until woken or `timeout`; true when woken.
  boost::asio::awaitable<bool> Wait(Ticket ticket, std::chrono::seconds timeout);
  void Disarm(Ticket ticket);

  // "There is new work for this device / for every device": called by the
  // request handlers after their change is stored.
  void Wake(DeviceId device);
  void WakeAll();
  // With several nodes the store announces every committed change to every
  // node, this one included. From then on Wake and WakeAll do nothing and
  // only Deliver wakes, so one change wakes a device once, not twice (once
  // here, then again by the echo after it has parked anew).
  void TakeWakesFromStoreOnly();
  void Deliver(DeviceId device);
  void DeliverAll();
  // The client of this parked poll went away (its connection closed): ends
  // its wait now, and it no longer counts as parked.
  void Hangup(Ticket ticket);
  // Shutdown: wakes every parked device now and every later one at once.
  void Close();
  bool IsParked(DeviceId device) const;
  std::size_t parked() const;

 private:
  struct Waiter {
    std::uint64_t serial = 0;
    bool woken = false;
    bool hung_up = false;
    boost::asio::steady_timer* timer = nullptr;  // set while suspended
  };

  mutable std::mutex mu_;
  std::multimap<DeviceId, std::shared_ptr<Waiter>> waiters_;  // GUARDED_BY(mu_)
  std::uint64_t next_serial_ = 1;                             // GUARDED_BY(mu_)
  bool closed_ = false;                                       // GUARDED_BY(mu_)
  std::atomic<bool> store_delivers_{false};
};

}  // namespace openlaps::server

#endif  // OPENLAPS_SERVER_WAKE_HUB_H_
