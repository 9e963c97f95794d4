#include "fleet_sim/device_protocol.h"

#include "agent/device_client.h"
#include "core/password_generator.h"
#include "crypto/csprng.h"
#include "crypto/encoding.h"
#include "crypto/escrow_box.h"

namespace openlaps::fleet {
namespace {

constexpr std::chrono::seconds kRequestTimeout{30};
// A long-poll may take this long past its wait before it counts as lost.
constexpr std::chrono::seconds kLongPollMargin{15};
constexpr std::size_t kRotationIdBytes = 16;  // as laps-agent's Rotator
constexpr std::string_view kAccountName = "laps-admin";

SteadyTime RequestDeadline() { return std::chrono::steady_clock::now() + kRequestTimeout; }

}  // namespace

DeviceProtocol::DeviceProtocol(OpStats& stats, core::Random& random, const bool& stopping)
    : stats_(stats), random_(random), stopping_(stopping) {}

net::awaitable<Result<nlohmann::json>> DeviceProtocol::Call(
    AsyncConnection& connection, VirtualDevice& device, std::string_view op,
    std::string_view method, std::string_view target, const nlohmann::json& body, Auth auth,
    SteadyTime deadline, const std::function<void()>* on_written) {
  std::string text = body.is_null() ? std::string() : body.dump();
  for (int attempt = 0; attempt < 2; ++attempt) {
    http::Headers headers;
    if (auth == Auth::kSigned) headers = SignedHeaders(device, method, target, text);
    if (auth == Auth::kSession) headers = SessionHeaders(device, method, target, text);
    if (auth == Auth::kNone) headers = {{"Content-Type", "application/json"}};
    auto started = std::chrono::steady_clock::now();
    auto response = co_await connection.Send(method, target, headers, text, deadline, on_written);
    Status failure;
    if (!response.ok()) {
      failure = response.status();
    } else if (response->status < 200 || response->status >= 300) {
      failure = agent::StatusFromHttp(*response);
    }
    if (failure.ok()) {
      stats_.Record(op, std::chrono::steady_clock::now() - started);
      if (response->body.empty()) co_return nlohmann::json::object();
      nlohmann::json answer = nlohmann::json::parse(response->body, nullptr, false);
      if (answer.is_discarded()) {
        stats_.RecordError(op, "malformed JSON");
        co_return InternalError("lapsd answered " + std::string(op) + " with malformed JSON");
      }
      co_return answer;
    }
    // As DeviceClient: a refused session (lapsd restarted with a new
    // secret, or the session lapsed) gets one fresh session and one retry.
    if (auth == Auth::kSession && failure.IsUnauthenticated() && attempt == 0) {
      device.session.clear();
      Status opened = co_await EnsureSession(connection, device);
      if (opened.ok()) continue;
    }
    if (!stopping_) stats_.RecordError(op, failure.message());
    co_return failure;
  }
  co_return InternalError("unreachable");
}

net::awaitable<Status> DeviceProtocol::Enroll(AsyncConnection& connection, VirtualDevice& device,
                                              std::string_view token, std::string_view name) {
  device.GenerateKeys();
  protocol::EnrollRequest request{std::string(token),
                                  std::string(name),
                                  "linux",
                                  "Debian 12",
                                  std::string(name),
                                  crypto::Base64UrlEncode(device.sign_public),
                                  crypto::Base64UrlEncode(device.box_public)};
  auto answer = co_await Call(connection, device, "enroll", "POST", protocol::kEnrollPath,
                              request.ToJson(), Auth::kNone, RequestDeadline());
  if (!answer.ok()) co_return answer.status();
  auto enrolled = protocol::EnrollAnswer::FromJson(*answer);
  if (!enrolled.ok()) co_return InternalError("lapsd's " + enrolled.status().message());
  co_return AcceptEnrollment(device, *enrolled);
}

net::awaitable<Status> DeviceProtocol::EnsureSession(AsyncConnection& connection,
                                                     VirtualDevice& device) {
  if (device.HasSession(UnixNow())) co_return Status::Ok();
  nlohmann::json empty = nlohmann::json::object();
  auto answer = co_await Call(connection, device, "session", "POST", protocol::kSessionPath, empty,
                              Auth::kSigned, RequestDeadline());
  if (!answer.ok()) co_return answer.status();
  auto session = protocol::SessionAnswer::FromJson(*answer);
  Status accepted = session.ok() ? AcceptSession(device, *session)
                                 : InternalError("lapsd's " + session.status().message());
  if (!accepted.ok()) stats_.RecordError("session", accepted.message());
  co_return accepted;
}

net::awaitable<Result<protocol::CheckinAnswer>> DeviceProtocol::Checkin(AsyncConnection& connection,
                                                                        VirtualDevice& device,
                                                                        std::string_view op) {
  Status session = co_await EnsureSession(connection, device);
  if (!session.ok()) co_return session;
  // What laps-agent sends when nothing changed: its account and state.
  protocol::CheckinRequest request;
  request.managed_account = protocol::ManagedAccount{std::string(kAccountName), ""};
  auto raw = co_await Call(connection, device, op, "POST", protocol::kCheckinPath, request.ToJson(),
                           Auth::kSession, RequestDeadline());
  if (!raw.ok()) co_return raw.status();
  auto answer = protocol::CheckinAnswer::FromJson(*raw);
  if (!answer.ok()) {
    stats_.RecordError(op, answer.status().message());
    co_return InternalError("lapsd's " + answer.status().message());
  }
  device.policy_epoch = answer->policy_epoch;
  co_return answer;
}

net::awaitable<Status> DeviceProtocol::EscrowNewPassword(AsyncConnection& connection,
                                                         VirtualDevice& device) {
  std::string rotation_id = crypto::RandomToken(kRotationIdBytes);
  co_return co_await Escrow(connection, device, rotation_id);
}

net::awaitable<Status> DeviceProtocol::Escrow(AsyncConnection& connection, VirtualDevice& device,
                                              const std::string& rotation_id) {
  Status session = co_await EnsureSession(connection, device);
  if (!session.ok()) co_return session;
  auto password = core::GeneratePassword(core::PasswordSpec{}, random_);
  if (!password.ok()) co_return password.status();
  crypto::Bytes sealed = crypto::Seal(device.escrow_public_key, password->Reveal());
  password->Clear();
  protocol::CredentialRequest pending{protocol::CredentialPhase::kPending, rotation_id,
                                      std::string(kAccountName),           "",
                                      crypto::Base64UrlEncode(sealed),     1};
  auto escrowed =
      co_await Call(connection, device, "escrow-pending", "POST", protocol::kCredentialsPath,
                    pending.ToJson(), Auth::kSession, RequestDeadline());
  if (!escrowed.ok()) co_return escrowed.status();
  // A real agent sets the password on the account here, then commits.
  protocol::CredentialRequest commit;
  commit.phase = protocol::CredentialPhase::kCommit;
  commit.rotation_id = rotation_id;
  auto committed =
      co_await Call(connection, device, "escrow-commit", "POST", protocol::kCredentialsPath,
                    commit.ToJson(), Auth::kSession, RequestDeadline());
  if (!committed.ok()) co_return committed.status();
  device.escrowed = true;
  co_return Status::Ok();
}

net::awaitable<Status> DeviceProtocol::CarryOutRotation(AsyncConnection& connection,
                                                        VirtualDevice& device,
                                                        std::string_view action_id) {
  const std::string target = protocol::ActionReportPath(action_id);
  const std::string rotation_id = crypto::RandomToken(kRotationIdBytes);
  // Each body is a named value: the awaitable is lazy and keeps references.
  const nlohmann::json active_body =
      protocol::ActionReport{protocol::ActionReportState::kActive, rotation_id, ""}.ToJson();
  auto active = co_await Call(connection, device, "action-report", "POST", target, active_body,
                              Auth::kSession, RequestDeadline());
  if (!active.ok()) co_return active.status();
  Status escrowed = co_await Escrow(connection, device, rotation_id);
  if (!escrowed.ok()) {
    const nlohmann::json failed =
        protocol::ActionReport{protocol::ActionReportState::kFailed, "", escrowed.message()}
            .ToJson();
    (void)co_await Call(connection, device, "action-report", "POST", target, failed, Auth::kSession,
                        RequestDeadline());
    co_return escrowed;
  }
  const nlohmann::json done_body =
      protocol::ActionReport{protocol::ActionReportState::kDone, "", ""}.ToJson();
  auto done = co_await Call(connection, device, "action-report", "POST", target, done_body,
                            Auth::kSession, RequestDeadline());
  if (!done.ok()) co_return done.status();
  if (device.rotation_requested) {
    stats_.Record("rotate-to-done", std::chrono::steady_clock::now() - *device.rotation_requested);
    device.rotation_requested.reset();
  }
  // laps-agent checks in at once after a rotation, so the console shows it.
  auto checked_in = co_await Checkin(connection, device);
  co_return checked_in.status();
}

net::awaitable<Result<protocol::ActionsAnswer>> DeviceProtocol::WaitForActions(
    AsyncConnection& connection, VirtualDevice& device, int wait_seconds, SteadyTime stop_at,
    const std::function<void()>* on_parked) {
  Status session = co_await EnsureSession(connection, device);
  if (!session.ok()) co_return session;
  SteadyTime deadline = std::min(stop_at, std::chrono::steady_clock::now() +
                                              std::chrono::seconds(wait_seconds) + kLongPollMargin);
  protocol::ActionsQuery query{wait_seconds, std::nullopt};
  if (device.policy_epoch >= 0) query.policy_epoch = device.policy_epoch;
  nlohmann::json no_body;
  auto raw = co_await Call(connection, device, "long-poll", "GET", query.Target(), no_body,
                           Auth::kSession, deadline, on_parked);
  if (!raw.ok()) co_return raw.status();
  auto answer = protocol::ActionsAnswer::FromJson(*raw);
  if (!answer.ok()) {
    stats_.RecordError("long-poll", answer.status().message());
    co_return InternalError("lapsd's " + answer.status().message());
  }
  co_return answer;
}

}  // namespace openlaps::fleet
