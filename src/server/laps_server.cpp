#include "server/laps_server.h"

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cctype>
#include <charconv>
#include <filesystem>

#include "crypto/csprng.h"
#include "crypto/encoding.h"
#include "crypto/escrow_key_file.h"
#include "crypto/hashing.h"
#include "crypto/request_signing.h"
#include "server/access_api.h"
#include "server/device_admin_api.h"
#include "server/device_api.h"
#include "server/first_start.h"
#include "server/graph_response.h"
#include "server/log.h"
#include "server/password_pool.h"
#include "server/permissions.h"
#include "server/policy_api.h"
#include "server/report_api.h"
#include "server/revocation_api.h"
#include "server/sign_in_api.h"
#include "server/web_console.h"

namespace openlaps::server {

namespace asio = boost::asio;

namespace {

constexpr std::size_t kMinNonce = 8;
constexpr std::size_t kMaxNonce = 64;

}  // namespace

Result<std::unique_ptr<LapsServer>> LapsServer::Create(const ServerConfig& config,
                                                       std::unique_ptr<store::Store> store,
                                                       const core::Clock& clock) {
  // A missing key beside a database already in use would mint a new one:
  // every password escrowed before could never be revealed again, and a
  // second node would seal to a key the first does not have. Refuse.
  std::error_code ec;
  if (!std::filesystem::exists(config.escrow_key_file, ec)) {
    auto admins = store->ListAdmins();
    if (!admins.ok()) return admins.status();
    if (!admins->empty()) {
      return FailedPreconditionError(
          "the escrow key file " + config.escrow_key_file.string() +
          " is missing but the database is already in use: restore it from backup, or copy it "
          "(mode 0600) from another lapsd node of this database");
    }
  }
  auto keys = crypto::LoadOrCreateBoxKeyFile(config.escrow_key_file);
  if (!keys.ok()) return keys.status();
  auto context = ServerContext::Create(config, std::move(store), clock, std::move(keys).value());
  if (!context.ok()) return context.status();
  std::unique_ptr<LapsServer> server(new LapsServer(std::move(context).value()));
  OPENLAPS_RETURN_IF_ERROR(server->Bootstrap());
  return server;
}

LapsServer::LapsServer(std::unique_ptr<ServerContext> context) : context_(std::move(context)) {
  ServerContext& shared = *context_;
  // In this order: the router matches routes in registration order.
  areas_.push_back(std::make_unique<DeviceApi>(shared));
  areas_.push_back(std::make_unique<DeviceAdminApi>(shared));
  areas_.push_back(std::make_unique<PolicyApi>(shared));
  areas_.push_back(std::make_unique<AccessApi>(shared));
  areas_.push_back(std::make_unique<ReportApi>(shared));
  areas_.push_back(std::make_unique<WebConsole>());
  areas_.push_back(std::make_unique<SignInApi>(shared));
  areas_.push_back(std::make_unique<RevocationApi>(shared));
  RouteRegistry routes(router_);
  for (const auto& area : areas_) area->RegisterRoutes(routes);
}

LapsServer::~LapsServer() = default;

namespace {

// Runs `work` every `period` until the io_context stops.
asio::awaitable<void> Every(std::chrono::seconds period, std::function<void()> work) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  for (;;) {
    timer.expires_after(period);
    boost::system::error_code ec;
    co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return;
    work();
  }
}

}  // namespace

void LapsServer::StartAuditWork(asio::io_context& io) {
  // At once too: a first start has a checkpoint before the first interval.
  (void)context_->audit_trail().WriteCheckpoint(context_->clock().Now());
  asio::co_spawn(io,
                 Every(context_->config().audit_checkpoint_interval,
                       [this] {
                         // A refusal is logged by the trail; the old checkpoint stays.
                         (void)context_->audit_trail().WriteCheckpoint(context_->clock().Now());
                       }),
                 asio::detached);
  // Half the interval: a count is written at most 1.5 intervals after its first failure.
  const auto flush_period =
      std::max(std::chrono::seconds(1), context_->config().unauthenticated_audit_interval / 2);
  asio::co_spawn(io,
                 Every(flush_period,
                       [this] {
                         Status flushed = context_->audit_trail().FlushDue(context_->clock().Now());
                         if (!flushed.ok())
                           LogError("audit failed", {{"error", flushed.ToString()}});
                       }),
                 asio::detached);
}

void LapsServer::FinishAuditWork() {
  Status flushed = context_->audit_trail().FlushAll();
  if (!flushed.ok()) LogError("audit failed", {{"error", flushed.ToString()}});
  (void)context_->audit_trail().WriteCheckpoint(context_->clock().Now());
}

Status LapsServer::Bootstrap() { return SeedRolesAndFirstAdmin(*context_); }

