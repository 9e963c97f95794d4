#include "server/audit_checkpoint.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/bounded_json.h"
#include "crypto/encoding.h"
#include "crypto/hashing.h"

namespace openlaps::server {
namespace {

// Part of every checkpoint MAC: keeps it from ever equalling a row's MAC.
constexpr std::string_view kCheckpointDomain = "openlaps-audit-checkpoint-v1";

Status WriteAll(int fd, std::string_view content, const std::filesystem::path& path) {
  std::size_t written = 0;
  while (written < content.size()) {
    ssize_t n = ::write(fd, content.data() + written, content.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      return InternalError("cannot write " + path.string() + ": " + std::strerror(errno));
    }
    written += static_cast<std::size_t>(n);
  }
  return Status::Ok();
}

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
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::error_code ec;
    if (!std::filesystem::exists(path, ec) && !ec) return std::optional<AuditCheckpoint>();
    return InternalError("cannot read " + path.string());
  }
  // A checkpoint is one short line; anything longer is not one.
  std::string text(4096, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  Result<AuditCheckpoint> parsed = ParseAuditCheckpoint(key, text);
  if (!parsed.ok()) return DataLossError(path.string() + ": " + parsed.status().message());
  return std::optional<AuditCheckpoint>(std::move(parsed).value());
}

Status WriteAuditCheckpointFile(const store::AuditKey& key, const std::filesystem::path& path,
                                const AuditCheckpoint& checkpoint) {
  const std::filesystem::path temp = path.string() + ".tmp";
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return InternalError("cannot create " + temp.string() + ": " + std::strerror(errno));
  ::fchmod(fd, 0600);
  Status written = WriteAll(fd, FormatAuditCheckpoint(key, checkpoint), temp);
  if (written.ok() && ::fsync(fd) != 0) {
    written = InternalError("cannot fsync " + temp.string() + ": " + std::strerror(errno));
  }
  ::close(fd);
  if (written.ok() && ::rename(temp.c_str(), path.c_str()) != 0) {
    written = InternalError("cannot rename " + temp.string() + ": " + std::strerror(errno));
  }
  if (!written.ok()) {
    ::unlink(temp.c_str());
    return written;
  }
  std::filesystem::path dir = path.parent_path();
  if (dir.empty()) dir = ".";
  int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd >= 0) {
    ::fsync(dir_fd);
    ::close(dir_fd);
  }
  return Status::Ok();
}

}  // namespace openlaps::server
