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
  nlohmann::json body = {{"enrollmentToken", request.token},
                         {"deviceName", request.device_name},
                         {"platform", request.platform},
                         {"osVersion", request.os_version},
                         {"serialNumber", request.serial_number},
                         {"signPublicKey", crypto::Base64UrlEncode(identity.signing.public_key)},
                         {"boxPublicKey", crypto::Base64UrlEncode(identity.box.public_key)}};
  http::Headers headers{{"Content-Type", "application/json"}};
  OPENLAPS_ASSIGN_OR_RETURN(http::Response response,
                            http->Send("POST", "/device/v1/enroll", headers, body.dump()));
  if (response.status != 201) return StatusFromHttp(response);
  nlohmann::json answer = core::ParseBoundedJsonOrDiscarded(response.body, kServerAnswerLimits);
  std::optional<std::string> device_id = StringMember(answer, "deviceId");
  std::optional<std::string> escrow_text = StringMember(answer, "escrowPublicKey");
  if (!device_id || !escrow_text) return InternalError("lapsd's enrollment answer is malformed");
  identity.device_id = std::move(*device_id);
  auto escrow = crypto::Base64UrlDecode(*escrow_text);
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
                            SendOnce("POST", "/device/v1/session", "{}", false, std::nullopt));
  std::optional<std::string> session = StringMember(opened, "session");
  std::optional<std::string> sealed_text = StringMember(opened, "sealedKey");
  std::optional<std::string> expires_text = StringMember(opened, "expiresAt");
  if (!session || !sealed_text || !expires_text) {
    return InternalError("lapsd's session answer is malformed");
  }
  auto sealed = crypto::Base64UrlDecode(*sealed_text);
  if (!sealed.ok()) return InternalError("lapsd's session key is malformed");
  OPENLAPS_ASSIGN_OR_RETURN(core::SecretString key, crypto::Open(identity_.box, *sealed));
  auto expires = core::ParseUtc(*expires_text);
  if (!expires || key.size() != crypto::kSessionKeySize) {
    return InternalError("lapsd's session answer is malformed");
  }
  session_ = std::move(*session);
  session_expires_ = *expires;
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
      Send("POST", "/device/v1/checkin", state.is_null() ? nlohmann::json::object() : state);
  if (answer.ok()) {
    auto epoch = answer->find("policyEpoch");
    if (epoch != answer->end() && epoch->is_number_integer())
      policy_epoch_ = epoch->get<std::int64_t>();
  }
  return answer;
}

Result<nlohmann::json> DeviceClient::EscrowPending(std::string_view rotation_id,
                                                   std::string_view account, std::string_view sid,
                                                   const core::SecretString& password) {
  crypto::Bytes sealed = crypto::Seal(identity_.escrow_public_key, password.Reveal());
  return Send("POST", "/device/v1/credentials",
              {{"phase", "pending"},
               {"rotationId", rotation_id},
               {"accountName", account},
               {"accountSid", sid},
               {"sealedPassword", crypto::Base64UrlEncode(sealed)},
               {"backupDirectory", 1}});
}

Result<nlohmann::json> DeviceClient::Commit(std::string_view rotation_id) {
  return Send("POST", "/device/v1/credentials", {{"phase", "commit"}, {"rotationId", rotation_id}});
}

Result<nlohmann::json> DeviceClient::Abandon(std::string_view rotation_id) {
  return Send("POST", "/device/v1/credentials",
              {{"phase", "abandon"}, {"rotationId", rotation_id}});
}

Status DeviceClient::Goodbye(std::chrono::milliseconds timeout) {
  return Send("POST", "/device/v1/goodbye", nlohmann::json::object(), timeout).status();
}

Result<nlohmann::json> DeviceClient::WaitForActions(int wait_seconds) {
  auto timeout = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::seconds(wait_seconds) + kLongPollMargin);
  std::string target = "/device/v1/actions?wait=" + std::to_string(wait_seconds);
  if (policy_epoch_) target += "&policyEpoch=" + std::to_string(*policy_epoch_);
  return Send("GET", target, nullptr, timeout);
}

Result<nlohmann::json> DeviceClient::ReportAction(std::string_view action_id,
                                                  std::string_view state,
                                                  std::string_view rotation_id,
                                                  std::string_view error) {
  nlohmann::json body = {{"state", state}};
  if (!rotation_id.empty()) body["rotationId"] = rotation_id;
  if (!error.empty()) body["error"] = StatusText(error);
  return Send("POST", "/device/v1/actions/" + std::string(action_id), body);
}

std::string DeviceClient::StatusText(std::string_view text) {
  if (text.size() <= kMaxStatusTextBytes) return std::string(text);
  std::size_t cut = kMaxStatusTextBytes;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return std::string(text.substr(0, cut));
}

}  // namespace openlaps::agent
