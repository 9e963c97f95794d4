#include "server/wake_hub.h"

#include <algorithm>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <utility>
#include <vector>

namespace openlaps::server {

namespace asio = boost::asio;

WakeHub::Ticket WakeHub::Arm(DeviceId device) {
  std::lock_guard<std::mutex> lock(mu_);
  auto waiter = std::make_shared<Waiter>();
  waiter->serial = next_serial_++;
  waiter->woken = closed_;
  waiters_.emplace(device, waiter);
  return {device, waiter->serial};
}

asio::awaitable<bool> WakeHub::Wait(Ticket ticket, std::chrono::seconds timeout) {
  auto executor = co_await asio::this_coro::executor;
  asio::steady_timer timer(executor, timeout);
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto range = waiters_.equal_range(ticket.device);
    for (auto it = range.first; it != range.second; ++it) {
      if (it->second->serial != ticket.serial) continue;
      if (it->second->woken || it->second->hung_up) co_return it->second->woken;
      it->second->timer = &timer;
    }
  }
  // Cancelled by Wake (operation_aborted) or expired; both end the wait.
  boost::system::error_code ignored;
  co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
  std::lock_guard<std::mutex> lock(mu_);
  auto range = waiters_.equal_range(ticket.device);
  for (auto it = range.first; it != range.second; ++it) {
    if (it->second->serial == ticket.serial) {
      it->second->timer = nullptr;
      co_return it->second->woken;
    }
  }
  co_return false;
}

void WakeHub::Disarm(Ticket ticket) {
  std::lock_guard<std::mutex> lock(mu_);
  auto range = waiters_.equal_range(ticket.device);
  for (auto it = range.first; it != range.second; ++it) {
    if (it->second->serial == ticket.serial) {
      waiters_.erase(it);
      return;
    }
  }
}

void WakeHub::Wake(DeviceId device) {
  if (!store_delivers_) Deliver(device);
}

void WakeHub::WakeAll() {
  if (!store_delivers_) DeliverAll();
}

void WakeHub::TakeWakesFromStoreOnly() { store_delivers_ = true; }

void WakeHub::Deliver(DeviceId device) {
  std::lock_guard<std::mutex> lock(mu_);
  auto range = waiters_.equal_range(device);
  for (auto it = range.first; it != range.second; ++it) {
    it->second->woken = true;
    // Cancel on the timer's own executor, under the lock, so the timer is
    // still alive (Wait clears the pointer under the lock before it ends).
    if (asio::steady_timer* timer = it->second->timer) {
      asio::post(timer->get_executor(), [this, waiter = it->second] {
        std::lock_guard<std::mutex> inner(mu_);
        if (waiter->timer) waiter->timer->cancel();
      });
    }
  }
}

void WakeHub::Hangup(Ticket ticket) {
  std::lock_guard<std::mutex> lock(mu_);
  auto range = waiters_.equal_range(ticket.device);
  for (auto it = range.first; it != range.second; ++it) {
    if (it->second->serial != ticket.serial) continue;
    it->second->hung_up = true;
    if (asio::steady_timer* timer = it->second->timer) {
      asio::post(timer->get_executor(), [this, waiter = it->second] {
        std::lock_guard<std::mutex> inner(mu_);
        if (waiter->timer) waiter->timer->cancel();
      });
    }
  }
}

void WakeHub::DeliverAll() {
  std::vector<DeviceId> devices;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [device, waiter] : waiters_) devices.push_back(device);
  }
  for (DeviceId d : devices) Deliver(d);
}

void WakeHub::Close() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    closed_ = true;
  }
  DeliverAll();
}

bool WakeHub::IsParked(DeviceId device) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto range = waiters_.equal_range(device);
  return std::any_of(range.first, range.second, [](const auto& w) { return !w.second->hung_up; });
}

std::size_t WakeHub::parked() const {
  std::lock_guard<std::mutex> lock(mu_);
  return waiters_.size();
}

}  // namespace openlaps::server
