#include "store/postgres/connection.h"

#include <libpq-fe.h>

#include <charconv>
#include <memory>
#include <span>
#include <utility>

namespace openlaps::store::postgres {
namespace {

// SQLSTATE classes whose primary message names only objects (constraints,
// tables, our own RAISE text), never a value that was bound.
bool MessageIsSafe(std::string_view sqlstate) {
  static constexpr std::string_view kSafeClasses[] = {"23", "P0", "40", "08", "53", "57", "25"};
  for (std::string_view safe : kSafeClasses) {
    if (sqlstate.substr(0, 2) == safe) return true;
  }
  return false;
}

std::string_view Field(const pg_result* result, int field) {
  const char* value = result == nullptr ? nullptr : PQresultErrorField(result, field);
  return value == nullptr ? std::string_view() : std::string_view(value);
}

}  // namespace

void ResultDeleter::operator()(pg_result* result) const { PQclear(result); }

std::string DescribeConnection(const std::string& conninfo) {
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(conninfo.c_str(), &error);
  if (options == nullptr) {
    PQfreemem(error);  // may quote the string
    return "postgresql (unparsable connection string)";
  }
  std::string host, port, dbname;
  for (PQconninfoOption* o = options; o->keyword != nullptr; ++o) {
    if (o->val == nullptr) continue;
    const std::string_view keyword = o->keyword;
    if (keyword == "host") host = o->val;
    if (keyword == "port") port = o->val;
    if (keyword == "dbname") dbname = o->val;
  }
  PQconninfoFree(options);
  return "postgresql host=" + (host.empty() ? std::string("(default)") : host) +
         " port=" + (port.empty() ? std::string("(default)") : port) +
         " dbname=" + (dbname.empty() ? std::string("(default)") : dbname);
}

std::string NumberPlaceholders(std::string_view sql) {
  std::string out;
  out.reserve(sql.size() + 16);
  int next = 1;
  for (std::size_t i = 0; i < sql.size(); ++i) {
    if (sql[i] != '?') {
      out += sql[i];
      continue;
    }
    out += '$';
    if (i + 1 < sql.size() && sql[i + 1] >= '0' && sql[i + 1] <= '9') continue;  // ?N
    out += std::to_string(next++);
  }
  return out;
}

Status PostgresError(const pg_result* result, const pg_conn* conn, std::string_view context) {
  std::string message(context);
  const std::string_view sqlstate = Field(result, PG_DIAG_SQLSTATE);
  if (sqlstate.empty()) {
    // No server answer: the connection failed. libpq's text names the host,
    // never the password.
    message += ": ";
    message += conn != nullptr ? PQerrorMessage(conn) : "no connection";
    while (!message.empty() && message.back() == '\n') message.pop_back();
    return UnavailableError(std::move(message));
  }
  message += ": SQLSTATE ";
  message += sqlstate;
  if (MessageIsSafe(sqlstate)) {
    message += ": ";
    message += Field(result, PG_DIAG_MESSAGE_PRIMARY);
  }
  if (sqlstate == "23505") return AlreadyExistsError(std::move(message));
  if (sqlstate.substr(0, 2) == "23" || sqlstate.substr(0, 2) == "P0") {
    return FailedPreconditionError(std::move(message));
  }
  if (sqlstate == "40001" || sqlstate == "40P01")
    return Status(StatusCode::kAborted, std::move(message));
  if (sqlstate.substr(0, 2) == "08" || sqlstate.substr(0, 2) == "57" ||
      sqlstate.substr(0, 2) == "53") {
    return UnavailableError(std::move(message));
  }
  return InternalError(std::move(message));
}

// --- Cursor ---

// Parameters are sent as text, except bytea in binary; results come as text.
class Cursor final : public sql::Cursor {
 public:
  Cursor(Connection* connection, std::string name)
      : connection_(connection), name_(std::move(name)) {}

  void BindInt(std::int64_t value) override { Add(std::to_string(value), kText); }
  void BindText(std::string_view text) override { Add(std::string(text), kText); }
  void BindBlob(std::span<const std::uint8_t> blob) override {
    Add(std::string(blob.begin(), blob.end()), kBinary);
  }
  void BindNull() override { Add(std::nullopt, kText); }

  Result<bool> Step() override {
    if (!result_) {
      OPENLAPS_ASSIGN_OR_RETURN(result_, connection_->Execute(name_, values_, formats_));
    }
    ++row_;
    return row_ < PQntuples(result_.get());
  }

