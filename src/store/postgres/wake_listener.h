// WakeListener: the receiving end of the wake notifications PostgresStore's
// triggers send (channel openlaps_wake, on commit, to every lapsd node on
// the database). A dedicated connection LISTENs on its own thread and calls
// the handlers; when the connection drops it reconnects with back-off and
// calls `everyone`, since notifications sent meanwhile are lost.
//
// Thread safety: the handlers run on the listener's thread and must be
// thread-safe; destruction stops and joins that thread.
#ifndef OPENLAPS_STORE_POSTGRES_WAKE_LISTENER_H_
#define OPENLAPS_STORE_POSTGRES_WAKE_LISTENER_H_

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "core/status.h"
#include "store/model.h"

namespace openlaps::store {

struct WakeHandlers {
  std::function<void(Id device)> device;  // the device has new work or policy
  std::function<void()> everyone;         // any device may, or wakes were missed
};

class WakeListener {
 public:
  // Connects and LISTENs before returning, so a wake committed after Start
  // returns is not missed; Unavailable when the server cannot be reached.
  static Result<std::unique_ptr<WakeListener>> Start(const std::string& conninfo,
                                                     WakeHandlers handlers);
  WakeListener(const WakeListener&) = delete;
  WakeListener& operator=(const WakeListener&) = delete;
  ~WakeListener();

  // How many times the connection was re-established (tests, logs).
  int reconnects() const { return reconnects_.load(); }

 private:
  struct Impl;
  explicit WakeListener(std::unique_ptr<Impl> impl);
  void Run();

  std::unique_ptr<Impl> impl_;
  std::atomic<int> reconnects_{0};
  std::thread thread_;
};

}  // namespace openlaps::store

#endif  // OPENLAPS_STORE_POSTGRES_WAKE_LISTENER_H_
