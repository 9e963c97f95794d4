#include "store/postgres/scratch_database.h"

#include <libpq-fe.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <utility>

#include "store/postgres/connection.h"

namespace openlaps::store::postgres {
namespace {

// Quotes a conninfo value: single quotes, with ' and \ escaped.
std::string QuoteValue(std::string_view value) {
  std::string out = "'";
  for (char c : value) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  return out + "'";
}

std::string DatabaseName(std::string_view label) {
  static std::atomic<int> counter{0};
  std::string name = "openlaps_" + std::to_string(::getpid()) + "_" + std::to_string(++counter);
  name += '_';
  for (char c : label) {
    if (name.size() >= 63) break;  // PostgreSQL's identifier limit
    const unsigned char u = static_cast<unsigned char>(c);
    name += std::isalnum(u) ? static_cast<char>(std::tolower(u)) : '_';
  }
  return name;
}

}  // namespace

Result<std::string> ConninfoForDatabase(const std::string& conninfo, std::string_view dbname) {
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(conninfo.c_str(), &error);
  if (options == nullptr) {
    PQfreemem(error);  // may quote the string, password included
    return InvalidArgumentError("the PostgreSQL connection string cannot be parsed");
  }
  std::string out;
  for (PQconninfoOption* o = options; o->keyword != nullptr; ++o) {
    if (o->val == nullptr || std::string_view(o->keyword) == "dbname") continue;
    out += std::string(o->keyword) + "=" + QuoteValue(o->val) + " ";
  }
  PQconninfoFree(options);
  return out + "dbname=" + QuoteValue(dbname);
}

Result<std::string> RunSql(const std::string& conninfo, const std::string& sql) {
  pg_conn* conn = PQconnectdb(conninfo.c_str());
  if (PQstatus(conn) != CONNECTION_OK) {
    Status status = UnavailableError("cannot connect to " + DescribeConnection(conninfo));
    PQfinish(conn);
    return status;
  }
  PQsetNoticeProcessor(
      conn, [](void*, const char*) {}, nullptr);
  ResultPtr result(PQexec(conn, sql.c_str()));
  const ExecStatusType status = result ? PQresultStatus(result.get()) : PGRES_FATAL_ERROR;
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    // Tests want the server's words, e.g. the trigger's refusal.
    std::string message = PQerrorMessage(conn);
    PQfinish(conn);
    return FailedPreconditionError(message);
  }
  std::string value;
  if (status == PGRES_TUPLES_OK && PQntuples(result.get()) > 0 && PQnfields(result.get()) > 0) {
    value = PQgetvalue(result.get(), 0, 0);
  }
  result.reset();
  PQfinish(conn);
  return value;
}

Result<ScratchDatabase> ScratchDatabase::Create(const std::string& server_conninfo,
                                                std::string_view label) {
  std::string name = DatabaseName(label);
  OPENLAPS_RETURN_IF_ERROR(RunSql(server_conninfo, "CREATE DATABASE \"" + name + "\"").status());
  OPENLAPS_ASSIGN_OR_RETURN(std::string conninfo, ConninfoForDatabase(server_conninfo, name));
  return ScratchDatabase(server_conninfo, std::move(name), std::move(conninfo));
}

ScratchDatabase::ScratchDatabase(ScratchDatabase&& other) noexcept
    : server_conninfo_(std::exchange(other.server_conninfo_, std::string())),
      name_(std::move(other.name_)),
      conninfo_(std::move(other.conninfo_)) {}

ScratchDatabase::~ScratchDatabase() {
  if (server_conninfo_.empty()) return;
  // Best effort: the throw-away cluster goes anyway.
  (void)RunSql(server_conninfo_, "DROP DATABASE IF EXISTS \"" + name_ + "\" WITH (FORCE)");
}

}  // namespace openlaps::store::postgres
