// LapsdProcess: runs a real lapsd in a child process on a temporary data
// directory and port 0, learns its port from its "lapsd listening" log
// line, keeps its log for assertions, and stops it with SIGTERM.
//
// The store: SQLite in the data directory, unless OPENLAPS_TEST_PG_URL names
// a PostgreSQL server; then each data directory gets a fresh database of its
// own (the same one again when a test restarts lapsd on that directory),
// passed as --database-url. Passing --database-url in `extra_args` instead
// points several lapsd nodes at one database.
#ifndef OPENLAPS_TESTS_SUPPORT_LAPSD_PROCESS_H_
#define OPENLAPS_TESTS_SUPPORT_LAPSD_PROCESS_H_

#include <sys/types.h>

#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "core/status.h"
#include "http/client.h"

namespace openlaps::testing {

class LapsdProcess {
 public:
  LapsdProcess(std::filesystem::path binary, std::filesystem::path data_dir,
               std::vector<std::string> extra_args = {});
  ~LapsdProcess();

  Status Start();  // waits until it listens (or exits)
  int Stop();      // SIGTERM, waits; returns the exit code
  void Kill();     // SIGKILL, waits

  std::uint16_t port() const { return port_; }
  pid_t pid() const { return pid_; }  // -1 when not running
  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::string Log() const;
  const std::filesystem::path& data_dir() const { return data_dir_; }
  // The PostgreSQL connection string lapsd uses; empty on SQLite.
  const std::string& database_url() const { return database_url_; }
  bool on_postgres() const { return !database_url_.empty(); }
  // Runs SQL on lapsd's database from outside, as an operator could (the
  // caller writes it in the dialect of on_postgres()).
  Status ExecSql(const std::string& sql) const;

 private:
  void ReadLog(int fd);

  std::filesystem::path binary_;
  std::filesystem::path data_dir_;
  std::vector<std::string> extra_args_;
  std::string database_url_;
  Status database_status_;  // why the PostgreSQL database could not be made
  pid_t pid_ = -1;
  std::uint16_t port_ = 0;
  std::thread reader_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::string log_;         // GUARDED_BY(mu_)
  bool listening_ = false;  // GUARDED_BY(mu_)
  bool exited_ = false;     // GUARDED_BY(mu_)
};

// An admin session against lapsd's admin API.
class AdminSession {
 public:
  static Result<std::unique_ptr<AdminSession>> Login(const std::string& base_url,
                                                     const std::string& user,
                                                     const std::string& password);
  static Result<std::unique_ptr<AdminSession>> LoginInitial(const std::string& base_url,
                                                            const std::filesystem::path& data_dir);

  // Returns the HTTP status and parsed body (null when empty).
  struct Reply {
    int status = 0;
    nlohmann::json body;
    http::Headers headers;
  };
  Reply Call(const std::string& method, const std::string& target,
             const nlohmann::json& body = nullptr);
  // As Call, with the body sent as given (JSON too deep to build, or not
  // JSON at all) and extra request headers.
  Reply CallRaw(const std::string& method, const std::string& target, const std::string& body,
                const http::Headers& extra_headers = {});

 private:
  std::unique_ptr<http::HttpClient> http_;
  std::string token_;
};

}  // namespace openlaps::testing

#endif  // OPENLAPS_TESTS_SUPPORT_LAPSD_PROCESS_H_
