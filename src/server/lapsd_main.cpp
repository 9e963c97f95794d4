// lapsd: parses configuration and wires the store, LapsServer and the HTTP
// transport together; all logic lives in the server library.
#include <sys/stat.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "crypto/process_hygiene.h"
#include "http/server.h"
#include "server/action_sweeper.h"
#include "server/config.h"
#include "server/demo_fleet.h"
#include "server/laps_server.h"
#include "server/log.h"
#include "server/store_notifications.h"
#include "store/postgres/postgres_store.h"
#include "store/sqlite/sqlite_store.h"

namespace {

using namespace openlaps;  // NOLINT: a main file, not a header

int Fail(const Status& status) {
  std::fprintf(stderr, "lapsd: %s\n", status.ToString().c_str());
  return 1;
}

// The configuration from the command line and environment, with the log
// level set and the data directory made (private: umask 077).
Result<server::ServerConfig> Configure(const std::vector<std::string>& args) {
  auto config = server::LoadServerConfig(args, [](const std::string& name) {
    const char* value = std::getenv(name.c_str());
    return value ? std::optional<std::string>(value) : std::nullopt;
  });
  if (!config.ok()) return config.status();
  server::LogLevel level;
  if (!server::ParseLogLevel(config->log_level, &level)) {
    return InvalidArgumentError("log-level must be debug, info, warning or error");
  }
  server::SetLogLevel(level);

  ::umask(077);
  std::error_code ec;
  std::filesystem::create_directories(config->data_dir, ec);
  if (ec) return InternalError("cannot create " + config->data_dir.string() + ": " + ec.message());
  return config;
}

// Written then renamed, so a reader never sees half a port number.
void WritePortFile(const std::string& path, std::uint16_t port) {
  std::string tmp = path + ".tmp";
  std::ofstream(tmp) << port << "\n";
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
}

}  // namespace

int main(int argc, char** argv) {
  // The escrow key and revealed passwords: no core file, no dump.
  if (Status hardened = crypto::HardenProcess(); !hardened.ok()) return Fail(hardened);
  std::vector<std::string> args(argv + 1, argv + argc);
  if (!args.empty() && (args[0] == "--help" || args[0] == "-h")) {
    std::fputs(server::ServerUsage().c_str(), stdout);
    return 0;
  }
  auto config = Configure(args);
  if (!config.ok()) return Fail(config.status());

  const bool postgres = !config->database_url.empty();
  auto store = postgres ? store::OpenPostgresStore(config->database_url, config->database_pool_size)
                        : store::OpenSqliteStore(config->database);
  if (!store.ok()) return Fail(store.status());
  core::SystemClock clock;
  auto laps = server::LapsServer::Create(*config, std::move(store).value(), clock);
  if (!laps.ok()) return Fail(laps.status());
  if (config->demo_fleet > 0) {
    Status seeded = server::SeedDemoFleet((*laps)->store(), (*laps)->escrow_public_key(),
                                          config->demo_fleet, clock);
    if (!seeded.ok()) return Fail(seeded);
  }

  // Several nodes may share the database: wakes committed on any of them
  // reach the devices parked here. Stopped before the server is destroyed.
  std::unique_ptr<server::StoreNotifications> notifications;
  if (postgres) {
    auto started = server::StoreNotifications::Start(config->database_url, (*laps)->hub());
    if (!started.ok()) return Fail(started.status());
    notifications = std::move(started).value();
  }

  boost::asio::io_context io(config->threads);
  http::ServerOptions options;
  options.address = config->listen_address;
  options.port = config->port;
  options.tls_certificate = config->tls_certificate;
  options.tls_private_key = config->tls_private_key;
  server::LapsServer* handler = laps->get();
  auto http_server = http::HttpServer::Create(
      io, options, [handler](http::Request& r) { return handler->Handle(r); });
  if (!http_server.ok()) return Fail(http_server.status());
  (*http_server)->Start();
  std::uint16_t port = (*http_server)->port();
  if (!config->print_port_file.empty()) WritePortFile(config->print_port_file, port);
  server::LogInfo("lapsd listening",
                  {{"address", config->listen_address},
                   {"port", port},
                   {"tls", config->tls_certificate.has_value()},
                   {"database", postgres ? store::DescribePostgres(config->database_url)
                                         : config->database.string()}});

  handler->StartAuditWork(io);
  // Fails device actions whose deadline passed, on every node.
  server::ActionSweeper sweeper(io, *handler, config->action_sweep_interval);
  sweeper.Start();

  boost::asio::signal_set signals(io, SIGTERM, SIGINT);
  signals.async_wait([&](const boost::system::error_code&, int signal) {
    server::LogInfo("shutting down", {{"signal", signal}});
    sweeper.Stop();
    (*http_server)->Stop([&io] { io.stop(); });
    // Parked long-polls answer now so shutdown need not wait for them.
    handler->hub().Close();
  });

  std::vector<std::thread> threads;
  for (int i = 1; i < config->threads; ++i) threads.emplace_back([&io] { io.run(); });
  io.run();
  for (auto& t : threads) t.join();
  handler->FinishAuditWork();  // counted failures and the last checkpoint
  notifications.reset();
  server::LogInfo("lapsd stopped");
  return 0;
}
