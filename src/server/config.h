// lapsd configuration: defaults, then a TOML file (--config), then the
// environment (LAPSD_*), then flags; later sources win.
#ifndef OPENLAPS_SERVER_CONFIG_H_
#define OPENLAPS_SERVER_CONFIG_H_

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"

namespace openlaps::server {

struct ServerConfig {
  std::string listen_address = "127.0.0.1";
  std::uint16_t port = 8080;
  std::filesystem::path data_dir = "/var/lib/openlaps";
  std::filesystem::path database;  // default: data_dir/lapsd.db
  // PostgreSQL instead of the SQLite file when set: a libpq URI
  // ("postgresql://user@host/db") or key=value string. Never logged whole:
  // it may hold a password (prefer ~/.pgpass or PGPASSWORD).
  std::string database_url;
  int database_pool_size = 8;                // PostgreSQL connections per node
  std::filesystem::path escrow_key_file;     // default: data_dir/escrow.key
  std::filesystem::path initial_admin_file;  // default: data_dir/initial-admin.json
  std::optional<std::filesystem::path> tls_certificate;
  // scheme://host[:port] clients use; empty: from the listener and Host.
  std::string public_url;
  std::optional<std::filesystem::path> tls_private_key;
  int threads = 2;
  std::string log_level = "info";
  // A device is online while it holds a long-poll, or for this grace after
  // its last check-in or poll (about one re-arm gap), unless it said goodbye.
  std::chrono::seconds online_grace{45};
  // Device action deadlines (issue 17): a rotation the device has not taken
  // up within action_delivery_deadline (queued: action_queue_expiry) fails,
  // and one it took up fails if not done within action_finish_deadline.
  // Every node sweeps for overdue actions each action_sweep_interval.
  std::chrono::seconds action_delivery_deadline{60};
  std::chrono::seconds action_queue_expiry{7 * 24 * 60 * 60};
  std::chrono::seconds action_finish_deadline{10 * 60};
  std::chrono::seconds action_sweep_interval{5};
  std::chrono::seconds checkin_interval{60 * 60};  // told to agents
  std::chrono::seconds long_poll_max{300};
  std::chrono::seconds max_clock_skew{300};
  std::chrono::seconds session_lifetime{8 * 60 * 60};
  // Sign-in and reveal limits (docs/api.md, "Sign-in and revocation").
  int api_token_max_days = 90;           // the longest API token lifetime granted
  int sign_in_max_failures = 5;          // per account name, in one failure window
  int sign_in_source_max_failures = 20;  // per client address, in one failure window
  std::chrono::seconds sign_in_failure_window{15 * 60};
  std::chrono::seconds sign_in_lockout{15 * 60};  // refused this long once over a limit
  int password_hash_threads = 2;                  // the Argon2id pool, apart from the I/O threads
  int password_hash_queue = 16;  // waiting beyond the running ones; more is refused
  int reveal_limit = 30;         // password reveals per admin in one reveal window
  std::chrono::seconds reveal_window{10 * 60};
  // The audit chain's outside copy (server/audit_checkpoint.h): where, and
  // how often lapsd writes the head there and to its log (and at shutdown).
  std::filesystem::path audit_checkpoint_file;  // default: data_dir/audit-checkpoint.json
  std::chrono::seconds audit_checkpoint_interval{60};
  // Unauthenticated failures: one audit row per source and reason per interval.
  std::chrono::seconds unauthenticated_audit_interval{60};
  int default_history_size = 5;  // when ADEncryptedPasswordHistorySize is 0/unset
  int demo_fleet = 0;            // > 0: seed a demo fleet of this many devices
  std::string print_port_file;   // write the bound port here (tests use port 0)
};

using EnvLookup = std::function<std::optional<std::string>(const std::string&)>;

// InvalidArgument naming the bad flag, variable or key.
Result<ServerConfig> LoadServerConfig(const std::vector<std::string>& args, const EnvLookup& env);
std::string ServerUsage();

}  // namespace openlaps::server

#endif  // OPENLAPS_SERVER_CONFIG_H_
