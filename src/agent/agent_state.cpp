#include "agent/agent_state.h"

#include <sys/stat.h>

#include <cerrno>
#include <nlohmann/json.hpp>

#include "core/bounded_json.h"
#include "core/policy_json.h"
#include "crypto/encoding.h"
#include "os/durable_file.h"

namespace openlaps::agent {

namespace {

constexpr unsigned kDirectoryMode = 0700;
constexpr unsigned kPrivateFileMode = 0600;
constexpr unsigned kGroupOtherBits = 077;
constexpr const char* kIdentityFile = "identity.json";
constexpr const char* kStateFile = "state.json";

// Overwrites the key strings of a JSON document before it is destroyed.
void ZeroStrings(nlohmann::json& json) {
  for (auto& [key, value] : json.items()) {
    if (value.is_string()) {
      auto& text = value.get_ref<std::string&>();
      core::SecureZero(text.data(), text.size());
    }
  }
}

std::string StringOr(const nlohmann::json& json, const char* name) {
  auto it = json.find(name);
  return it != json.end() && it->is_string() ? it->get<std::string>() : std::string();
}

template <std::size_t N>
bool DecodeArray(const nlohmann::json& json, const char* name, std::array<std::uint8_t, N>& out) {
  auto it = json.find(name);
  if (it == json.end() || !it->is_string()) return false;
  auto bytes = crypto::Base64UrlDecode(it->get<std::string>());
  if (!bytes.ok() || bytes->size() != N) return false;
  std::copy(bytes->begin(), bytes->end(), out.begin());
  return true;
}

bool DecodeSecret(const nlohmann::json& json, const char* name, std::size_t size,
                  core::SecretString& out) {
  auto it = json.find(name);
  if (it == json.end() || !it->is_string()) return false;
  auto bytes = crypto::Base64UrlDecode(it->get<std::string>());
  if (!bytes.ok() || bytes->size() != size) return false;
  out = core::SecretString(
      std::string_view(reinterpret_cast<const char*>(bytes->data()), bytes->size()));
  core::SecureZero(bytes->data(), bytes->size());
  return true;
}

nlohmann::json TimeOrNull(const std::optional<core::Timestamp>& t) {
  return t ? nlohmann::json(core::FormatUtc(*t)) : nlohmann::json(nullptr);
}

std::optional<core::Timestamp> TimeFrom(const nlohmann::json& json, const char* name) {
  auto it = json.find(name);
  if (it == json.end() || !it->is_string()) return std::nullopt;
  return core::ParseUtc(it->get<std::string>());
}

}  // namespace

Result<StateDirectory> StateDirectory::Open(std::filesystem::path dir) {
  if (::mkdir(dir.c_str(), kDirectoryMode) != 0 && errno != EEXIST) {
    return UnavailableError("cannot create state directory " + dir.string());
  }
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return FailedPreconditionError(dir.string() + " is not a directory");
  }
  if ((st.st_mode & kGroupOtherBits) != 0) {
    return FailedPreconditionError("state directory " + dir.string() +
                                   " must not be accessible to group or others (chmod 700)");
  }
  return StateDirectory(std::move(dir));
}

Status StateDirectory::SaveIdentity(const EnrolledIdentity& enrolled) {
  std::filesystem::path file = dir_ / kIdentityFile;
  std::error_code ec;
  if (std::filesystem::exists(file, ec)) {
    return AlreadyExistsError("this device is already enrolled (" + file.string() + ")");
  }
  const DeviceIdentity& id = enrolled.identity;
  nlohmann::json json = {
      {"version", 1},
      {"serverUrl", enrolled.server_url},
      {"deviceId", id.device_id},
      {"escrowPublicKey", crypto::Base64UrlEncode(id.escrow_public_key)},
      {"signPublicKey", crypto::Base64UrlEncode(id.signing.public_key)},
      {"signSecretKey", crypto::Base64UrlEncode(crypto::AsBytes(id.signing.secret_key.Reveal()))},
      {"boxPublicKey", crypto::Base64UrlEncode(id.box.public_key)},
      {"boxSecretKey", crypto::Base64UrlEncode(crypto::AsBytes(id.box.secret_key.Reveal()))}};
  std::string text = json.dump(2) + "\n";
  os::DurableWriteOptions options;
  options.mode = kPrivateFileMode;
  Status written = os::WriteFileDurably(file, text, options);
  core::SecureZero(text.data(), text.size());
  ZeroStrings(json);
  return written;
}

