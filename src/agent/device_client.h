// DeviceClient: the device side of lapsd's device API (DESIGN.md §6). It
// holds the device's identity (Ed25519 signing key, X25519 box key, device
// id, the server's escrow key), signs every request, and seals passwords to
// the escrow key before they leave the device.
//
// Not thread-safe: one client per thread (it owns one HTTP connection),
// except Cancel().
#ifndef OPENLAPS_AGENT_DEVICE_CLIENT_H_
#define OPENLAPS_AGENT_DEVICE_CLIENT_H_

#include <chrono>
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/secret.h"
#include "core/status.h"
#include "crypto/escrow_box.h"
#include "crypto/signing.h"
#include "http/client.h"
#include "protocol/device_messages.h"

namespace openlaps::agent {

struct DeviceIdentity {
  std::string device_id;
  crypto::SigningKeyPair signing;
  crypto::BoxKeyPair box;
  crypto::BoxPublicKey escrow_public_key{};
};

struct EnrollRequest {
  std::string token;
  std::string device_name;
  std::string platform = "linux";
  std::string os_version;
  std::string serial_number;
};

class DeviceClient {
 public:
  // Generates fresh keys and enrolls; the identity is in identity().
  // `http_options`: the transport's (a private CA's file for https).
  static Result<std::unique_ptr<DeviceClient>> Enroll(std::string_view base_url,
                                                      const EnrollRequest& request,
                                                      const core::Clock& clock,
                                                      http::ClientOptions http_options = {});
  static Result<std::unique_ptr<DeviceClient>> FromIdentity(std::string_view base_url,
                                                            DeviceIdentity identity,
                                                            const core::Clock& clock,
                                                            http::ClientOptions http_options = {});

  const DeviceIdentity& identity() const { return identity_; }

  // An authenticated request; a non-2xx answer becomes a Status carrying
  // the server's Graph error message and the HTTP status's code. Requests
  // are MAC'd with a session key (opened with one Ed25519-signed request and
  // renewed before it expires) unless sessions are turned off, in which case
  // every request is signed.
  Result<nlohmann::json> Send(std::string_view method, std::string_view target,
                              const nlohmann::json& body = nullptr,
                              std::optional<std::chrono::milliseconds> timeout = std::nullopt);

  void UseSessions(bool on) { use_sessions_ = on; }

  // Thread-safe: aborts the request in flight (a long-poll included) and
  // every later one (Aborted). For shutting down promptly.
  void Cancel() { http_->Cancel(); }

  // The check-in as laps-agent makes it (protocol/device_messages.h).
  Result<protocol::CheckinAnswer> SendCheckin(const protocol::CheckinRequest& request);
  // The raw calls below answer lapsd's JSON as it came, for tests and tools
  // that probe the protocol; their bodies are built from the protocol types.
  Result<nlohmann::json> Checkin(const nlohmann::json& state);
  Result<nlohmann::json> EscrowPending(std::string_view rotation_id, std::string_view account,
                                       std::string_view sid, const core::SecretString& password);
  // The pending record of a rotation whose password Active Directory holds:
  // account and rotation id only, never the password.
  Result<nlohmann::json> RecordDirectoryRotation(std::string_view rotation_id,
                                                 std::string_view account, std::string_view sid);
  Result<nlohmann::json> Commit(std::string_view rotation_id);
  Result<nlohmann::json> Abandon(std::string_view rotation_id);
  // Long-poll for actions; {"woken": true} also when policies changed
  // since the last Checkin.
  Result<nlohmann::json> WaitForActions(int wait_seconds);
  // Tells lapsd the agent is stopping, so the device shows offline at once.
  Status Goodbye(std::chrono::milliseconds timeout);
  Result<nlohmann::json> ReportAction(std::string_view action_id,
                                      const protocol::ActionReport& report);

 private:
  DeviceClient(std::unique_ptr<http::HttpClient> http, DeviceIdentity identity,
               const core::Clock& clock);

  Result<nlohmann::json> SendOnce(std::string_view method, std::string_view target,
                                  const std::string& body, bool with_session,
                                  std::optional<std::chrono::milliseconds> timeout);
  Status EnsureSession();

  std::unique_ptr<http::HttpClient> http_;
  DeviceIdentity identity_;
  const core::Clock& clock_;
  bool use_sessions_ = true;
  std::string session_;  // "<id>.<expiry>"; empty when none
  core::Timestamp session_expires_{};
  core::SecretString session_key_;
  // From the last check-in; sent with each long-poll so lapsd answers at
  // once when policies changed while this device was not parked.
  std::optional<std::int64_t> policy_epoch_;
};

// The Status for a non-2xx HTTP answer with a Graph error body.
Status StatusFromHttp(const http::Response& response);

}  // namespace openlaps::agent

#endif  // OPENLAPS_AGENT_DEVICE_CLIENT_H_
