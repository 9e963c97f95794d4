#include "agent/device_client.h"

#include "core/bounded_json.h"
#include "crypto/encoding.h"
#include "crypto/request_signing.h"

namespace openlaps::agent {

namespace {
constexpr std::chrono::seconds kLongPollMargin{15};
// lapsd's answers to a device are a few KiB; anything past this is not lapsd.
constexpr core::JsonLimits kServerAnswerLimits{std::size_t{4} << 20, 64};
// Renew a session this long before it expires, so no request races expiry.
constexpr std::chrono::seconds kSessionRenewMargin{120};
}  // namespace

// The string member `name` of `object`, or nullopt when it is missing or
// not a string (get<std::string>() would throw).
std::optional<std::string> StringMember(const nlohmann::json& object, const char* name) {
  if (!object.is_object()) return std::nullopt;
  auto it = object.find(name);
  if (it == object.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

Status StatusFromHttp(const http::Response& response) {
  std::string message = "HTTP " + std::to_string(response.status);
  nlohmann::json body = core::ParseBoundedJsonOrDiscarded(response.body, kServerAnswerLimits);
  if (body.is_object() && body.contains("error")) {
    if (auto text = StringMember(body["error"], "message")) message = *text;
  }
  StatusCode code = StatusCode::kInternal;
  switch (response.status) {
    case 400:
      code = StatusCode::kInvalidArgument;
      break;
    case 401:
      code = StatusCode::kUnauthenticated;
      break;
    case 403:
      code = StatusCode::kPermissionDenied;
      break;
    case 404:
      code = StatusCode::kNotFound;
      break;
    case 409:
      code = StatusCode::kFailedPrecondition;
      break;
    case 429:
      code = StatusCode::kResourceExhausted;
      break;
    case 503:
      code = StatusCode::kUnavailable;
      break;
    default:
      code = response.status >= 500 ? StatusCode::kUnavailable : StatusCode::kInternal;
  }
  return Status(code, message);
}

DeviceClient::DeviceClient(std::unique_ptr<http::HttpClient> http, DeviceIdentity identity,
                           const core::Clock& clock)
    : http_(std::move(http)), identity_(std::move(identity)), clock_(clock) {}

Result<std::unique_ptr<DeviceClient>> DeviceClient::Enroll(std::string_view base_url,
                                                           const EnrollRequest& request,
                                                           const core::Clock& clock,
                                                           http::ClientOptions http_options) {
  OPENLAPS_ASSIGN_OR_RETURN(auto http, http::HttpClient::Create(base_url, std::move(http_options)));
  DeviceIdentity identity;
  identity.signing = crypto::SigningKeyPair::Generate();
  identity.box = crypto::BoxKeyPair::Generate();
  protocol::EnrollRequest body{request.token,
                               request.device_name,
                               request.platform,
                               request.os_version,
                               request.serial_number,
                               crypto::Base64UrlEncode(identity.signing.public_key),
                               crypto::Base64UrlEncode(identity.box.public_key)};
  http::Headers headers{{"Content-Type", "application/json"}};
  OPENLAPS_ASSIGN_OR_RETURN(http::Response response, http->Send("POST", protocol::kEnrollPath,
                                                                headers, body.ToJson().dump()));
  if (response.status != 201) return StatusFromHttp(response);
  auto answer = protocol::EnrollAnswer::FromJson(
      core::ParseBoundedJsonOrDiscarded(response.body, kServerAnswerLimits));
  if (!answer.ok()) return InternalError("lapsd's " + answer.status().message());
  identity.device_id = std::move(answer->device_id);
  auto escrow = crypto::Base64UrlDecode(answer->escrow_public_key);
  if (!escrow.ok() || escrow->size() != identity.escrow_public_key.size()) {
    return InternalError("lapsd's escrow key is malformed");
  }
  std::copy(escrow->begin(), escrow->end(), identity.escrow_public_key.begin());
  return std::unique_ptr<DeviceClient>(
      new DeviceClient(std::move(http), std::move(identity), clock));
}

Result<std::unique_ptr<DeviceClient>> DeviceClient::FromIdentity(std::string_view base_url,
                                                                 DeviceIdentity identity,
                                                                 const core::Clock& clock,
                                                                 http::ClientOptions http_options) {
  OPENLAPS_ASSIGN_OR_RETURN(auto http, http::HttpClient::Create(base_url, std::move(http_options)));
  return std::unique_ptr<DeviceClient>(
      new DeviceClient(std::move(http), std::move(identity), clock));
}

Result<nlohmann::json> DeviceClient::Send(std::string_view method, std::string_view target,
                                          const nlohmann::json& body,
                                          std::optional<std::chrono::milliseconds> timeout) {
  std::string text = body.is_null() ? std::string() : body.dump();
  if (!use_sessions_) return SendOnce(method, target, text, false, timeout);
  OPENLAPS_RETURN_IF_ERROR(EnsureSession());
  auto answer = SendOnce(method, target, text, true, timeout);
  if (answer.status().IsUnauthenticated()) {
    // lapsd refused before doing anything (restarted with a new secret, or
    // the session lapsed in flight): a fresh session and one more try is safe.
    session_.clear();
    OPENLAPS_RETURN_IF_ERROR(EnsureSession());
    answer = SendOnce(method, target, text, true, timeout);
  }
  return answer;
}

Status DeviceClient::EnsureSession() {
  if (!session_.empty() && clock_.Now() + kSessionRenewMargin < session_expires_) {
    return Status::Ok();
  }
  OPENLAPS_ASSIGN_OR_RETURN(nlohmann::json opened,
                            SendOnce("POST", protocol::kSessionPath, "{}", false, std::nullopt));
  auto answer = protocol::SessionAnswer::FromJson(opened);
  if (!answer.ok()) return InternalError("lapsd's " + answer.status().message());
  auto sealed = crypto::Base64UrlDecode(answer->sealed_key);
  if (!sealed.ok()) return InternalError("lapsd's session key is malformed");
  OPENLAPS_ASSIGN_OR_RETURN(core::SecretString key, crypto::Open(identity_.box, *sealed));
  if (key.size() != crypto::kSessionKeySize) {
    return InternalError("lapsd's session key has the wrong size");
  }
  session_ = std::move(answer->session);
  session_expires_ = answer->expires_at;
  session_key_ = std::move(key);
  return Status::Ok();
}

Result<nlohmann::json> DeviceClient::SendOnce(std::string_view method, std::string_view target,
                                              const std::string& text, bool with_session,
                                              std::optional<std::chrono::milliseconds> timeout) {
  std::int64_t now = clock_.Now().time_since_epoch().count();
  http::Headers headers{{std::string(crypto::kDeviceIdHeader), identity_.device_id}};
  if (with_session) {
    crypto::MacHeaders mac =
        crypto::MacRequest(crypto::AsBytes(session_key_.Reveal()), method, target, now, text);
    headers[std::string(crypto::kSessionHeader)] = session_;
    headers[std::string(crypto::kTimestampHeader)] = mac.timestamp;
    headers[std::string(crypto::kNonceHeader)] = mac.nonce;
    headers[std::string(crypto::kMacHeader)] = mac.mac;
  } else {
    crypto::SignedHeaders sig = crypto::SignRequest(identity_.signing, method, target, now, text);
    headers[std::string(crypto::kTimestampHeader)] = sig.timestamp;
    headers[std::string(crypto::kNonceHeader)] = sig.nonce;
    headers[std::string(crypto::kSignatureHeader)] = sig.signature;
  }
  if (!text.empty()) headers["Content-Type"] = "application/json";
  OPENLAPS_ASSIGN_OR_RETURN(http::Response response,
                            http_->Send(method, target, headers, text, timeout));
  if (response.status < 200 || response.status >= 300) return StatusFromHttp(response);
  if (response.body.empty()) return nlohmann::json::object();
  nlohmann::json answer = core::ParseBoundedJsonOrDiscarded(response.body, kServerAnswerLimits);
  if (answer.is_discarded()) return InternalError("lapsd answered with malformed JSON");
  return answer;
}

Result<nlohmann::json> DeviceClient::Checkin(const nlohmann::json& state) {
  auto answer =
      Send("POST", protocol::kCheckinPath, state.is_null() ? nlohmann::json::object() : state);
  if (answer.ok()) {
    if (auto read = protocol::CheckinAnswer::FromJson(*answer); read.ok()) {
      policy_epoch_ = read->policy_epoch;
    }
  }
  return answer;
}

Result<protocol::CheckinAnswer> DeviceClient::SendCheckin(const protocol::CheckinRequest& request) {
  OPENLAPS_ASSIGN_OR_RETURN(nlohmann::json raw, Checkin(request.ToJson()));
  auto answer = protocol::CheckinAnswer::FromJson(raw);
  if (!answer.ok()) return InternalError("lapsd's " + answer.status().message());
  return answer;
}

Result<nlohmann::json> DeviceClient::EscrowPending(std::string_view rotation_id,
                                                   std::string_view account, std::string_view sid,
                                                   const core::SecretString& password) {
  crypto::Bytes sealed = crypto::Seal(identity_.escrow_public_key, password.Reveal());
  protocol::CredentialRequest request{protocol::CredentialPhase::kPending,
                                      std::string(rotation_id),
                                      std::string(account),
                                      std::string(sid),
                                      crypto::Base64UrlEncode(sealed),
                                      1};
  return Send("POST", protocol::kCredentialsPath, request.ToJson());
}

Result<nlohmann::json> DeviceClient::RecordDirectoryRotation(std::string_view rotation_id,
                                                             std::string_view account,
                                                             std::string_view sid) {
  protocol::CredentialRequest request{
      protocol::CredentialPhase::kPending,
      std::string(rotation_id),
      std::string(account),
      std::string(sid),
      "",
      static_cast<std::int64_t>(core::BackupDirectory::kActiveDirectory)};
  return Send("POST", protocol::kCredentialsPath, request.ToJson());
}

Result<nlohmann::json> DeviceClient::Commit(std::string_view rotation_id) {
  protocol::CredentialRequest request;
  request.phase = protocol::CredentialPhase::kCommit;
  request.rotation_id = rotation_id;
  return Send("POST", protocol::kCredentialsPath, request.ToJson());
}

Result<nlohmann::json> DeviceClient::Abandon(std::string_view rotation_id) {
  protocol::CredentialRequest request;
  request.phase = protocol::CredentialPhase::kAbandon;
  request.rotation_id = rotation_id;
  return Send("POST", protocol::kCredentialsPath, request.ToJson());
}

Status DeviceClient::Goodbye(std::chrono::milliseconds timeout) {
  return Send("POST", protocol::kGoodbyePath, nlohmann::json::object(), timeout).status();
}

Result<nlohmann::json> DeviceClient::WaitForActions(int wait_seconds) {
  auto timeout = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::seconds(wait_seconds) + kLongPollMargin);
  return Send("GET", protocol::ActionsQuery{wait_seconds, policy_epoch_}.Target(), nullptr,
              timeout);
}

Result<nlohmann::json> DeviceClient::ReportAction(std::string_view action_id,
                                                  const protocol::ActionReport& report) {
  return Send("POST", protocol::ActionReportPath(action_id), report.ToJson());
}

}  // namespace openlaps::agent
