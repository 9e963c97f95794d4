// ActionSweeper: on every lapsd node, a periodic timer on the io_context
// that calls LapsServer::SweepOverdueActions, so device actions whose
// delivery or finish deadline passed fail (issue 17). The deadlines live in
// the store: they survive restarts, and the store's one atomic sweep makes
// several nodes fail each action once.
//
// Start and Stop from any thread; destroy before the io_context.
#ifndef OPENLAPS_SERVER_ACTION_SWEEPER_H_
#define OPENLAPS_SERVER_ACTION_SWEEPER_H_

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>

#include "server/laps_server.h"

namespace openlaps::server {

class ActionSweeper {
 public:
  ActionSweeper(boost::asio::io_context& io, LapsServer& server, std::chrono::seconds interval);
  ActionSweeper(const ActionSweeper&) = delete;
  ActionSweeper& operator=(const ActionSweeper&) = delete;
  ~ActionSweeper();

  void Start();  // first sweep after one interval
  void Stop();   // no sweep starts after this returns

 private:
  void Arm();

  LapsServer& server_;
  std::chrono::seconds interval_;
  boost::asio::steady_timer timer_;
  std::atomic<bool> stopped_{false};
};

}  // namespace openlaps::server

#endif  // OPENLAPS_SERVER_ACTION_SWEEPER_H_
