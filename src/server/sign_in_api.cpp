// Sign-in and its limits (issue 10 item 5):
//  - constant work: an unknown or disabled account is checked against the
//    password pool's dummy Argon2id hash, so every refusal costs the same;
//  - Argon2id runs on the bounded PasswordPool, never on an I/O thread; a
//    full pool answers 503 with Retry-After at once;
//  - failures are counted per account name and per client address in the
//    store (Store::CountThrottleEvent), so every lapsd node sees the same
//    counts; over a limit, 429 with Retry-After until the lockout ends or an
//    admin with role management clears it;
//  - reveals are counted per admin the same way.
#include "server/sign_in_api.h"

#include <algorithm>
#include <cctype>

#include "crypto/csprng.h"
#include "crypto/hashing.h"
#include "server/graph_response.h"
#include "server/log.h"
#include "server/odata.h"
#include "server/password_pool.h"
#include "server/permissions.h"
#include "server/server_context.h"

namespace openlaps::server {

namespace asio = boost::asio;

namespace {

constexpr std::size_t kSessionTokenBytes = 32;

// Admin names are unique without regard to ASCII case (store migration 1),
// so the account's counter is too: "Admin" and "admin" are one account.
std::string AccountSubject(std::string_view name) {
  std::string subject = "account:";
  for (char c : name) subject += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return subject;
}

std::string SourceSubject(const http::Request& request) {
  return "source:" + request.remote_address;
}

// "%3A" and friends, so a subject with reserved characters can be named in a path.
std::string PercentDecode(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() &&
        std::isxdigit(static_cast<unsigned char>(text[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(text[i + 2]))) {
      out += static_cast<char>(std::stoi(std::string(text.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

nlohmann::json LockoutJson(const store::ThrottleRecord& r) {
  return {{"id", r.subject},
          {"failures", r.events},
          {"windowStartDateTime", core::FormatUtc(r.window_start)},
          {"lockedUntilDateTime", r.blocked_until ? core::FormatUtc(*r.blocked_until) : ""}};
}

}  // namespace

void SignInApi::RegisterRoutes(RouteRegistry& routes) {
  routes.AddAsync("POST", "/api/v1/login", Auth::kNone, "", [this](Call& c) { return Login(c); });
  routes.Add("GET", "/api/v1/signInLockouts", Auth::kAdmin, permission::kManageRoles,
             [this](Call& c) { return ListSignInLockouts(c); });
  routes.Add("DELETE", "/api/v1/signInLockouts/{id}", Auth::kAdmin, permission::kManageRoles,
             [this](Call& c) { return ClearSignInLockout(c); });
}

asio::awaitable<Result<http::Response>> SignInApi::Login(Call& call) {
  auto parsed = ParseJsonObject(call.request.body);
  if (!parsed.ok()) co_return parsed.status();
  const nlohmann::json& body = *parsed;
  auto name_it = body.find("userName");
  auto password_it = body.find("password");
  if (name_it == body.end() || !name_it->is_string() ||
      name_it->get_ref<const std::string&>().empty() || password_it == body.end() ||
      !password_it->is_string()) {
    co_return InvalidArgumentError("userName and password are required");
  }
  const std::string name = name_it->get<std::string>();
  core::SecretString password(password_it->get_ref<const std::string&>());
  // A full pool refuses at once, before any database work: a flood that
  // ignores Retry-After costs the I/O threads as little as possible.
  if (context_.password_pool().full()) {
    co_return WithRetryAfter(
        ErrorResponse(UnavailableError("too many sign-ins are being checked; try again shortly"),
                      call.request_id, call.now),
        std::chrono::seconds(1));
  }
  const std::string account = AccountSubject(name);
  const std::string source = SourceSubject(call.request);

  // Locked out: refused before any Argon2id work, whether or not the name exists.
  auto locked_out = LockedOut(call, {account, source});
  if (!locked_out.ok()) co_return locked_out.status();
  if (*locked_out) co_return std::move(**locked_out);

  auto admin = context_.store().GetAdminByName(name);
  if (!admin.ok() && !admin.status().IsNotFound()) co_return admin.status();
  std::optional<std::string> hash;
  if (admin.ok() && !admin->disabled) hash = admin->password_hash;
  if (LogEnabled(LogLevel::kDebug)) {
    // One line per Argon2id check: the attack suite counts them to see that
    // an unknown name costs the same one verification a real one does.
    Log(LogLevel::kDebug, "sign-in argon2id verification",
        {{"request_id", call.request_id}, {"against", hash ? "account" : "dummy"}});
  }
  Result<bool> verified =
      co_await context_.password_pool().Verify(std::move(hash), std::move(password));
  if (!verified.ok()) {
    co_return WithRetryAfter(ErrorResponse(verified.status(), call.request_id, call.now),
                             std::chrono::seconds(1));
  }

  if (!*verified) co_return RefuseSignIn(call, name, account, source, admin);
  co_return OpenSession(call, *admin, account);
}

Result<std::optional<http::Response>> SignInApi::LockedOut(
    const Call& call, std::initializer_list<std::string> subjects) {
  for (const std::string& subject : subjects) {
    auto throttle = context_.store().GetThrottle(subject);
    if (!throttle.ok() && !throttle.status().IsNotFound()) return throttle.status();
    if (throttle.ok() && throttle->blocked_until && *throttle->blocked_until > call.now) {
      return std::optional<http::Response>(WithRetryAfter(
          ErrorResponse(
              Status(StatusCode::kResourceExhausted, "too many failed sign-ins; try again later"),
              call.request_id, call.now),
          *throttle->blocked_until - call.now));
    }
  }
  return std::optional<http::Response>();
}

Result<http::Response> SignInApi::RefuseSignIn(const Call& call, const std::string& name,
                                               const std::string& account,
                                               const std::string& source,
                                               const Result<store::AdminAccount>& admin) {
  bool locked = false;
  for (const auto& [subject, limit] :
       {std::pair{account, context_.config().sign_in_max_failures},
        std::pair{source, context_.config().sign_in_source_max_failures}}) {
    auto counted = context_.store().CountThrottleEvent(subject, call.now,
                                                       context_.config().sign_in_failure_window,
                                                       limit, context_.config().sign_in_lockout);
    if (!counted.ok()) return counted.status();
    locked = locked || counted->blocked_until.has_value();
  }
  OPENLAPS_RETURN_IF_ERROR(context_.AuditUnauthenticated(
      call, "Sign in", "Authentication", "failure", "administrator", admin.ok() ? admin->guid : "",
      name, locked ? "too many failed sign-ins" : "the user name or password is incorrect",
      {{"lockedOut", locked}}));
  return UnauthenticatedError("the user name or password is incorrect");
}

Result<http::Response> SignInApi::OpenSession(Call& call, const store::AdminAccount& admin,
                                              const std::string& account) {
  // A success forgives the account's failures, never the source's: one
  // account an attacker knows must not reset its guessing at others.
  Status cleared = context_.store().ClearThrottle(account);
  if (!cleared.ok() && !cleared.IsNotFound()) return cleared;
  std::string token = crypto::RandomToken(kSessionTokenBytes);
  store::AdminToken stored;
  stored.admin_id = admin.id;
  stored.kind = store::TokenKind::kSession;
  stored.token_hash = crypto::TokenHash(token);
  stored.created_at = call.now;
  stored.expires_at = call.now + context_.config().session_lifetime;
  auto created = context_.store().CreateToken(stored);
  if (!created.ok()) return created.status();
  call.admin =
      std::make_unique<AdminPrincipal>(admin, std::map<std::string, ScopeFilter, std::less<>>{});
  Status audited = context_.Audit(call, "Sign in", "Authentication", "success", "administrator",
                                  admin.guid, admin.name);
  if (!audited.ok()) return audited;
  http::Response response =
      JsonResponse(200, {{"access_token", token},
                         {"token_type", "Bearer"},
                         {"expires_in", context_.config().session_lifetime.count()}});
  response.headers["Cache-Control"] = "no-store";
  core::SecureZero(token.data(), token.size());
  return response;
}

Result<http::Response> SignInApi::ListSignInLockouts(Call& call) {
  OPENLAPS_RETURN_IF_ERROR(RequireUnscopedRoleManagement(call));
  OPENLAPS_ASSIGN_OR_RETURN(auto blocked, context_.store().ListBlockedThrottles(call.now));
  nlohmann::json value = nlohmann::json::array();
  for (const auto& r : blocked) {
    // Reveal limits are not sign-in lockouts; they end with their window.
    if (r.subject.starts_with("account:") || r.subject.starts_with("source:")) {
      value.push_back(LockoutJson(r));
    }
  }
  static const ODataOptions kOptions{.filterable = {"id", "failures", "lockedUntilDateTime"}};
  OPENLAPS_ASSIGN_OR_RETURN(nlohmann::json body, ApplyODataQuery(call.request, call.base_url,
                                                                 std::move(value), kOptions));
  return JsonResponse(200, body);
}

Result<http::Response> SignInApi::ClearSignInLockout(Call& call) {
  OPENLAPS_RETURN_IF_ERROR(RequireUnscopedRoleManagement(call));
  std::string subject = PercentDecode(call.Param("id"));
  if (!subject.starts_with("account:") && !subject.starts_with("source:")) {
    return InvalidArgumentError("a lockout id is account:<user name> or source:<address>");
  }
  if (subject.starts_with("account:")) subject = AccountSubject(subject.substr(8));
  Status cleared = context_.store().ClearThrottle(subject);
  if (cleared.IsNotFound()) return NotFoundError("no sign-in failures recorded for " + subject);
  OPENLAPS_RETURN_IF_ERROR(cleared);
  OPENLAPS_RETURN_IF_ERROR(context_.Audit(call, "Clear sign-in lockout", "Authentication",
                                          "success", "signInLockout", subject, subject));
  return NoContent();
}

}  // namespace openlaps::server
