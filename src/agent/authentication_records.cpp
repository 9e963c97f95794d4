#include "agent/authentication_records.h"

#include <nlohmann/json.hpp>

#include "core/bounded_json.h"
#include "os/durable_file.h"

namespace openlaps::agent {

namespace {
constexpr const char* kMarkFile = "last-authentication.json";
constexpr unsigned kPrivateFileMode = 0600;
}  // namespace

Status WriteAuthenticationMark(const std::filesystem::path& state_dir,
                               const AuthenticationMark& mark) {
  nlohmann::json json = {{"account", mark.account}, {"at", core::FormatUtc(mark.at)}};
  os::DurableWriteOptions options;
  options.mode = kPrivateFileMode;
  return os::WriteFileDurably(state_dir / kMarkFile, json.dump() + "\n", options);
}

Result<std::optional<AuthenticationMark>> ReadAuthenticationMark(
    const std::filesystem::path& state_dir) {
  auto text = os::ReadWholeFile(state_dir / kMarkFile, core::JsonLimits{}.max_bytes);
  if (!text.ok()) {
    if (text.status().IsNotFound()) return std::optional<AuthenticationMark>();
    return text.status();
  }
  nlohmann::json json = core::ParseBoundedJsonOrDiscarded(*text);
  std::optional<core::Timestamp> at;
  if (json.is_object() && json.contains("at") && json["at"].is_string()) {
    at = core::ParseUtc(json["at"].get<std::string>());
  }
  if (!at || !json.contains("account") || !json["account"].is_string()) {
    return DataLossError((state_dir / kMarkFile).string() + " is malformed");
  }
  return std::optional<AuthenticationMark>(
      AuthenticationMark{json["account"].get<std::string>(), *at});
}

Result<bool> NotifyAuthentication(const std::filesystem::path& state_dir,
                                  std::string_view managed_account, std::string_view pam_user,
                                  std::string_view pam_type, core::Timestamp now) {
  if (pam_type != "open_session" && pam_type != "account") return false;
  if (pam_user.empty() || pam_user != managed_account) return false;
  OPENLAPS_RETURN_IF_ERROR(
      WriteAuthenticationMark(state_dir, AuthenticationMark{std::string(pam_user), now}));
  return true;
}

std::optional<core::Timestamp> LastAuthentication(const std::filesystem::path& state_dir,
                                                  const std::filesystem::path& root,
                                                  std::string_view account) {
  std::optional<core::Timestamp> last;
  if (auto mark = ReadAuthenticationMark(state_dir);
      mark.ok() && mark->has_value() && (*mark)->account == account) {
    last = (*mark)->at;
  }
  if (root.empty()) return last;
  if (auto login = LastRecordedLogin(root, account); login.ok() && login->has_value()) {
    if (!last || **login > *last) last = **login;
  }
  return last;
}

}  // namespace openlaps::agent
