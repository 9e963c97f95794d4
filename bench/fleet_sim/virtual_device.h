// VirtualDevice: one simulated laps-agent's state (what the agent's
// DeviceIdentity holds, plus its device session), how its requests are
// authenticated (crypto/request_signing, as DeviceClient does), and the
// fleet file that keeps an enrolled fleet for later runs.
//
// Keys are held in plain arrays, not SecretString: a SecretString takes an
// mlock'ed page of its own, and 100,000 devices with three secrets each
// would need 300,000 locked mappings, past the kernel's vm.max_map_count.
// They are test keys of test devices; the fleet file that holds them is
// written 0600.
#ifndef OPENLAPS_BENCH_FLEET_SIM_VIRTUAL_DEVICE_H_
#define OPENLAPS_BENCH_FLEET_SIM_VIRTUAL_DEVICE_H_

#include <array>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "crypto/escrow_box.h"
#include "crypto/request_signing.h"
#include "crypto/signing.h"
#include "http/message.h"
#include "protocol/device_messages.h"

namespace openlaps::fleet {

struct VirtualDevice {
  std::string device_id;
  crypto::SignPublicKey sign_public{};
  std::array<std::uint8_t, crypto::kSignSecretKeySize> sign_secret{};
  crypto::BoxPublicKey box_public{};
  std::array<std::uint8_t, crypto::kBoxSecretKeySize> box_secret{};
  crypto::BoxPublicKey escrow_public_key{};
  std::string session;               // "<id>.<expiry>"; empty when none
  std::int64_t session_expires = 0;  // unix seconds
  std::array<std::uint8_t, crypto::kSessionKeySize> session_key{};
  std::int64_t policy_epoch = -1;  // from the last check-in, sent on long-polls
  bool escrowed = false;           // has a committed password, so admins may rotate it
  // Set by the simulated admin when it asks for a rotation, for rotate-to-done.
  std::optional<std::chrono::steady_clock::time_point> rotation_requested;

  bool HasSession(std::int64_t now_unix) const;
  // Fresh key pairs, as laps-agent makes them at enrollment.
  void GenerateKeys();
  // The keys as crypto/ takes them, for the length of one use.
  crypto::SigningKeyPair SigningKeys() const;
  crypto::BoxKeyPair BoxKeys() const;
};

std::int64_t UnixNow();

// Headers of a request signed with the device's Ed25519 key (opens sessions).
http::Headers SignedHeaders(const VirtualDevice& device, std::string_view method,
                            std::string_view target, std::string_view body);
// Headers of a request MAC'd with the device's session key.
http::Headers SessionHeaders(const VirtualDevice& device, std::string_view method,
                             std::string_view target, std::string_view body);

// Takes lapsd's answer to POST /device/v1/session (the key sealed to the
// device's X25519 key).
Status AcceptSession(VirtualDevice& device, const protocol::SessionAnswer& answer);

// Takes lapsd's answer to POST /device/v1/enroll.
Status AcceptEnrollment(VirtualDevice& device, const protocol::EnrollAnswer& answer);

struct Fleet {
  nlohmann::json header = nlohmann::json::object();  // groupId, policyId
  std::vector<VirtualDevice> devices;
};

// NotFound when the file does not exist.
Result<Fleet> LoadFleet(const std::filesystem::path& path);
Status SaveFleet(const std::filesystem::path& path, const Fleet& fleet);

}  // namespace openlaps::fleet

#endif  // OPENLAPS_BENCH_FLEET_SIM_VIRTUAL_DEVICE_H_
