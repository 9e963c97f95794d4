#include "server/config.h"

#include <toml++/toml.h>

#include <charconv>
#include <sstream>

namespace openlaps::server {
namespace {

using Setter = std::function<Status(ServerConfig&, const std::string&)>;

struct Option {
  std::string key;  // TOML key and flag name (--key); env LAPSD_KEY
  std::string help;
  Setter set;
};

Result<std::int64_t> ParseInt(const std::string& key, const std::string& text, std::int64_t min,
                              std::int64_t max) {
  std::int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < min || value > max) {
    return InvalidArgumentError(key + ": '" + text + "' is not a whole number from " +
                                std::to_string(min) + " to " + std::to_string(max));
  }
  return value;
}

Option IntOption(std::string key, std::string help, std::int64_t min, std::int64_t max,
                 std::function<void(ServerConfig&, std::int64_t)> assign) {
  return {key, std::move(help), [key, min, max, assign](ServerConfig& c, const std::string& v) {
            auto n = ParseInt(key, v, min, max);
            if (!n.ok()) return n.status();
            assign(c, *n);
            return Status::Ok();
          }};
}

Option SecondsOption(std::string key, std::string help, std::int64_t min, std::int64_t max,
                     std::chrono::seconds ServerConfig::*field) {
  return IntOption(
      std::move(key), std::move(help), min, max,
      [field](ServerConfig& c, std::int64_t n) { c.*field = std::chrono::seconds(n); });
}

Option StringOption(std::string key, std::string help,
                    std::function<void(ServerConfig&, const std::string&)> assign) {
  return {std::move(key), std::move(help), [assign](ServerConfig& c, const std::string& v) {
            assign(c, v);
            return Status::Ok();
          }};
}

const std::vector<Option>& Options() {
  static const std::vector<Option> kOptions = {
      StringOption("listen", "address to listen on",
                   [](ServerConfig& c, const std::string& v) { c.listen_address = v; }),
      IntOption("port", "TCP port (0 picks a free one)", 0, 65535,
                [](ServerConfig& c, std::int64_t n) { c.port = static_cast<std::uint16_t>(n); }),
      StringOption("data-dir", "directory for the database and keys",
                   [](ServerConfig& c, const std::string& v) { c.data_dir = v; }),
      StringOption("database", "SQLite database file",
                   [](ServerConfig& c, const std::string& v) { c.database = v; }),
      StringOption("database-url",
                   "PostgreSQL connection string; when set, used instead of the SQLite file",
                   [](ServerConfig& c, const std::string& v) { c.database_url = v; }),
      IntOption(
          "database-pool-size", "PostgreSQL connections per node", 1, 256,
          [](ServerConfig& c, std::int64_t n) { c.database_pool_size = static_cast<int>(n); }),
      StringOption("escrow-key", "escrow key file (0600)",
                   [](ServerConfig& c, const std::string& v) { c.escrow_key_file = v; }),
      StringOption("initial-admin-file", "where the first start writes the admin's credentials",
                   [](ServerConfig& c, const std::string& v) { c.initial_admin_file = v; }),
      StringOption("tls-cert", "TLS certificate chain (PEM)",
                   [](ServerConfig& c, const std::string& v) { c.tls_certificate = v; }),
      StringOption("tls-key", "TLS private key (PEM)",
                   [](ServerConfig& c, const std::string& v) { c.tls_private_key = v; }),
      {"public-url",
       "the URL clients reach lapsd at (behind a TLS proxy), for the links lapsd writes "
       "(@odata.nextLink); default: this listener's scheme and the request's Host",
       [](ServerConfig& c, const std::string& v) -> Status {
         const bool scheme = v.starts_with("https://") || v.starts_with("http://");
         const std::string_view rest = std::string_view(v).substr(v.find("://") + 3);
         if (!scheme || rest.empty() || rest.find_first_of("/?# ") != std::string_view::npos) {
           return InvalidArgumentError("public-url: '" + v +
                                       "' must be https://host[:port] (no path), as clients "
                                       "reach lapsd");
         }
         c.public_url = v;
         return Status::Ok();
       }},
      IntOption("threads", "I/O threads", 1, 256,
                [](ServerConfig& c, std::int64_t n) { c.threads = static_cast<int>(n); }),
      StringOption("log-level", "debug, info, warning or error",
                   [](ServerConfig& c, const std::string& v) { c.log_level = v; }),
      SecondsOption("online-grace",
                    "seconds a device stays online after its last check-in or long-poll", 1, 86400,
                    &ServerConfig::online_grace),
      // The old name of online-grace, still accepted.
      SecondsOption("online-window", "deprecated: online-grace", 1, 86400,
                    &ServerConfig::online_grace),
      SecondsOption("action-delivery-deadline",
                    "seconds an online device has to take up a rotation before it fails", 1, 86400,
                    &ServerConfig::action_delivery_deadline),
      SecondsOption("action-queue-expiry",
                    "seconds a queued rotation waits for its device before it expires", 1,
                    366 * 86400, &ServerConfig::action_queue_expiry),
      SecondsOption("action-finish-deadline",
                    "seconds a device has to finish a rotation it took up before it fails", 1,
                    86400, &ServerConfig::action_finish_deadline),
      SecondsOption("action-sweep-interval", "seconds between sweeps for overdue device actions", 1,
                    3600, &ServerConfig::action_sweep_interval),
      SecondsOption("checkin-interval", "seconds between agent check-ins", 1, 86400,
                    &ServerConfig::checkin_interval),
      SecondsOption("long-poll-max", "longest long-poll in seconds", 1, 3600,
                    &ServerConfig::long_poll_max),
      SecondsOption("max-clock-skew", "accepted device clock skew in seconds", 1, 3600,
                    &ServerConfig::max_clock_skew),
      SecondsOption("session-lifetime", "admin session token lifetime in seconds", 60, 2592000,
                    &ServerConfig::session_lifetime),
      StringOption("audit-checkpoint-file", "where the audit chain's head is checkpointed (0600)",
                   [](ServerConfig& c, const std::string& v) { c.audit_checkpoint_file = v; }),
      SecondsOption("audit-checkpoint-interval", "seconds between audit checkpoints", 1, 86400,
                    &ServerConfig::audit_checkpoint_interval),
      SecondsOption("unauthenticated-audit-interval",
                    "seconds over which unauthenticated failures share one audit row", 1, 86400,
                    &ServerConfig::unauthenticated_audit_interval),
      IntOption(
          "api-token-max-days", "longest API token lifetime in days", 1, 730,
          [](ServerConfig& c, std::int64_t n) { c.api_token_max_days = static_cast<int>(n); }),
      IntOption(
          "sign-in-max-failures", "failed sign-ins per account before a lockout", 1, 1000000,
          [](ServerConfig& c, std::int64_t n) { c.sign_in_max_failures = static_cast<int>(n); }),
      IntOption("sign-in-source-max-failures",
                "failed sign-ins per client address before a lockout", 1, 1000000,
                [](ServerConfig& c, std::int64_t n) {
                  c.sign_in_source_max_failures = static_cast<int>(n);
                }),
      SecondsOption("sign-in-failure-window", "seconds over which failed sign-ins are counted", 1,
                    86400, &ServerConfig::sign_in_failure_window),
      SecondsOption("sign-in-lockout", "seconds an account or address is locked out", 1, 86400,
                    &ServerConfig::sign_in_lockout),
      IntOption(
          "password-hash-threads", "threads that run Argon2id", 1, 64,
          [](ServerConfig& c, std::int64_t n) { c.password_hash_threads = static_cast<int>(n); }),
      IntOption(
          "password-hash-queue", "Argon2id jobs that may wait; more are refused (503)", 0, 100000,
          [](ServerConfig& c, std::int64_t n) { c.password_hash_queue = static_cast<int>(n); }),
      IntOption("reveal-limit", "password reveals per admin per reveal window", 1, 1000000,
                [](ServerConfig& c, std::int64_t n) { c.reveal_limit = static_cast<int>(n); }),
      SecondsOption("reveal-window", "seconds over which reveals are counted", 1, 86400,
                    &ServerConfig::reveal_window),
      IntOption(
          "history-size", "passwords kept in history when the policy sets none", 0, 12,
          [](ServerConfig& c, std::int64_t n) { c.default_history_size = static_cast<int>(n); }),
      IntOption("demo-fleet", "seed a demo fleet of this many devices", 0, 100000,
                [](ServerConfig& c, std::int64_t n) { c.demo_fleet = static_cast<int>(n); }),
      StringOption("port-file", "write the bound port to this file",
                   [](ServerConfig& c, const std::string& v) { c.print_port_file = v; }),
  };
  return kOptions;
}

const Option* FindOption(std::string_view key) {
  for (const Option& o : Options()) {
    if (o.key == key) return &o;
  }
  return nullptr;
}

std::string EnvName(const std::string& key) {
  std::string name = "LAPSD_";
  for (char c : key) name += c == '-' ? '_' : static_cast<char>(std::toupper(c));
  return name;
}

Status ApplyToml(ServerConfig& config, const std::string& path) {
  toml::table parsed;
  try {
    parsed = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    std::ostringstream msg;
    msg << "config file " << path << ": " << e.description() << " (line " << e.source().begin.line
        << ")";
    return InvalidArgumentError(msg.str());
  }
  for (auto&& [key, node] : parsed) {
    std::string name(key.str());
    const Option* option = FindOption(name);
    if (!option)
      return InvalidArgumentError("config file " + path + ": unknown key '" + name + "'");
    std::string text;
    if (auto s = node.template value<std::string>()) {
      text = *s;
    } else if (auto i = node.template value<std::int64_t>()) {
      text = std::to_string(*i);
    } else {
      return InvalidArgumentError("config file " + path + ": '" + name +
                                  "' must be a string or an integer");
    }
    OPENLAPS_RETURN_IF_ERROR(option->set(config, text));
  }
  return Status::Ok();
}

}  // namespace

