#include "server/audit_checkpoint.h"

#include <nlohmann/json.hpp>

#include "core/bounded_json.h"
#include "crypto/encoding.h"
#include "crypto/hashing.h"
#include "os/durable_file.h"

namespace openlaps::server {
namespace {

// Part of every checkpoint MAC: keeps it from ever equalling a row's MAC.
constexpr std::string_view kCheckpointDomain = "openlaps-audit-checkpoint-v1";
constexpr std::size_t kMaxCheckpointBytes = 4096;

}  // namespace

std::string AuditCheckpointMac(const store::AuditKey& key, const AuditCheckpoint& checkpoint) {
  std::string message(kCheckpointDomain);
  message += '\n' + std::to_string(checkpoint.head.sequence) + '\n' + checkpoint.head.hash + '\n' +
             std::to_string(checkpoint.time.time_since_epoch().count());
  return crypto::HexEncode(crypto::Blake2bMac(key, crypto::AsBytes(message)));
}

std::string FormatAuditCheckpoint(const store::AuditKey& key, const AuditCheckpoint& checkpoint) {
  nlohmann::json json = {{"sequence", checkpoint.head.sequence},
                         {"head", checkpoint.head.hash},
                         {"time", checkpoint.time.time_since_epoch().count()},
                         {"mac", AuditCheckpointMac(key, checkpoint)}};
  return json.dump() + "\n";
}

Result<AuditCheckpoint> ParseAuditCheckpoint(const store::AuditKey& key, std::string_view text) {
  nlohmann::json json = core::ParseBoundedJsonOrDiscarded(text);
  if (!json.is_object() || !json["sequence"].is_number_integer() || !json["head"].is_string() ||
      !json["time"].is_number_integer() || !json["mac"].is_string()) {
    return DataLossError("the audit checkpoint is malformed");
  }
  AuditCheckpoint checkpoint;
  checkpoint.head.sequence = json["sequence"].get<std::int64_t>();
  checkpoint.head.hash = json["head"].get<std::string>();
  checkpoint.time = core::Timestamp(std::chrono::seconds(json["time"].get<std::int64_t>()));
  if (checkpoint.head.sequence < 0 ||
      !crypto::ConstantTimeEquals(AuditCheckpointMac(key, checkpoint),
                                  json["mac"].get<std::string>())) {
    return DataLossError("the audit checkpoint's MAC does not verify (forged, or another key)");
  }
  return checkpoint;
}

Result<std::optional<AuditCheckpoint>> ReadAuditCheckpointFile(const store::AuditKey& key,
                                                               const std::filesystem::path& path) {
  // A checkpoint is one short line; anything longer is not one.
  Result<std::string> text = os::ReadWholeFile(path, kMaxCheckpointBytes);
  if (text.status().code() == StatusCode::kNotFound) return std::optional<AuditCheckpoint>();
  if (text.status().code() == StatusCode::kFailedPrecondition) {
    return DataLossError(path.string() + ": the audit checkpoint is malformed");
  }
  if (!text.ok()) return text.status();
  Result<AuditCheckpoint> parsed = ParseAuditCheckpoint(key, *text);
  if (!parsed.ok()) return DataLossError(path.string() + ": " + parsed.status().message());
  return std::optional<AuditCheckpoint>(std::move(parsed).value());
}

Status WriteAuditCheckpointFile(const store::AuditKey& key, const std::filesystem::path& path,
                                const AuditCheckpoint& checkpoint) {
  return os::WriteFileDurably(path, FormatAuditCheckpoint(key, checkpoint));
}

}  // namespace openlaps::server
