// lapsd: parses configuration and wires the store, LapsServer and the HTTP
// transport together; all logic lives in the server library.
#include <sys/stat.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "crypto/process_hygiene.h"
#include "demo/demo_fleet.h"
#include "http/server.h"
#include "os/durable_file.h"
#include "server/action_sweeper.h"
#include "server/config.h"
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

Result<server::ServerConfig> LoadConfig(const std::vector<std::string>& args) {
  OPENLAPS_ASSIGN_OR_RETURN(server::ServerConfig config,
                            server::LoadServerConfig(args, [](const std::string& name) {
                              const char* value = std::getenv(name.c_str());
                              return value ? std::optional<std::string>(value) : std::nullopt;
                            }));
  server::LogLevel level;
  if (!server::ParseLogLevel(config.log_level, &level)) {
    return InvalidArgumentError("log-level must be debug, info, warning or error");
  }
  server::SetLogLevel(level);
  return config;
}

// The store the configuration names, the server over it, and the demo fleet
// when asked for one.
Result<std::unique_ptr<server::LapsServer>> OpenServer(const server::ServerConfig& config,
                                                       const core::Clock& clock) {
  ::umask(077);
  std::error_code ec;
  std::filesystem::create_directories(config.data_dir, ec);
  if (ec) return InternalError("cannot create " + config.data_dir.string() + ": " + ec.message());
  OPENLAPS_ASSIGN_OR_RETURN(
      auto store, config.database_url.empty()
                      ? store::OpenSqliteStore(config.database)
                      : store::OpenPostgresStore(config.database_url, config.database_pool_size));
  OPENLAPS_ASSIGN_OR_RETURN(auto laps, server::LapsServer::Create(config, std::move(store), clock));
  if (config.demo_fleet > 0) {
    OPENLAPS_ASSIGN_OR_RETURN(
        int seeded,
        demo::SeedDemoFleet(laps->store(), laps->escrow_public_key(), config.demo_fleet, clock));
    if (seeded > 0) server::LogInfo("seeded a demo fleet", {{"devices", seeded}});
  }
  return laps;
}

// Serves on config.threads threads until SIGTERM or SIGINT, then drains.
Status Serve(const server::ServerConfig& config, server::LapsServer& laps) {
  const bool postgres = !config.database_url.empty();
  // Several nodes may share the database: wakes committed on any of them
  // reach the devices parked here. Stopped before the server is destroyed.
  std::unique_ptr<server::StoreNotifications> notifications;
  if (postgres) {
    OPENLAPS_ASSIGN_OR_RETURN(notifications,
                              server::StoreNotifications::Start(config.database_url, laps.hub()));
  }

  boost::asio::io_context io(config.threads);
  http::ServerOptions options;
  options.address = config.listen_address;
  options.port = config.port;
  options.tls_certificate = config.tls_certificate;
  options.tls_private_key = config.tls_private_key;
  OPENLAPS_ASSIGN_OR_RETURN(
      auto http_server,
      http::HttpServer::Create(io, options, [&laps](http::Request& r) { return laps.Handle(r); }));
  http_server->Start();
  std::uint16_t port = http_server->port();
  if (!config.print_port_file.empty()) {
    os::DurableWriteOptions readable;
    readable.mode = 0644;
    OPENLAPS_RETURN_IF_ERROR(
        os::WriteFileDurably(config.print_port_file, std::to_string(port) + "\n", readable));
  }
  server::LogInfo("lapsd listening",
                  {{"address", config.listen_address},
                   {"port", port},
                   {"tls", config.tls_certificate.has_value()},
                   {"database", postgres ? store::DescribePostgres(config.database_url)
                                         : config.database.string()}});

  laps.StartAuditWork(io);
  // Fails device actions whose deadline passed, on every node.
  server::ActionSweeper sweeper(io, laps, config.action_sweep_interval);
  sweeper.Start();

  boost::asio::signal_set signals(io, SIGTERM, SIGINT);
  signals.async_wait([&](const boost::system::error_code&, int signal) {
    server::LogInfo("shutting down", {{"signal", signal}});
    sweeper.Stop();
    http_server->Stop([&io] { io.stop(); });
    // Parked long-polls answer now so shutdown need not wait for them.
    laps.hub().Close();
  });

  std::vector<std::thread> threads;
  for (int i = 1; i < config.threads; ++i) threads.emplace_back([&io] { io.run(); });
  io.run();
  for (auto& t : threads) t.join();
  laps.FinishAuditWork();  // counted failures and the last checkpoint
  notifications.reset();
  return Status::Ok();
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
  auto config = LoadConfig(args);
  if (!config.ok()) return Fail(config.status());
  core::SystemClock clock;
  auto laps = OpenServer(*config, clock);
  if (!laps.ok()) return Fail(laps.status());
  if (Status served = Serve(*config, **laps); !served.ok()) return Fail(served);
  server::LogInfo("lapsd stopped");
  return 0;
}
