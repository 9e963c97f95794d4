// Audit checkpoints: an outside copy of the audit chain's head (sequence and
// MAC), kept in a file beside the escrow key and in lapsd's log, so that
// removing the newest rows or replacing the table is detected even though
// the database itself then looks whole. Each checkpoint carries a MAC under
// the audit key: nobody without it can write one that lapsd accepts.
#ifndef OPENLAPS_SERVER_AUDIT_CHECKPOINT_H_
#define OPENLAPS_SERVER_AUDIT_CHECKPOINT_H_

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/status.h"
#include "store/audit_chain.h"

namespace openlaps::server {

struct AuditCheckpoint {
  store::AuditHead head;
  core::Timestamp time{};  // when it was taken
};

// One line of JSON: {"sequence","head","time","mac"} (hex MAC).
std::string FormatAuditCheckpoint(const store::AuditKey& key, const AuditCheckpoint& checkpoint);
// DataLoss when the text is malformed or its MAC is not the key's.
Result<AuditCheckpoint> ParseAuditCheckpoint(const store::AuditKey& key, std::string_view text);
// The MAC FormatAuditCheckpoint writes, for the log line.
std::string AuditCheckpointMac(const store::AuditKey& key, const AuditCheckpoint& checkpoint);

// nullopt when the file does not exist; DataLoss when it is not a valid
// checkpoint under `key`.
Result<std::optional<AuditCheckpoint>> ReadAuditCheckpointFile(const store::AuditKey& key,
                                                               const std::filesystem::path& path);
// Durable replacement (temporary file, fsync, rename, fsync of the
// directory), mode 0600.
Status WriteAuditCheckpointFile(const store::AuditKey& key, const std::filesystem::path& path,
                                const AuditCheckpoint& checkpoint);

}  // namespace openlaps::server

#endif  // OPENLAPS_SERVER_AUDIT_CHECKPOINT_H_