Result<EnrolledIdentity> StateDirectory::LoadIdentity() const {
  std::filesystem::path file = dir_ / kIdentityFile;
  struct stat st {};
  if (::stat(file.c_str(), &st) != 0) {
    return NotFoundError("not enrolled: no " + file.string() + " (run laps-agent enroll)");
  }
  if ((st.st_mode & kGroupOtherBits) != 0) {
    return FailedPreconditionError(file.string() + " must be readable by its owner only");
  }
  OPENLAPS_ASSIGN_OR_RETURN(std::string text,
                            os::ReadWholeFile(file, core::JsonLimits{}.max_bytes));
  nlohmann::json json = core::ParseBoundedJsonOrDiscarded(text);
  core::SecureZero(text.data(), text.size());
  EnrolledIdentity out;
  bool ok = json.is_object() && json.contains("serverUrl") && json["serverUrl"].is_string() &&
            json.contains("deviceId") && json["deviceId"].is_string();
  if (ok) {
    out.server_url = json["serverUrl"].get<std::string>();
    out.identity.device_id = json["deviceId"].get<std::string>();
    ok = DecodeArray(json, "escrowPublicKey", out.identity.escrow_public_key) &&
         DecodeArray(json, "signPublicKey", out.identity.signing.public_key) &&
         DecodeArray(json, "boxPublicKey", out.identity.box.public_key) &&
         DecodeSecret(json, "signSecretKey", crypto::kSignSecretKeySize,
                      out.identity.signing.secret_key) &&
         DecodeSecret(json, "boxSecretKey", crypto::kBoxSecretKeySize, out.identity.box.secret_key);
  }
  if (json.is_object()) ZeroStrings(json);
  if (!ok) return DataLossError(file.string() + " is malformed");
  return out;
}

Result<AgentState> StateDirectory::LoadState() const {
  std::filesystem::path file = dir_ / kStateFile;
  auto text = os::ReadWholeFile(file, core::JsonLimits{}.max_bytes);
  if (!text.ok()) {
    if (text.status().IsNotFound()) return AgentState{};
    return text.status();
  }
  nlohmann::json json = core::ParseBoundedJsonOrDiscarded(*text);
  if (!json.is_object()) return DataLossError(file.string() + " is malformed");
  AgentState state;
  if (auto it = json.find("appliedSettings"); it != json.end() && it->is_object()) {
    OPENLAPS_ASSIGN_OR_RETURN(state.applied_settings, core::PolicySettingsFromJson(*it));
  }
  // Not value(key, default): it throws when a member has another type.
  state.managed_account = StringOr(json, "managedAccount");
  state.last_rotation = TimeFrom(json, "lastRotation");
  state.last_rotation_id = StringOr(json, "lastRotationId");
  state.next_rotation = TimeFrom(json, "nextRotation");
  state.laps_state = StringOr(json, "lapsState");
  state.post_authentication_deadline = TimeFrom(json, "postAuthenticationDeadline");
  state.authentication_seen_until = TimeFrom(json, "authenticationSeenUntil");
  if (auto it = json.find("pendingPostAuthenticationActions");
      it != json.end() && it->is_number_integer()) {
    state.pending_post_authentication_actions = it->get<std::int64_t>();
  }
  return state;
}

Status StateDirectory::SaveState(const AgentState& state) {
  nlohmann::json json = {
      {"version", 1},
      {"appliedSettings", state.applied_settings
                              ? core::PolicySettingsToJson(*state.applied_settings)
                              : nlohmann::json(nullptr)},
      {"managedAccount", state.managed_account},
      {"lastRotation", TimeOrNull(state.last_rotation)},
      {"lastRotationId", state.last_rotation_id},
      {"nextRotation", TimeOrNull(state.next_rotation)},
      {"lapsState", state.laps_state},
      {"postAuthenticationDeadline", TimeOrNull(state.post_authentication_deadline)},
      {"authenticationSeenUntil", TimeOrNull(state.authentication_seen_until)},
      {"pendingPostAuthenticationActions", state.pending_post_authentication_actions}};
  os::DurableWriteOptions options;
  options.mode = kPrivateFileMode;
  return os::WriteFileDurably(dir_ / kStateFile, json.dump(2) + "\n", options);
}

}  // namespace openlaps::agent
