#include "agent/rotation_journal.h"

#include <array>
#include <nlohmann/json.hpp>
#include <system_error>

#include "core/bounded_json.h"
#include "os/durable_file.h"

namespace openlaps::agent {

namespace {

constexpr int kJournalVersion = 1;
constexpr unsigned kJournalMode = 0600;

constexpr std::array<std::pair<RotationPhase, std::string_view>, 3> kPhaseNames = {{
    {RotationPhase::kJournaled, "journaled"},
    {RotationPhase::kEscrowed, "escrowed"},
    {RotationPhase::kSet, "set"},
}};

std::optional<RotationPhase> PhaseFromName(std::string_view name) {
  for (const auto& [phase, text] : kPhaseNames) {
    if (text == name) return phase;
  }
  return std::nullopt;
}

Status Corrupt(const std::filesystem::path& path, std::string_view why) {
  return DataLossError("rotation journal " + path.string() + " is unreadable: " + std::string(why));
}

}  // namespace

std::string_view RotationPhaseName(RotationPhase phase) {
  for (const auto& [p, text] : kPhaseNames) {
    if (p == phase) return text;
  }
  return "unknown";
}

RotationJournal::RotationJournal(const std::filesystem::path& state_dir)
    : path_(state_dir / "journal.json") {}

Result<std::optional<JournalEntry>> RotationJournal::Load() const {
  auto text = os::ReadWholeFile(path_, core::JsonLimits{}.max_bytes);
  if (!text.ok()) {
    if (text.status().IsNotFound()) return std::optional<JournalEntry>();
    return text.status();
  }
  nlohmann::json json = core::ParseBoundedJsonOrDiscarded(*text);
  if (!json.is_object()) return Corrupt(path_, "not a JSON object");
  // Not value("version", 0): it throws when the member is not a number.
  const auto version = json.find("version");
  if (version == json.end() || !version->is_number_integer() || *version != kJournalVersion) {
    return Corrupt(path_, "unknown version");
  }
  JournalEntry entry;
  try {
    entry.rotation_id = json.at("rotationId").get<std::string>();
    entry.account_name = json.at("accountName").get<std::string>();
    entry.account_sid = json.at("accountSid").get<std::string>();
    auto phase = PhaseFromName(json.at("phase").get<std::string>());
    if (!phase) return Corrupt(path_, "unknown phase");
    entry.phase = *phase;
    entry.started_at =
        core::Timestamp(std::chrono::seconds(json.at("startedAt").get<std::int64_t>()));
    auto sealed = crypto::Base64UrlDecode(json.at("sealedPassword").get<std::string>());
    if (!sealed.ok()) return Corrupt(path_, "sealedPassword is not base64url");
    entry.sealed_password = std::move(sealed).value();
    // Absent in journals written before Active Directory backup: lapsd.
    const std::int64_t directory = json.value("backupDirectory", std::int64_t{1});
    if (directory != static_cast<std::int64_t>(core::BackupDirectory::kCloud) &&
        directory != static_cast<std::int64_t>(core::BackupDirectory::kActiveDirectory)) {
      return Corrupt(path_, "unknown backupDirectory");
    }
    entry.directory = static_cast<core::BackupDirectory>(directory);
  } catch (const nlohmann::json::exception&) {
    return Corrupt(path_, "a field is missing or of the wrong type");
  }
  if (entry.rotation_id.empty() || entry.account_name.empty() || entry.sealed_password.empty()) {
    return Corrupt(path_, "a required field is empty");
  }
  return std::optional<JournalEntry>(std::move(entry));
}

Status RotationJournal::Write(const JournalEntry& entry) {
  nlohmann::json json = {
      {"version", kJournalVersion},
      {"rotationId", entry.rotation_id},
      {"accountName", entry.account_name},
      {"accountSid", entry.account_sid},
      {"sealedPassword", crypto::Base64UrlEncode(entry.sealed_password)},
      {"phase", RotationPhaseName(entry.phase)},
      {"startedAt", entry.started_at.time_since_epoch().count()},
      {"backupDirectory", static_cast<std::int64_t>(entry.directory)},
  };
  os::DurableWriteOptions options;
  options.mode = kJournalMode;
  return os::WriteFileDurably(path_, json.dump(2) + "\n", options);
}

Status RotationJournal::Clear() { return os::RemoveFileDurably(path_); }

Result<std::filesystem::path> RotationJournal::Quarantine(core::Timestamp now) {
  std::filesystem::path target =
      path_.string() + ".corrupt-" + std::to_string(now.time_since_epoch().count());
  std::error_code ec;
  std::filesystem::rename(path_, target, ec);
  if (ec) return UnavailableError("cannot move aside " + path_.string() + ": " + ec.message());
  return target;
}

}  // namespace openlaps::agent
