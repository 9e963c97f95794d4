#include "server/config.h"

#include <gtest/gtest.h>

#include <fstream>
#include <map>

#include "testing/status_matchers.h"

namespace openlaps::server {
namespace {

EnvLookup EnvFrom(std::map<std::string, std::string> vars) {
  return [vars](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

TEST(ConfigTest, DefaultsDeriveFilesFromDataDir) {
  ASSERT_OK_AND_ASSIGN(ServerConfig c, LoadServerConfig({"--data-dir", "/tmp/x"}, EnvFrom({})));
  EXPECT_EQ(c.database, "/tmp/x/lapsd.db");
  EXPECT_EQ(c.escrow_key_file, "/tmp/x/escrow.key");
  EXPECT_EQ(c.port, 8080);
}

TEST(ConfigTest, FlagsBeatEnvironmentWhichBeatsTheFile) {
  std::string path = ::testing::TempDir() + "/lapsd_config_test.toml";
  std::ofstream(path) << "port = 1000\nthreads = 3\nlog-level = \"debug\"\n";
  ASSERT_OK_AND_ASSIGN(ServerConfig c,
                       LoadServerConfig({"--config", path, "--port=3000"},
                                        EnvFrom({{"LAPSD_PORT", "2000"}, {"LAPSD_THREADS", "4"}})));
  EXPECT_EQ(c.port, 3000);
  EXPECT_EQ(c.threads, 4);
  EXPECT_EQ(c.log_level, "debug");
}

TEST(ConfigTest, DatabaseUrlSelectsPostgresFromAnySource) {
  ASSERT_OK_AND_ASSIGN(ServerConfig sqlite, LoadServerConfig({}, EnvFrom({})));
  EXPECT_TRUE(sqlite.database_url.empty());  // SQLite stays the default
  std::string path = ::testing::TempDir() + "/lapsd_pg_config_test.toml";
  std::ofstream(path) << "database-url = \"postgresql://lapsd@db1/laps\"\n"
                      << "database-pool-size = 4\n";
  ASSERT_OK_AND_ASSIGN(ServerConfig file, LoadServerConfig({"--config", path}, EnvFrom({})));
  EXPECT_EQ(file.database_url, "postgresql://lapsd@db1/laps");
  EXPECT_EQ(file.database_pool_size, 4);
  ASSERT_OK_AND_ASSIGN(
      ServerConfig env,
      LoadServerConfig({"--config", path},
                       EnvFrom({{"LAPSD_DATABASE_URL", "postgresql://lapsd@db2/laps"}})));
  EXPECT_EQ(env.database_url, "postgresql://lapsd@db2/laps");
  ASSERT_OK_AND_ASSIGN(ServerConfig flag,
                       LoadServerConfig({"--database-url", "host=db3 dbname=laps"}, EnvFrom({})));
  EXPECT_EQ(flag.database_url, "host=db3 dbname=laps");
  EXPECT_FALSE(LoadServerConfig({"--database-pool-size", "0"}, EnvFrom({})).ok());
}

TEST(ConfigTest, SignInAndRevealLimitsHaveSafeDefaultsAndCanBeSet) {
  ASSERT_OK_AND_ASSIGN(ServerConfig d, LoadServerConfig({}, EnvFrom({})));
  EXPECT_EQ(d.api_token_max_days, 90);
  EXPECT_EQ(d.sign_in_max_failures, 5);
  EXPECT_EQ(d.reveal_limit, 30);
  EXPECT_EQ(d.reveal_window, std::chrono::seconds(600));
  std::string path = ::testing::TempDir() + "/lapsd_limits_test.toml";
  std::ofstream(path) << "api-token-max-days = 7\nsign-in-lockout = 60\n";
  ASSERT_OK_AND_ASSIGN(ServerConfig c,
                       LoadServerConfig({"--config", path, "--password-hash-threads", "3"},
                                        EnvFrom({{"LAPSD_SIGN_IN_SOURCE_MAX_FAILURES", "9"},
                                                 {"LAPSD_PASSWORD_HASH_QUEUE", "0"}})));
  EXPECT_EQ(c.api_token_max_days, 7);
  EXPECT_EQ(c.sign_in_lockout, std::chrono::seconds(60));
  EXPECT_EQ(c.password_hash_threads, 3);
  EXPECT_EQ(c.password_hash_queue, 0);
  EXPECT_EQ(c.sign_in_source_max_failures, 9);
  // 730 days was the uncapped lifetime; nothing longer is configurable.
  EXPECT_FALSE(LoadServerConfig({"--api-token-max-days", "731"}, EnvFrom({})).ok());
  EXPECT_FALSE(LoadServerConfig({"--password-hash-threads", "0"}, EnvFrom({})).ok());
}

TEST(ConfigTest, BadInputsNameTheCulprit) {
  auto bad_flag = LoadServerConfig({"--nope", "1"}, EnvFrom({}));
  EXPECT_NE(bad_flag.status().message().find("--nope"), std::string::npos);
  auto bad_port = LoadServerConfig({"--port", "70000"}, EnvFrom({}));
  EXPECT_NE(bad_port.status().message().find("port"), std::string::npos);
  auto bad_env = LoadServerConfig({}, EnvFrom({{"LAPSD_THREADS", "zero"}}));
  EXPECT_NE(bad_env.status().message().find("LAPSD_THREADS"), std::string::npos);
  auto half_tls = LoadServerConfig({"--tls-cert", "/c.pem"}, EnvFrom({}));
  EXPECT_TRUE(half_tls.status().IsInvalidArgument());
  for (const char* url : {"laps.example.com", "https://", "https://laps.example.com/graph",
                          "ftp://laps.example.com"}) {
    auto bad_url = LoadServerConfig({"--public-url", url}, EnvFrom({}));
    EXPECT_NE(bad_url.status().message().find("public-url"), std::string::npos) << url;
  }
  ASSERT_OK_AND_ASSIGN(
      ServerConfig proxied,
      LoadServerConfig({"--public-url", "https://laps.example.com:8443"}, EnvFrom({})));
  EXPECT_EQ(proxied.public_url, "https://laps.example.com:8443");
  std::string path = ::testing::TempDir() + "/lapsd_bad.toml";
  std::ofstream(path) << "port = [1,2]\n";
  EXPECT_TRUE(LoadServerConfig({"--config", path}, EnvFrom({})).status().IsInvalidArgument());
}

}  // namespace
}  // namespace openlaps::server