  std::int64_t Int(int column) const override {
    const char* text = Value(column);
    std::int64_t value = 0;
    std::from_chars(text, text + PQgetlength(result_.get(), row_, column), value);
    return value;
  }
  std::string Text(int column) const override {
    return std::string(Value(column), PQgetlength(result_.get(), row_, column));
  }
  std::vector<std::uint8_t> Blob(int column) const override {
    // bytea text is hex ("\x0a1b...").
    std::size_t length = 0;
    unsigned char* raw =
        PQunescapeBytea(reinterpret_cast<const unsigned char*>(Value(column)), &length);
    if (raw == nullptr) return {};
    std::vector<std::uint8_t> out(raw, raw + length);
    PQfreemem(raw);
    return out;
  }
  bool IsNull(int column) const override { return PQgetisnull(result_.get(), row_, column) != 0; }

 private:
  static constexpr int kText = 0;
  static constexpr int kBinary = 1;

  void Add(std::optional<std::string> value, int format) {
    values_.push_back(std::move(value));
    formats_.push_back(format);
  }
  const char* Value(int column) const { return PQgetvalue(result_.get(), row_, column); }

  Connection* connection_;
  std::string name_;  // of the server-side prepared statement
  std::vector<std::optional<std::string>> values_;
  std::vector<int> formats_;
  ResultPtr result_;
  int row_ = -1;
};

// --- Connection ---

Result<std::unique_ptr<Connection>> Connection::Open(const std::string& conninfo) {
  pg_conn* conn = PQconnectdb(conninfo.c_str());
  if (conn == nullptr) return UnavailableError("cannot allocate a PostgreSQL connection");
  std::unique_ptr<Connection> connection(new Connection(conn));
  if (PQstatus(conn) != CONNECTION_OK) {
    return PostgresError(nullptr, conn, "cannot connect to " + DescribeConnection(conninfo));
  }
  // Notices (e.g. "relation already exists, skipping") are not our log.
  PQsetNoticeProcessor(
      conn, [](void*, const char*) {}, nullptr);
  OPENLAPS_RETURN_IF_ERROR(connection->ExecScript(
      "SET TIME ZONE 'UTC'; SET client_min_messages = warning", "session settings"));
  return connection;
}

Connection::~Connection() { PQfinish(conn_); }

bool Connection::IsHealthy() const {
  return PQstatus(conn_) == CONNECTION_OK && PQtransactionStatus(conn_) == PQTRANS_IDLE;
}

Result<sql::Statement> Connection::Prepare(std::string_view sql) {
  auto found = prepared_.find(std::string(sql));
  if (found != prepared_.end()) {
    return sql::Statement(std::make_unique<Cursor>(this, found->second));
  }
  std::string name = "s" + std::to_string(prepared_.size() + 1);
  const std::string numbered = NumberPlaceholders(sql);
  ResultPtr result(PQprepare(conn_, name.c_str(), numbered.c_str(), 0, nullptr));
  if (!result || PQresultStatus(result.get()) != PGRES_COMMAND_OK) {
    return PostgresError(result.get(), conn_, "prepare");
  }
  prepared_.emplace(std::string(sql), name);
  return sql::Statement(std::make_unique<Cursor>(this, std::move(name)));
}

Status Connection::ExecScript(std::string_view sql, std::string_view context) {
  ResultPtr result(PQexec(conn_, std::string(sql).c_str()));
  const ExecStatusType status = result ? PQresultStatus(result.get()) : PGRES_FATAL_ERROR;
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    return PostgresError(result.get(), conn_, context);
  }
  return Status::Ok();
}

Result<ResultPtr> Connection::Execute(const std::string& name,
                                      const std::vector<std::optional<std::string>>& values,
                                      const std::vector<int>& formats) {
  std::vector<const char*> pointers;
  std::vector<int> lengths;
  pointers.reserve(values.size());
  lengths.reserve(values.size());
  for (const std::optional<std::string>& value : values) {
    pointers.push_back(value ? value->data() : nullptr);
    lengths.push_back(value ? static_cast<int>(value->size()) : 0);
  }
  ResultPtr result(PQexecPrepared(conn_, name.c_str(), static_cast<int>(values.size()),
                                  pointers.data(), lengths.data(), formats.data(),
                                  /*resultFormat=*/0));
  const ExecStatusType status = result ? PQresultStatus(result.get()) : PGRES_FATAL_ERROR;
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    return PostgresError(result.get(), conn_, "query");
  }
  changes_ = 0;
  const char* tuples = PQcmdTuples(result.get());
  if (tuples != nullptr && *tuples != '\0') {
    std::from_chars(tuples, tuples + std::char_traits<char>::length(tuples), changes_);
  }
  return result;
}

}  // namespace openlaps::store::postgres
