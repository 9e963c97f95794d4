#include "support/lapsd_process.h"

#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>

#include "store/postgres/scratch_database.h"

namespace openlaps::testing {
namespace {

// One PostgreSQL database per data directory for the life of the test
// process, so a restarted lapsd finds what it stored.
Result<std::string> DatabaseFor(const std::filesystem::path& data_dir) {
  static std::mutex mu;
  static std::map<std::filesystem::path, std::unique_ptr<store::postgres::ScratchDatabase>>
      databases;
  const char* server = std::getenv("OPENLAPS_TEST_PG_URL");
  if (server == nullptr || *server == '\0') return std::string();
  std::lock_guard<std::mutex> lock(mu);
  auto found = databases.find(data_dir);
  if (found != databases.end()) return found->second->conninfo();
  OPENLAPS_ASSIGN_OR_RETURN(
      store::postgres::ScratchDatabase database,
      store::postgres::ScratchDatabase::Create(server, data_dir.filename().string()));
  auto owned = std::make_unique<store::postgres::ScratchDatabase>(std::move(database));
  std::string conninfo = owned->conninfo();
  databases.emplace(data_dir, std::move(owned));
  return conninfo;
}

}  // namespace

LapsdProcess::LapsdProcess(std::filesystem::path binary, std::filesystem::path data_dir,
                           std::vector<std::string> extra_args)
    : binary_(std::move(binary)),
      data_dir_(std::move(data_dir)),
      extra_args_(std::move(extra_args)) {
  auto given = std::find(extra_args_.begin(), extra_args_.end(), "--database-url");
  if (given != extra_args_.end() && given + 1 != extra_args_.end()) {
    database_url_ = *(given + 1);
    return;
  }
  Result<std::string> made = DatabaseFor(data_dir_);
  if (!made.ok()) {
    database_status_ = made.status();
    return;
  }
  database_url_ = *made;
  if (!database_url_.empty())
    extra_args_.insert(extra_args_.end(), {"--database-url", database_url_});
}

LapsdProcess::~LapsdProcess() {
  if (pid_ > 0) Kill();
}

Status LapsdProcess::Start() {
  OPENLAPS_RETURN_IF_ERROR(database_status_);
  int fds[2];
  if (::pipe(fds) != 0) return InternalError("pipe failed");
  std::vector<std::string> args = {
      binary_.string(), "--data-dir", data_dir_.string(), "--port", "0", "--threads", "2"};
  args.insert(args.end(), extra_args_.begin(), extra_args_.end());
  {
    std::lock_guard<std::mutex> lock(mu_);
    listening_ = false;
    exited_ = false;
  }
  pid_ = ::fork();
  if (pid_ < 0) return InternalError("fork failed");
  if (pid_ == 0) {
    ::dup2(fds[1], STDERR_FILENO);
    ::close(fds[0]);
    ::close(fds[1]);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(fds[1]);
  if (reader_.joinable()) reader_.join();
  reader_ = std::thread([this, fd = fds[0]] { ReadLog(fd); });
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [this] { return listening_ || exited_; });
  if (!listening_) return InternalError("lapsd did not start:\n" + log_);
  return Status::Ok();
}

void LapsdProcess::ReadLog(int fd) {
  std::string pending;
  char buffer[4096];
  while (true) {
    ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n <= 0) break;
    std::lock_guard<std::mutex> lock(mu_);
    log_.append(buffer, static_cast<std::size_t>(n));
    pending.append(buffer, static_cast<std::size_t>(n));
    std::size_t newline;
    while ((newline = pending.find('\n')) != std::string::npos) {
      std::string line = pending.substr(0, newline);
      pending.erase(0, newline + 1);
      nlohmann::json parsed = nlohmann::json::parse(line, nullptr, false);
      if (parsed.is_object() && parsed.value("msg", "") == "lapsd listening") {
        port_ = parsed.value("port", 0);
        listening_ = true;
        cv_.notify_all();
      }
    }
  }
  ::close(fd);
  std::lock_guard<std::mutex> lock(mu_);
  exited_ = true;
  cv_.notify_all();
}

int LapsdProcess::Stop() {
  if (pid_ <= 0) return -1;
  ::kill(pid_, SIGTERM);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
  if (reader_.joinable()) reader_.join();
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

void LapsdProcess::Kill() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, nullptr, 0);
  pid_ = -1;
  if (reader_.joinable()) reader_.join();
}

Status LapsdProcess::ExecSql(const std::string& sql) const {
  if (on_postgres()) return store::postgres::RunSql(database_url_, sql).status();
  sqlite3* db = nullptr;
  if (sqlite3_open((data_dir_ / "lapsd.db").c_str(), &db) != SQLITE_OK) {
    sqlite3_close(db);
    return UnavailableError("cannot open lapsd.db");
  }
  char* error = nullptr;
  const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error);
  Status status =
      rc == SQLITE_OK ? Status::Ok() : FailedPreconditionError(error != nullptr ? error : "failed");
  sqlite3_free(error);
  sqlite3_close(db);
  return status;
}

std::string LapsdProcess::Log() const {
  std::lock_guard<std::mutex> lock(mu_);
  return log_;
}

Result<std::unique_ptr<AdminSession>> AdminSession::Login(const std::string& base_url,
                                                          const std::string& user,
                                                          const std::string& password) {
  auto session = std::make_unique<AdminSession>();
  OPENLAPS_ASSIGN_OR_RETURN(session->http_, http::HttpClient::Create(base_url));
  Reply reply =
      session->Call("POST", "/api/v1/login", {{"userName", user}, {"password", password}});
  if (reply.status != 200) return UnauthenticatedError("login failed: " + reply.body.dump());
  session->token_ = reply.body["access_token"];
  return session;
}

Result<std::unique_ptr<AdminSession>> AdminSession::LoginInitial(
    const std::string& base_url, const std::filesystem::path& data_dir) {
  std::ifstream in(data_dir / "initial-admin.json");
  std::stringstream text;
  text << in.rdbuf();
  nlohmann::json creds = nlohmann::json::parse(text.str(), nullptr, false);
  if (!creds.is_object()) return NotFoundError("no initial-admin.json");
  return Login(base_url, creds["userName"], creds["password"]);
}

AdminSession::Reply AdminSession::Call(const std::string& method, const std::string& target,
                                       const nlohmann::json& body) {
  return CallRaw(method, target, body.is_null() ? std::string() : body.dump());
}

AdminSession::Reply AdminSession::CallRaw(const std::string& method, const std::string& target,
                                          const std::string& body,
                                          const http::Headers& extra_headers) {
  http::Headers headers = extra_headers;
  if (!token_.empty()) headers["Authorization"] = "Bearer " + token_;
  if (!body.empty()) headers["Content-Type"] = "application/json";
  auto response = http_->Send(method, target, headers, body);
  Reply reply;
  if (!response.ok()) {
    reply.status = -1;
    reply.body = response.status().ToString();
    return reply;
  }
  reply.status = response->status;
  reply.headers = response->headers;
  if (!response->body.empty()) reply.body = nlohmann::json::parse(response->body, nullptr, false);
  return reply;
}

}  // namespace openlaps::testing
