#include "agent/device_client.h"

#include "crypto/encoding.h"
#include "crypto/request_signing.h"

namespace openlaps::agent {

namespace {
constexpr std::chrono::seconds kLongPollMargin{15};
}  // namespace

Status StatusFromHttp(const http::Response& response) {
  std::string message = "HTTP " + std::to_string(response.status);
  nlohmann::json body = nlohmann::json::parse(response.body, nullptr, false);
  if (body.is_object() && body.contains("error") && body["error"].is_object()) {
    message = body["error"].value("message", message);
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
                                                           const core::Clock& clock) {
  OPENLAPS_ASSIGN_OR_RETURN(auto http, http::HttpClient::Create(base_url));
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
  nlohmann::json answer = nlohmann::json::parse(response.body, nullptr, false);
  if (!answer.is_object() || !answer.contains("deviceId") || !answer.contains("escrowPublicKey")) {
    return InternalError("lapsd's enrollment answer is malformed");
  }
  identity.device_id = answer["deviceId"].get<std::string>();
  auto escrow = crypto::Base64UrlDecode(answer["escrowPublicKey"].get<std::string>());
  if (!escrow.ok() || escrow->size() != identity.escrow_public_key.size()) {
    return InternalError("lapsd's escrow key is malformed");
  }
  std::copy(escrow->begin(), escrow->end(), identity.escrow_public_key.begin());
  return std::unique_ptr<DeviceClient>(
      new DeviceClient(std::move(http), std::move(identity), clock));
}

Result<std::unique_ptr<DeviceClient>> DeviceClient::FromIdentity(std::string_view base_url,
                                                                 DeviceIdentity identity,
                                                                 const core::Clock& clock) {
  OPENLAPS_ASSIGN_OR_RETURN(auto http, http::HttpClient::Create(base_url));
  return std::unique_ptr<DeviceClient>(
      new DeviceClient(std::move(http), std::move(identity), clock));
}

Result<nlohmann::json> DeviceClient::Send(std::string_view method, std::string_view target,
                                          const nlohmann::json& body,
                                          std::optional<std::chrono::milliseconds> timeout) {
  std::string text = body.is_null() ? std::string() : body.dump();
  std::int64_t now = clock_.Now().time_since_epoch().count();
  crypto::SignedHeaders signed_headers =
      crypto::SignRequest(identity_.signing, method, target, now, text);
  http::Headers headers{{std::string(crypto::kDeviceIdHeader), identity_.device_id},
                        {std::string(crypto::kTimestampHeader), signed_headers.timestamp},
                        {std::string(crypto::kNonceHeader), signed_headers.nonce},
                        {std::string(crypto::kSignatureHeader), signed_headers.signature}};
  if (!text.empty()) headers["Content-Type"] = "application/json";
  OPENLAPS_ASSIGN_OR_RETURN(http::Response response,
                            http_->Send(method, target, headers, text, timeout));
  if (response.status < 200 || response.status >= 300) return StatusFromHttp(response);
  if (response.body.empty()) return nlohmann::json::object();
  nlohmann::json answer = nlohmann::json::parse(response.body, nullptr, false);
  if (answer.is_discarded()) return InternalError("lapsd answered with malformed JSON");
  return answer;
}

Result<nlohmann::json> DeviceClient::Checkin(const nlohmann::json& state) {
  return Send("POST", "/device/v1/checkin", state.is_null() ? nlohmann::json::object() : state);
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

Result<nlohmann::json> DeviceClient::WaitForActions(int wait_seconds) {
  auto timeout = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::seconds(wait_seconds) + kLongPollMargin);
  return Send("GET", "/device/v1/actions?wait=" + std::to_string(wait_seconds), nullptr, timeout);
}

Result<nlohmann::json> DeviceClient::ReportAction(std::string_view action_id,
                                                  std::string_view state,
                                                  std::string_view rotation_id,
                                                  std::string_view error) {
  nlohmann::json body = {{"state", state}};
  if (!rotation_id.empty()) body["rotationId"] = rotation_id;
  if (!error.empty()) body["error"] = error;
  return Send("POST", "/device/v1/actions/" + std::string(action_id), body);
}

}  // namespace openlaps::agent
