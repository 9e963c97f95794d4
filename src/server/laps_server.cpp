#include "server/laps_server.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>

#include "crypto/csprng.h"
#include "crypto/encoding.h"
#include "crypto/hashing.h"
#include "crypto/request_signing.h"
#include "server/graph_response.h"
#include "server/log.h"
#include "server/password_pool.h"
#include "server/permissions.h"

namespace openlaps::server {

namespace asio = boost::asio;

namespace {

constexpr std::string_view kInitialAdminName = "admin";
constexpr std::size_t kInitialPasswordBytes = 18;
constexpr std::size_t kMinNonce = 8;
constexpr std::size_t kMaxNonce = 64;

Status WriteSecretFile(const std::filesystem::path& path, std::string_view content) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return InternalError("cannot create " + path.string() + ": " + std::strerror(errno));
  ::fchmod(fd, 0600);
  std::size_t written = 0;
  while (written < content.size()) {
    ssize_t n = ::write(fd, content.data() + written, content.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      ::close(fd);
      return InternalError("cannot write " + path.string() + ": " + std::strerror(errno));
    }
    written += static_cast<std::size_t>(n);
  }
  ::fsync(fd);
  ::close(fd);
  return Status::Ok();
}

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
  std::unique_ptr<LapsServer> server(
      new LapsServer(config, std::move(store), clock, std::move(keys).value()));
  OPENLAPS_RETURN_IF_ERROR(server->Bootstrap());
  return server;
}

LapsServer::LapsServer(const ServerConfig& config, std::unique_ptr<store::Store> store,
                       const core::Clock& clock, crypto::BoxKeyPair escrow_keys)
    : config_(config),
      store_(std::move(store)),
      clock_(clock),
      escrow_keys_(std::move(escrow_keys)) {
  crypto::Digest secret = crypto::Blake2bMac(crypto::AsBytes(escrow_keys_.secret_key.Reveal()),
                                             crypto::AsBytes("OPENLAPS-SESSION-SECRET-V1"));
  session_secret_ = core::SecretString(
      std::string_view(reinterpret_cast<const char*>(secret.data()), secret.size()));
  core::SecureZero(secret.data(), secret.size());
  store::AuditKey audit_key = crypto::Blake2bMac(crypto::AsBytes(escrow_keys_.secret_key.Reveal()),
                                                 crypto::AsBytes("OPENLAPS-AUDIT-CHAIN-KEY-V1"));
  store_->SetAuditKey(audit_key);
  audit_trail_ = std::make_unique<AuditTrail>(
      *store_, audit_key,
      AuditTrailOptions{.checkpoint_file = config_.audit_checkpoint_file,
                        .coalesce_interval = config_.unauthenticated_audit_interval});
  core::SecureZero(audit_key.data(), audit_key.size());
  RegisterDeviceRoutes();
  RegisterDeviceAdminRoutes();
  RegisterPolicyRoutes();
  RegisterAccessRoutes();
  RegisterReportRoutes();
  RegisterWebRoutes();
  RegisterSignInRoutes();
  RegisterRevocationRoutes();
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
  (void)audit_trail_->WriteCheckpoint(clock_.Now());
  asio::co_spawn(io,
                 Every(config_.audit_checkpoint_interval,
                       [this] {
                         // A refusal is logged by the trail; the old checkpoint stays.
                         (void)audit_trail_->WriteCheckpoint(clock_.Now());
                       }),
                 asio::detached);
  // Half the interval: a count is written at most 1.5 intervals after its first failure.
  const auto flush_period =
      std::max(std::chrono::seconds(1), config_.unauthenticated_audit_interval / 2);
  asio::co_spawn(io,
                 Every(flush_period,
                       [this] {
                         Status flushed = audit_trail_->FlushDue(clock_.Now());
                         if (!flushed.ok())
                           LogError("audit failed", {{"error", flushed.ToString()}});
                       }),
                 asio::detached);
}

void LapsServer::FinishAuditWork() {
  Status flushed = audit_trail_->FlushAll();
  if (!flushed.ok()) LogError("audit failed", {{"error", flushed.ToString()}});
  (void)audit_trail_->WriteCheckpoint(clock_.Now());
}

