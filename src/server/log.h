// Structured logs: one JSON object per line on stderr. Callers pass only
// non-secret fields; nothing here knows how to print a SecretString.
// Thread-safe.
#ifndef OPENLAPS_SERVER_LOG_H_
#define OPENLAPS_SERVER_LOG_H_

#include <nlohmann/json.hpp>
#include <string_view>

namespace openlaps::server {

enum class LogLevel { kDebug, kInfo, kWarning, kError };

void SetLogLevel(LogLevel level);
// True when a message at `level` would be written; lets hot paths skip
// building fields nobody reads.
bool LogEnabled(LogLevel level);
bool ParseLogLevel(std::string_view text, LogLevel* level);
void Log(LogLevel level, std::string_view message,
         nlohmann::json fields = nlohmann::json::object());

inline void LogInfo(std::string_view m, nlohmann::json f = nlohmann::json::object()) {
  Log(LogLevel::kInfo, m, std::move(f));
}
inline void LogWarning(std::string_view m, nlohmann::json f = nlohmann::json::object()) {
  Log(LogLevel::kWarning, m, std::move(f));
}
inline void LogError(std::string_view m, nlohmann::json f = nlohmann::json::object()) {
  Log(LogLevel::kError, m, std::move(f));
}

}  // namespace openlaps::server

#endif  // OPENLAPS_SERVER_LOG_H_