Result<ServerConfig> LoadServerConfig(const std::vector<std::string>& args, const EnvLookup& env) {
  ServerConfig config;
  // Flags are read first only to find --config; they are applied last.
  std::vector<std::pair<const Option*, std::string>> flags;
  std::optional<std::string> config_file = env("LAPSD_CONFIG");
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg.rfind("--", 0) != 0) return InvalidArgumentError("unexpected argument '" + arg + "'");
    std::string name = arg.substr(2);
    std::optional<std::string> value;
    if (auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    }
    if (!value) {
      if (i + 1 >= args.size()) return InvalidArgumentError("--" + name + " needs a value");
      value = args[++i];
    }
    if (name == "config") {
      config_file = *value;
      continue;
    }
    const Option* option = FindOption(name);
    if (!option) return InvalidArgumentError("unknown flag --" + name);
    flags.emplace_back(option, *value);
  }
  if (config_file) OPENLAPS_RETURN_IF_ERROR(ApplyToml(config, *config_file));
  for (const Option& option : Options()) {
    if (auto value = env(EnvName(option.key))) {
      Status s = option.set(config, *value);
      if (!s.ok()) return InvalidArgumentError(EnvName(option.key) + ": " + s.message());
    }
  }
  for (const auto& [option, value] : flags) {
    Status s = option->set(config, value);
    if (!s.ok()) return InvalidArgumentError("--" + s.message());
  }
  if (config.database.empty()) config.database = config.data_dir / "lapsd.db";
  if (config.escrow_key_file.empty()) config.escrow_key_file = config.data_dir / "escrow.key";
  if (config.audit_checkpoint_file.empty()) {
    config.audit_checkpoint_file = config.data_dir / "audit-checkpoint.json";
  }
  if (config.initial_admin_file.empty()) {
    config.initial_admin_file = config.data_dir / "initial-admin.json";
  }
  if (config.tls_certificate.has_value() != config.tls_private_key.has_value()) {
    return InvalidArgumentError("TLS needs both tls-cert and tls-key");
  }
  return config;
}

std::string ServerUsage() {
  std::string usage =
      "usage: lapsd [--config FILE] [--KEY VALUE ...]\n\nKEYS (also LAPSD_KEY in the "
      "environment, or KEY = value in the TOML file):\n";
  for (const Option& o : Options()) usage += "  --" + o.key + "  " + o.help + "\n";
  return usage;
}

}  // namespace openlaps::server