Status LapsServer::Bootstrap() {
  auto pool = PasswordPool::Create(config_.password_hash_threads, config_.password_hash_queue);
  if (!pool.ok()) return pool.status();
  password_pool_ = std::move(pool).value();
  auto roles = store_->ListRoles();
  if (!roles.ok()) return roles.status();
  std::optional<store::Id> administrator_role;
  for (const BuiltInRole& builtin : BuiltInRoles()) {
    const store::RoleDefinition* existing = nullptr;
    for (const auto& r : *roles) {
      if (r.built_in && r.name == builtin.name) existing = &r;
    }
    store::RoleDefinition role;
    if (existing) {
      role = *existing;
    } else {
      role.name = std::string(builtin.name);
      role.built_in = true;
    }
    role.description = std::string(builtin.description);
    role.permissions.assign(builtin.permissions.begin(), builtin.permissions.end());
    if (existing) {
      OPENLAPS_RETURN_IF_ERROR(store_->UpdateRole(role));
    } else {
      auto created = store_->CreateRole(role);
      if (!created.ok()) return created.status();
      role = *created;
    }
    if (builtin.name == kAdministratorRole) administrator_role = role.id;
  }

  auto admins = store_->ListAdmins();
  if (!admins.ok()) return admins.status();
  if (!admins->empty()) return Status::Ok();

  // First start: one administrator with a random password, handed over in
  // a 0600 file so it never passes through a log.
  core::SecretString password(crypto::RandomToken(kInitialPasswordBytes));
  auto hash = crypto::HashAdminPassword(password);
  if (!hash.ok()) return hash.status();
  store::AdminAccount admin;
  admin.name = std::string(kInitialAdminName);
  admin.display_name = "Initial administrator";
  admin.password_hash = *hash;
  admin.created_at = clock_.Now();
  auto created = store_->CreateAdmin(admin);
  if (!created.ok()) return created.status();
  store::RoleAssignment assignment;
  assignment.name = "Initial administrator";
  assignment.role_id = *administrator_role;
  assignment.admin_ids = {created->id};
  auto assigned = store_->CreateRoleAssignment(assignment);
  if (!assigned.ok()) return assigned.status();

  std::string content = "{\"userName\":\"" + admin.name + "\",\"password\":\"";
  content += password.Reveal();
  content += "\"}\n";
  Status written = WriteSecretFile(config_.initial_admin_file, content);
  core::SecureZero(content.data(), content.size());
  OPENLAPS_RETURN_IF_ERROR(written);
  LogInfo("created the first administrator",
          {{"user", admin.name}, {"credentials_file", config_.initial_admin_file.string()}});
  store::AuditEvent event;
  event.time = clock_.Now();
  event.actor_type = "system";
  event.actor_name = "lapsd";
  event.activity = "Create administrator";
  event.category = "Role";
  event.result = "success";
  event.target_type = "administrator";
  event.target_id = created->guid;
  event.target_name = created->name;
  event.detail_json = "{}";
  return store_->AppendAudit(event).status();
}

void LapsServer::AddRoute(std::string method, std::string_view pattern, Auth auth,
                          std::string_view permission, SyncHandler handler) {
  AddAsyncRoute(
      std::move(method), pattern, auth, permission,
      [handler = std::move(handler)](Call& call) -> asio::awaitable<Result<http::Response>> {
        co_return handler(call);
      });
}

void LapsServer::AddAsyncRoute(std::string method, std::string_view pattern, Auth auth,
                               std::string_view permission, AsyncHandler handler) {
  router_.Add(std::move(method), pattern, Route{auth, std::string(permission), std::move(handler)});
}

std::vector<LapsServer::RouteInfo> LapsServer::RouteTable() const {
  std::vector<RouteInfo> out;
  router_.ForEach([&out](const std::string& method, const std::string& pattern, const Route& r) {
    std::string auth =
        r.auth == Auth::kAdmin ? "admin" : (r.auth == Auth::kDevice ? "device" : "none");
    out.push_back({method, pattern, std::move(auth), r.permission});
  });
  return out;
}