std::vector<LapsServer::RouteInfo> LapsServer::RouteTable() const {
  std::vector<RouteInfo> out;
  router_.ForEach([&out](const std::string& method, const std::string& pattern, const Route& r) {
    std::string auth =
        r.auth == Auth::kAdmin ? "admin" : (r.auth == Auth::kDevice ? "device" : "none");
    out.push_back({method, pattern, std::move(auth), r.permission});
  });
  return out;
}

namespace {

// A client's request id as Graph SDKs send it (a GUID); anything else, or
// longer, is not echoed.
bool IsRequestId(std::string_view id) {
  return !id.empty() && id.size() <= 64 && std::all_of(id.begin(), id.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-';
  });
}

}  // namespace

asio::awaitable<http::Response> LapsServer::Handle(http::Request& request) {
  Call call{request, {}, crypto::RandomToken(12), context_->clock().Now(), {}, {}, false, 0,
            {},      {}};
  if (!context_->config().public_url.empty()) {
    call.base_url = context_->config().public_url;
  } else {
    std::string host = request.Header("Host").value_or("localhost");
    call.base_url = (context_->config().tls_certificate ? "https://" : "http://") + host;
  }

  auto match = router_.Find(request.method, request.path);
  Result<http::Response> result = NotFoundError("no resource at " + request.path);
  if (!match.route && !match.allowed.empty()) {
    result = MethodNotAllowedResponse(request.method, request.path, match.allowed, call.request_id,
                                      call.now);
  }
  if (match.route) {
    call.params = std::move(match.params);
    Status auth = Status::Ok();
    if (match.route->auth == Auth::kAdmin) auth = AuthenticateAdmin(call);
    if (match.route->auth == Auth::kDevice) auth = AuthenticateDevice(call);
    if (auth.ok() && !match.route->permission.empty() &&
        !call.admin->Has(match.route->permission)) {
      auth =
          PermissionDeniedError("this operation needs the permission " + match.route->permission);
    }
    if (!auth.ok()) {
      result = auth;
    } else {
      // Handlers read bodies without throwing; anything that still escapes
      // (bad_alloc) reaches the transport, which answers 500 and serves on.
      result = co_await match.route->handler(call);
    }
  }
  http::Response response = result.ok() ? std::move(result).value()
                                        : ErrorResponse(result.status(), call.request_id, call.now);
  response.headers["request-id"] = call.request_id;
  // Graph echoes the client's own id for the call, so its logs and ours meet.
  if (auto client_id = request.Header("client-request-id"); client_id && IsRequestId(*client_id)) {
    response.headers["client-request-id"] = *client_id;
  }
  LogLevel level = response.status >= 500 ? LogLevel::kError : LogLevel::kDebug;
  if (LogEnabled(level)) {
    Log(level, "request",
        {{"request_id", call.request_id},
         {"method", request.method},
         {"path", request.path},
         {"status", response.status},
         {"client", request.remote_address}});
  }
  co_return response;
}

Status LapsServer::AuthenticateAdmin(Call& call) {
  auto header = call.request.Header("Authorization");
  constexpr std::string_view kBearer = "Bearer ";
  if (!header || header->size() <= kBearer.size() ||
      !std::equal(kBearer.begin(), kBearer.end(), header->begin(),
                  [](char a, char b) { return std::tolower(a) == std::tolower(b); })) {
    return UnauthenticatedError("a bearer token is required");
  }
  std::string token = header->substr(kBearer.size());
  std::string hash = crypto::TokenHash(token);
  core::SecureZero(token.data(), token.size());
  auto stored = context_->store().GetTokenByHash(hash);
  if (!stored.ok() || stored->expires_at <= call.now) {
    return UnauthenticatedError("the bearer token is invalid or expired");
  }
  auto admin = context_->store().GetAdmin(stored->admin_id);
  if (!admin.ok() || admin->disabled) return UnauthenticatedError("the account is disabled");
  auto principal = LoadPrincipal(context_->store(), *admin);
  if (!principal.ok()) return principal.status();
  call.admin = std::make_unique<AdminPrincipal>(std::move(principal).value());
  call.admin_token_id = stored->id;
  call.admin_token_kind = stored->kind;
  return Status::Ok();
}

