#include "fleet_sim/virtual_device.h"

#include <sys/stat.h>

#include <algorithm>
#include <fstream>

#include "core/clock.h"
#include "crypto/encoding.h"

namespace openlaps::fleet {
namespace {

// Renew a session this long before it expires, as DeviceClient does.
constexpr std::int64_t kSessionRenewMarginSeconds = 120;
constexpr std::string_view kFleetFormat = "openlaps-fleet-sim/1";

template <std::size_t N>
std::string_view AsText(const std::array<std::uint8_t, N>& bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), N};
}

template <std::size_t N>
bool DecodeInto(const nlohmann::json& line, const char* key, std::array<std::uint8_t, N>& out) {
  auto bytes = crypto::Base64UrlDecode(line.value(key, ""));
  if (!bytes.ok() || bytes->size() != N) return false;
  std::copy(bytes->begin(), bytes->end(), out.begin());
  return true;
}

template <std::size_t N>
void CopySecret(const core::SecretString& secret, std::array<std::uint8_t, N>& out) {
  std::string_view bytes = secret.Reveal();
  std::copy_n(bytes.begin(), std::min(N, bytes.size()), out.begin());
}

}  // namespace

std::int64_t UnixNow() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

bool VirtualDevice::HasSession(std::int64_t now_unix) const {
  return !session.empty() && now_unix + kSessionRenewMarginSeconds < session_expires;
}

void VirtualDevice::GenerateKeys() {
  crypto::SigningKeyPair signing = crypto::SigningKeyPair::Generate();
  crypto::BoxKeyPair box = crypto::BoxKeyPair::Generate();
  sign_public = signing.public_key;
  box_public = box.public_key;
  CopySecret(signing.secret_key, sign_secret);
  CopySecret(box.secret_key, box_secret);
}

crypto::SigningKeyPair VirtualDevice::SigningKeys() const {
  return {sign_public, core::SecretString(AsText(sign_secret))};
}

crypto::BoxKeyPair VirtualDevice::BoxKeys() const {
  return {box_public, core::SecretString(AsText(box_secret))};
}

http::Headers SignedHeaders(const VirtualDevice& device, std::string_view method,
                            std::string_view target, std::string_view body) {
  crypto::SignedHeaders sig =
      crypto::SignRequest(device.SigningKeys(), method, target, UnixNow(), body);
  http::Headers headers{{std::string(crypto::kDeviceIdHeader), device.device_id},
                        {std::string(crypto::kTimestampHeader), sig.timestamp},
                        {std::string(crypto::kNonceHeader), sig.nonce},
                        {std::string(crypto::kSignatureHeader), sig.signature}};
  if (!body.empty()) headers["Content-Type"] = "application/json";
  return headers;
}

http::Headers SessionHeaders(const VirtualDevice& device, std::string_view method,
                             std::string_view target, std::string_view body) {
  crypto::MacHeaders mac = crypto::MacRequest(device.session_key, method, target, UnixNow(), body);
  http::Headers headers{{std::string(crypto::kDeviceIdHeader), device.device_id},
                        {std::string(crypto::kSessionHeader), device.session},
                        {std::string(crypto::kTimestampHeader), mac.timestamp},
                        {std::string(crypto::kNonceHeader), mac.nonce},
                        {std::string(crypto::kMacHeader), mac.mac}};
  if (!body.empty()) headers["Content-Type"] = "application/json";
  return headers;
}

Status AcceptSession(VirtualDevice& device, const protocol::SessionAnswer& answer) {
  auto sealed = crypto::Base64UrlDecode(answer.sealed_key);
  if (!sealed.ok()) return InternalError("lapsd's session key is malformed");
  OPENLAPS_ASSIGN_OR_RETURN(core::SecretString key, crypto::Open(device.BoxKeys(), *sealed));
  if (key.size() != crypto::kSessionKeySize) {
    return InternalError("lapsd's session key has the wrong size");
  }
  device.session = answer.session;
  device.session_expires = answer.expires_at.time_since_epoch().count();
  CopySecret(key, device.session_key);
  return Status::Ok();
}

Status AcceptEnrollment(VirtualDevice& device, const protocol::EnrollAnswer& answer) {
  device.device_id = answer.device_id;
  auto escrow = crypto::Base64UrlDecode(answer.escrow_public_key);
  if (!escrow.ok() || escrow->size() != device.escrow_public_key.size()) {
    return InternalError("lapsd's escrow key is malformed");
  }
  std::copy(escrow->begin(), escrow->end(), device.escrow_public_key.begin());
  return Status::Ok();
}

Result<Fleet> LoadFleet(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) return NotFoundError("no fleet file " + path.string());
  Fleet fleet;
  std::string text;
  if (!std::getline(in, text)) return InvalidArgumentError(path.string() + " is empty");
  fleet.header = nlohmann::json::parse(text, nullptr, false);
  if (!fleet.header.is_object() || fleet.header.value("format", "") != kFleetFormat) {
    return InvalidArgumentError(path.string() + " is not a fleet file");
  }
  while (std::getline(in, text)) {
    nlohmann::json line = nlohmann::json::parse(text, nullptr, false);
    VirtualDevice d;
    d.device_id = line.is_object() ? line.value("id", "") : "";
    bool ok = !d.device_id.empty() && DecodeInto(line, "signPublic", d.sign_public) &&
              DecodeInto(line, "signSecret", d.sign_secret) &&
              DecodeInto(line, "boxPublic", d.box_public) &&
              DecodeInto(line, "boxSecret", d.box_secret) &&
              DecodeInto(line, "escrowPublic", d.escrow_public_key);
    if (!ok) {
      return InvalidArgumentError(path.string() + ": malformed device line " +
                                  std::to_string(fleet.devices.size() + 2));
    }
    d.escrowed = line.value("escrowed", false);
    if (line.contains("session") && DecodeInto(line, "sessionKey", d.session_key)) {
      d.session = line.value("session", "");
      d.session_expires = line.value("sessionExpires", std::int64_t{0});
    }
    fleet.devices.push_back(std::move(d));
  }
  return fleet;
}

Status SaveFleet(const std::filesystem::path& path, const Fleet& fleet) {
  std::filesystem::path tmp = path;
  tmp += ".tmp";
  {
    mode_t old = ::umask(077);
    std::ofstream out(tmp, std::ios::trunc);
    ::umask(old);
    if (!out) return InternalError("cannot write " + tmp.string());
    nlohmann::json header = fleet.header;
    header["format"] = kFleetFormat;
    out << header.dump() << '\n';
    for (const VirtualDevice& d : fleet.devices) {
      nlohmann::json line = {{"id", d.device_id},
                             {"signPublic", crypto::Base64UrlEncode(d.sign_public)},
                             {"signSecret", crypto::Base64UrlEncode(d.sign_secret)},
                             {"boxPublic", crypto::Base64UrlEncode(d.box_public)},
                             {"boxSecret", crypto::Base64UrlEncode(d.box_secret)},
                             {"escrowPublic", crypto::Base64UrlEncode(d.escrow_public_key)},
                             {"escrowed", d.escrowed}};
      if (!d.session.empty()) {
        line["session"] = d.session;
        line["sessionExpires"] = d.session_expires;
        line["sessionKey"] = crypto::Base64UrlEncode(d.session_key);
      }
      out << line.dump() << '\n';
    }
    if (!out.flush()) return InternalError("cannot write " + tmp.string());
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) return InternalError("cannot rename " + tmp.string() + ": " + ec.message());
  return Status::Ok();
}

}  // namespace openlaps::fleet