asio::awaitable<http::Response> LapsServer::Handle(http::Request& request) {
  Call call{request, {}, crypto::RandomToken(12), clock_.Now(), {}, {}, false, 0, {}, {}};
  std::string host = request.Header("Host").value_or("localhost");
  call.base_url = (config_.tls_certificate ? "https://" : "http://") + host;

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
  auto stored = store_->GetTokenByHash(hash);
  if (!stored.ok() || stored->expires_at <= call.now) {
    return UnauthenticatedError("the bearer token is invalid or expired");
  }
  auto admin = store_->GetAdmin(stored->admin_id);
  if (!admin.ok() || admin->disabled) return UnauthenticatedError("the account is disabled");
  auto principal = LoadPrincipal(*store_, *admin);
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
  auto device = store_->GetDeviceByGuid(*device_guid);
  if (!device.ok()) return UnauthenticatedError("unknown device");
  std::int64_t ts = 0;
  auto [end, ec] = std::from_chars(timestamp->data(), timestamp->data() + timestamp->size(), ts);
  if (ec != std::errc() || end != timestamp->data() + timestamp->size()) {
    return UnauthenticatedError("malformed request timestamp");
  }
  auto refuse = [&](std::string why) {
    Status audited =
        AuditUnauthenticated(call, "Refused device request", "Device", "denied", "device",
                             device->guid, device->name, why, {{"path", r.path}});
    if (!audited.ok()) LogError("audit failed", {{"error", audited.ToString()}});
    return UnauthenticatedError(why);
  };
  std::int64_t now = call.now.time_since_epoch().count();
  if (std::llabs(now - ts) > config_.max_clock_skew.count()) {
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
    crypto::Digest key =
        crypto::SessionKey(crypto::AsBytes(session_secret_.Reveal()), device->guid, *session);
    crypto::Digest expected = crypto::Blake2bMac(key, crypto::AsBytes(payload));
    core::SecureZero(key.data(), key.size());
    auto given = crypto::Base64UrlDecode(*mac);
    if (!given.ok() || !crypto::ConstantTimeEquals(*given, expected)) {
      return refuse("bad request MAC");
    }
    call.device_session = true;
  }
  // Remembered for twice the skew window: an older replay fails the skew check.
  auto fresh =
      store_->RememberNonce(device->id, *nonce, call.now, call.now + 2 * config_.max_clock_skew);
  if (!fresh.ok()) return fresh.status();
  if (!*fresh) return refuse("replayed request");
  call.device = std::make_unique<store::Device>(std::move(device).value());
  return Status::Ok();
}

Status LapsServer::Audit(const Call& call, std::string activity, std::string category,
                         std::string result, std::string target_type, std::string target_id,
                         std::string target_name, nlohmann::json detail) {
  store::AuditEvent event;
  event.time = call.now;
  if (call.admin) {
    event.actor_type = "admin";
    event.actor_id = call.admin->admin().guid;
    event.actor_name = call.admin->admin().name;
  } else if (call.device) {
    event.actor_type = "device";
    event.actor_id = call.device->guid;
    event.actor_name = call.device->name;
  } else {
    event.actor_type = "anonymous";
    event.actor_name = call.request.remote_address;
  }
  event.activity = std::move(activity);
  event.category = std::move(category);
  event.result = std::move(result);
  event.target_type = std::move(target_type);
  event.target_id = std::move(target_id);
  event.target_name = std::move(target_name);
  detail["requestId"] = call.request_id;
  event.detail_json = detail.dump();
  return store_->AppendAudit(std::move(event)).status();
}

Status LapsServer::AuditUnauthenticated(const Call& call, std::string activity,
                                        std::string category, std::string result,
                                        std::string target_type, std::string target_id,
                                        std::string target_name, std::string reason,
                                        nlohmann::json detail) {
  store::AuditEvent event;
  event.time = call.now;
  event.actor_type = "anonymous";
  event.actor_name = call.request.remote_address;
  event.activity = std::move(activity);
  event.category = std::move(category);
  event.result = std::move(result);
  event.target_type = std::move(target_type);
  event.target_id = std::move(target_id);
  event.target_name = std::move(target_name);
  detail["reason"] = reason;
  // The first request's id; the count says how many followed.
  detail["requestId"] = call.request_id;
  event.detail_json = detail.dump();
  // Not the name: an attacker chooses it freely (an enrollment's device
  // name, a sign-in's user name); ids name only records that exist.
  std::string key =
      call.request.remote_address + '\n' + event.activity + '\n' + event.target_id + '\n' + reason;
  return audit_trail_->RecordUnauthenticated(key, std::move(event), call.now);
}