Status LapsServer::AuthenticateDevice(Call& call) {
  const http::Request& r = call.request;
  for (const crypto::DeviceHeaderLimit& limit : crypto::kDeviceHeaderLimits) {
    auto value = r.Header(limit.name);
    if (value && value->size() > limit.max_bytes) {
      return InvalidArgumentError(std::string(limit.name) + " is longer than " +
                                  std::to_string(limit.max_bytes) + " bytes");
    }
  }
  auto device_guid = r.Header(crypto::kDeviceIdHeader);
  auto timestamp = r.Header(crypto::kTimestampHeader);
  auto nonce = r.Header(crypto::kNonceHeader);
  auto signature = r.Header(crypto::kSignatureHeader);
  auto session = r.Header(crypto::kSessionHeader);
  auto mac = r.Header(crypto::kMacHeader);
  if (!device_guid || !timestamp || !nonce || !(signature || (session && mac))) {
    return UnauthenticatedError("device requests must be signed");
  }
  auto device = context_->store().GetDeviceByGuid(*device_guid);
  if (!device.ok()) return UnauthenticatedError("unknown device");
  std::int64_t ts = 0;
  auto [end, ec] = std::from_chars(timestamp->data(), timestamp->data() + timestamp->size(), ts);
  if (ec != std::errc() || end != timestamp->data() + timestamp->size()) {
    return UnauthenticatedError("malformed request timestamp");
  }
  auto refuse = [&](std::string why) {
    Status audited =
        context_->AuditUnauthenticated(call, "Refused device request", "Device", "denied", "device",
                                       device->guid, device->name, why, {{"path", r.path}});
    if (!audited.ok()) LogError("audit failed", {{"error", audited.ToString()}});
    return UnauthenticatedError(why);
  };
  std::int64_t now = call.now.time_since_epoch().count();
  if (std::llabs(now - ts) > context_->config().max_clock_skew.count()) {
    return refuse("request timestamp outside the accepted clock skew");
  }
  if (nonce->size() < kMinNonce || nonce->size() > kMaxNonce ||
      nonce->find('\n') != std::string::npos) {
    return refuse("malformed request nonce");
  }
  std::string payload = crypto::RequestSigningPayload(r.method, r.target, ts, *nonce, r.body);
  if (signature) {
    auto sig = crypto::Base64UrlDecode(*signature);
    crypto::SignPublicKey key{};
    if (!sig.ok() || device->sign_public_key.size() != key.size()) {
      return refuse("bad request signature");
    }
    std::copy(device->sign_public_key.begin(), device->sign_public_key.end(), key.begin());
    if (!crypto::Verify(key, crypto::AsBytes(payload), *sig))
      return refuse("bad request signature");
  } else {
    // "<id>.<expiry>": the expiry is bound into the key, so it cannot be stretched.
    std::size_t dot = session->rfind('.');
    std::int64_t expiry = 0;
    if (dot == std::string::npos ||
        std::from_chars(session->data() + dot + 1, session->data() + session->size(), expiry).ec !=
            std::errc()) {
      return refuse("malformed device session");
    }
    if (expiry <= now) return UnauthenticatedError("the device session expired");
    crypto::Digest key = crypto::SessionKey(crypto::AsBytes(context_->session_secret().Reveal()),
                                            device->guid, *session);
    crypto::Digest expected = crypto::Blake2bMac(key, crypto::AsBytes(payload));
    core::SecureZero(key.data(), key.size());
    auto given = crypto::Base64UrlDecode(*mac);
    if (!given.ok() || !crypto::ConstantTimeEquals(*given, expected)) {
      return refuse("bad request MAC");
    }
    call.device_session = true;
  }
  // Remembered for twice the skew window: an older replay fails the skew check.
  auto fresh = context_->store().RememberNonce(device->id, *nonce, call.now,
                                               call.now + 2 * context_->config().max_clock_skew);
  if (!fresh.ok()) return fresh.status();
  if (!*fresh) return refuse("replayed request");
  call.device = std::make_unique<store::Device>(std::move(device).value());
  return Status::Ok();
}

int LapsServer::SweepOverdueActions() {
  auto failed = context_->store().FailOverdueActions(context_->clock().Now());
  if (!failed.ok()) {
    LogError("sweeping overdue device actions failed", {{"error", failed.status().ToString()}});
    return 0;
  }
  for (const store::DeviceAction& action : *failed) {
    store::AuditEvent event;
    event.time = action.updated_at;
    event.actor_type = "system";
    event.actor_name = "lapsd";
    event.activity = action.kind + " result";
    event.category = "Device";
    event.result = "failure";
    event.target_type = "device";
    if (auto device = context_->store().GetDevice(action.device_id); device.ok()) {
      event.target_id = device->guid;
      event.target_name = device->name;
    }
    event.detail_json =
        nlohmann::json{{"action", action.guid}, {"error", action.error}, {"queued", action.queued}}
            .dump();
    auto audited = context_->store().AppendAudit(std::move(event));
    if (!audited.ok()) {
      LogError("audit failed", {{"error", audited.status().ToString()}, {"action", action.guid}});
    }
    LogInfo("device action failed by its deadline",
            {{"action", action.guid}, {"reason", action.error}});
  }
  return static_cast<int>(failed->size());
}

}  // namespace openlaps::server
