#include "server/action_sweeper.h"

#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>

namespace openlaps::server {

ActionSweeper::ActionSweeper(boost::asio::io_context& io, LapsServer& server,
                             std::chrono::seconds interval)
    : server_(server), interval_(interval), timer_(boost::asio::make_strand(io)) {}

// The io_context has stopped by now; the timer's destructor cancels the wait.
ActionSweeper::~ActionSweeper() { stopped_ = true; }

void ActionSweeper::Start() {
  boost::asio::post(timer_.get_executor(), [this] { Arm(); });
}

void ActionSweeper::Stop() {
  stopped_ = true;
  boost::asio::post(timer_.get_executor(), [this] { timer_.cancel(); });
}

void ActionSweeper::Arm() {
  if (stopped_) return;
  timer_.expires_after(interval_);
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec || stopped_) return;
    server_.SweepOverdueActions();
    Arm();
  });
}

}  // namespace openlaps::server