Result<std::shared_ptr<const LapsServer::PolicySnapshot>> LapsServer::PolicySnapshotNow() {
  // Another node may have changed the policies: the store's epoch says
  // whether the cached snapshot is still current. Read before listing, so a
  // change racing the rebuild leaves an older epoch and a rebuild next time.
  auto epoch = store_->PolicyEpoch();
  if (!epoch.ok()) return epoch.status();
  {
    std::lock_guard<std::mutex> lock(policy_mu_);
    if (policies_ && policies_->epoch == *epoch) return policies_;
  }
  auto policies = store_->ListPolicies();
  if (!policies.ok()) return policies.status();
  std::vector<core::Policy> domain;
  domain.reserve(policies->size());
  std::map<store::Id, std::string> guids;
  for (const store::PolicyRecord& p : *policies) {
    domain.push_back({p.id, p.version, p.platforms, p.settings, p.assignments});
    guids[p.id] = p.guid;
  }
  auto snapshot = std::make_shared<const PolicySnapshot>(
      PolicySnapshot{core::PolicyIndex(std::move(domain)), std::move(guids), *epoch});
  std::lock_guard<std::mutex> lock(policy_mu_);
  policies_ = snapshot;
  return snapshot;
}

void LapsServer::InvalidatePolicies() {
  std::lock_guard<std::mutex> lock(policy_mu_);
  policies_.reset();
}

Result<core::EffectivePolicy> LapsServer::ResolveFor(const store::Device& device) {
  auto snapshot = PolicySnapshotNow();
  if (!snapshot.ok()) return snapshot.status();
  auto device_groups = store_->ListGroupsOf(store::GroupKind::kDevice, device.id);
  if (!device_groups.ok()) return device_groups.status();
  std::vector<store::Id> user_groups;
  if (device.signed_in_user_id) {
    auto groups = store_->ListGroupsOf(store::GroupKind::kUser, *device.signed_in_user_id);
    if (!groups.ok()) return groups.status();
    user_groups = std::move(groups).value();
  }
  auto stored_reports = store_->ListPolicyReports(device.id);
  if (!stored_reports.ok()) return stored_reports.status();
  std::vector<core::PolicyReport> reports;
  for (const store::PolicyReportRecord& r : *stored_reports) {
    if (r.state == core::PolicyStateKind::kSucceeded || r.state == core::PolicyStateKind::kError) {
      reports.push_back(
          {r.policy_id, r.version, r.state == core::PolicyStateKind::kError, r.detail});
    }
  }
  core::DeviceContext context;
  context.platform = device.platform;
  context.device_groups = *device_groups;
  context.user_groups = user_groups;
  context.applied = device.applied_settings ? &*device.applied_settings : nullptr;
  context.reports = reports;
  return (*snapshot)->index.Resolve(context);
}

bool LapsServer::IsOnline(const store::Device& device, core::Timestamp now) {
  // Parked here, or on any node (another node's poll is only in the store).
  if (hub_.IsParked(device.id)) return true;
  if (device.parked_until && *device.parked_until > now) return true;
  // Otherwise only for a short grace after the last proof of life (the gap
  // between one long-poll and the next), and not after a goodbye.
  std::optional<core::Timestamp> seen = device.last_seen ? device.last_seen : device.last_checkin;
  if (!seen) return false;
  if (device.goodbye_at) return false;  // said goodbye or hung up since
  return *seen + config_.online_grace >= now;
}

int LapsServer::SweepOverdueActions() {
  auto failed = store_->FailOverdueActions(clock_.Now());
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
    if (auto device = store_->GetDevice(action.device_id); device.ok()) {
      event.target_id = device->guid;
      event.target_name = device->name;
    }
    event.detail_json =
        nlohmann::json{{"action", action.guid}, {"error", action.error}, {"queued", action.queued}}
            .dump();
    auto audited = store_->AppendAudit(std::move(event));
    if (!audited.ok()) {
      LogError("audit failed", {{"error", audited.status().ToString()}, {"action", action.guid}});
    }
    LogInfo("device action failed by its deadline",
            {{"action", action.guid}, {"reason", action.error}});
  }
  return static_cast<int>(failed->size());
}

}  // namespace openlaps::server
