// DirectoryConnection over OpenLDAP's libldap, bound with SASL GSSAPI as the
// computer account. The Kerberos ticket is obtained from the keytab into a
// private in-memory credential cache for each connection, so the agent needs
// no kinit, cron job or KRB5CCNAME, and never touches a user's tickets.
#include <gssapi/gssapi_krb5.h>
#include <krb5/krb5.h>
#include <ldap.h>
#include <sasl/sasl.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <sstream>

#include "agent/active_directory/directory_connection.h"
#include "agent/active_directory/domain_controller_locator.h"

namespace openlaps::agent::ad {

namespace {

// ---- Kerberos ------------------------------------------------------------

class Krb5Context {
 public:
  Krb5Context() {
    if (krb5_init_context(&context_) != 0) context_ = nullptr;
  }
  ~Krb5Context() {
    if (context_ != nullptr) krb5_free_context(context_);
  }
  Krb5Context(const Krb5Context&) = delete;
  Krb5Context& operator=(const Krb5Context&) = delete;

  krb5_context get() const { return context_; }
  std::string Message(krb5_error_code code) const {
    const char* text = krb5_get_error_message(context_, code);
    std::string message = text != nullptr ? text : "Kerberos error " + std::to_string(code);
    krb5_free_error_message(context_, text);
    return message;
  }

 private:
  krb5_context context_ = nullptr;
};

Status KerberosError(const Krb5Context& context, std::string_view what, krb5_error_code code) {
  return UnavailableError(std::string(what) + ": " + context.Message(code));
}

std::string KeytabName(const std::filesystem::path& keytab) { return "FILE:" + keytab.string(); }

// A computer account's ticket-granting ticket from the keytab, in a memory
// cache of its own; GSSAPI on this thread uses it until the cache dies.
class MachineTicket {
 public:
  static Result<std::unique_ptr<MachineTicket>> Obtain(const std::filesystem::path& keytab,
                                                       const MachineAccount& machine) {
    auto ticket = std::unique_ptr<MachineTicket>(new MachineTicket());
    const Krb5Context& k = ticket->context_;
    if (k.get() == nullptr) return UnavailableError("Kerberos could not start (krb5.conf?)");
    krb5_keytab table = nullptr;
    if (auto code = krb5_kt_resolve(k.get(), KeytabName(keytab).c_str(), &table); code != 0) {
      return KerberosError(k, "keytab " + keytab.string(), code);
    }
    krb5_principal principal = nullptr;
    const std::string name = machine.sam_account_name + "@" + machine.realm;
    if (auto code = krb5_parse_name(k.get(), name.c_str(), &principal); code != 0) {
      krb5_kt_close(k.get(), table);
      return KerberosError(k, "principal " + name, code);
    }
    krb5_creds creds{};
    krb5_error_code code =
        krb5_get_init_creds_keytab(k.get(), &creds, principal, table, 0, nullptr, nullptr);
    krb5_kt_close(k.get(), table);
    if (code == 0) {
      static std::atomic<int> counter{0};
      const std::string cache = "MEMORY:openlaps-agent-" + std::to_string(++counter);
      code = krb5_cc_resolve(k.get(), cache.c_str(), &ticket->cache_);
      if (code == 0) code = krb5_cc_initialize(k.get(), ticket->cache_, principal);
      if (code == 0) code = krb5_cc_store_cred(k.get(), ticket->cache_, &creds);
      OM_uint32 minor = 0;
      if (code == 0 && gss_krb5_ccache_name(&minor, cache.c_str(), nullptr) != GSS_S_COMPLETE) {
        krb5_free_cred_contents(k.get(), &creds);
        krb5_free_principal(k.get(), principal);
        return UnavailableError("GSSAPI refused the machine's credential cache");
      }
      krb5_free_cred_contents(k.get(), &creds);
    }
    krb5_free_principal(k.get(), principal);
    if (code != 0) return KerberosError(k, "a ticket for " + name + " from the keytab", code);
    return ticket;
  }

  ~MachineTicket() {
    if (cache_ != nullptr) krb5_cc_destroy(context_.get(), cache_);
  }
  MachineTicket(const MachineTicket&) = delete;
  MachineTicket& operator=(const MachineTicket&) = delete;

 private:
  MachineTicket() = default;

  Krb5Context context_;
  krb5_ccache cache_ = nullptr;
};

// ---- LDAP ----------------------------------------------------------------

Status LdapError(int code, std::string_view what) {
  const std::string message = std::string(what) + ": " + ldap_err2string(code);
  switch (code) {
    case LDAP_INSUFFICIENT_ACCESS:
    case LDAP_INAPPROPRIATE_AUTH:
    case LDAP_INVALID_CREDENTIALS:
    case LDAP_STRONG_AUTH_REQUIRED:
    case LDAP_CONFIDENTIALITY_REQUIRED:
      return PermissionDeniedError(message);
    case LDAP_UNDEFINED_TYPE:
    case LDAP_OBJECT_CLASS_VIOLATION:
    case LDAP_NO_SUCH_ATTRIBUTE:
    case LDAP_NO_SUCH_OBJECT:
      return FailedPreconditionError(message);
    case LDAP_CONSTRAINT_VIOLATION:
    case LDAP_INVALID_SYNTAX:
      return InvalidArgumentError(message);
    default:
      return UnavailableError(message);
  }
}

// GSSAPI asks for nothing a daemon could answer; take SASL's defaults.
int SaslDefaults(LDAP* /*ld*/, unsigned /*flags*/, void* /*defaults*/, void* interactions) {
  for (auto* i = static_cast<sasl_interact_t*>(interactions); i->id != SASL_CB_LIST_END; ++i) {
    i->result = i->defresult != nullptr ? i->defresult : "";
    i->len = static_cast<unsigned>(std::strlen(static_cast<const char*>(i->result)));
  }
  return LDAP_SUCCESS;
}

class LdapMessage {
 public:
  LdapMessage() = default;
  ~LdapMessage() {
    if (message_ != nullptr) ldap_msgfree(message_);
  }
  LdapMessage(const LdapMessage&) = delete;
  LdapMessage& operator=(const LdapMessage&) = delete;
  LDAPMessage** out() { return &message_; }
  LDAPMessage* get() const { return message_; }

 private:
  LDAPMessage* message_ = nullptr;
};

class OpenLdapConnection final : public DirectoryConnection {
 public:
  OpenLdapConnection(MachineAccount machine, LDAP* ld, std::chrono::seconds timeout)
      : DirectoryConnection(std::move(machine)), ld_(ld), timeout_(timeout) {}
  ~OpenLdapConnection() override { ldap_unbind_ext_s(ld_, nullptr, nullptr); }
  OpenLdapConnection(const OpenLdapConnection&) = delete;
  OpenLdapConnection& operator=(const OpenLdapConnection&) = delete;

  Status ReadNamingContext() {
    constexpr std::string_view kAttribute = "defaultNamingContext";
    OPENLAPS_ASSIGN_OR_RETURN(
        auto root, Search("", LDAP_SCOPE_BASE, "(objectClass=*)", std::span(&kAttribute, 1)));
    if (!root) return UnavailableError("the DC did not answer the rootDSE query");
    auto context = root->First(kAttribute);
    if (!context) return UnavailableError("the DC named no defaultNamingContext");
    naming_context_ = std::string(*context);
    return Status::Ok();
  }

  const std::string& naming_context() const override { return naming_context_; }

  Result<std::optional<DirectoryEntry>> FindOne(
      std::string_view filter, std::span<const std::string_view> attributes) override {
    return Search(naming_context_, LDAP_SCOPE_SUBTREE, filter, attributes);
  }

  Status Replace(std::string_view dn, std::span<const AttributeValues> attributes) override {
    // LDAPMod wants mutable pointers; it only reads through them.
    std::vector<std::string> names;
    std::vector<std::vector<berval>> values(attributes.size());
    std::vector<std::vector<berval*>> value_lists(attributes.size());
    std::vector<LDAPMod> mods(attributes.size());
    std::vector<LDAPMod*> mod_list;
    names.reserve(attributes.size());
    for (std::size_t i = 0; i < attributes.size(); ++i) {
      names.emplace_back(attributes[i].attribute);
      for (std::string_view v : attributes[i].values) {
        values[i].push_back(berval{static_cast<ber_len_t>(v.size()), const_cast<char*>(v.data())});
      }
      for (berval& v : values[i]) value_lists[i].push_back(&v);
      value_lists[i].push_back(nullptr);
      mods[i].mod_op = LDAP_MOD_REPLACE | LDAP_MOD_BVALUES;
      mods[i].mod_type = names[i].data();
      mods[i].mod_vals.modv_bvals = value_lists[i].data();
      mod_list.push_back(&mods[i]);
    }
    mod_list.push_back(nullptr);
    const std::string target(dn);
    int code = ldap_modify_ext_s(ld_, target.c_str(), mod_list.data(), nullptr, nullptr);
    if (code != LDAP_SUCCESS) {
      std::ostringstream what;
      what << "writing ";
      for (std::size_t i = 0; i < names.size(); ++i) what << (i ? ", " : "") << names[i];
      what << " on " << target;
      return LdapError(code, what.str());
    }
    return Status::Ok();
  }

 private:
  Result<std::optional<DirectoryEntry>> Search(std::string_view base, int scope,
                                               std::string_view filter,
                                               std::span<const std::string_view> attributes) {
    std::vector<std::string> names(attributes.begin(), attributes.end());
    std::vector<char*> name_list;
    for (std::string& n : names) name_list.push_back(n.data());
    name_list.push_back(nullptr);
    timeval limit{timeout_.count(), 0};
    LdapMessage result;
    const std::string base_dn(base);
    const std::string filter_text(filter);
    int code = ldap_search_ext_s(ld_, base_dn.c_str(), scope, filter_text.c_str(), name_list.data(),
                                 0, nullptr, nullptr, &limit, 2, result.out());
    if (code != LDAP_SUCCESS) return LdapError(code, "searching " + filter_text);
    if (ldap_count_entries(ld_, result.get()) > 1) {
      return FailedPreconditionError("more than one entry matches " + filter_text);
    }
    LDAPMessage* entry = ldap_first_entry(ld_, result.get());
    if (entry == nullptr) return std::optional<DirectoryEntry>();
    DirectoryEntry found;
    if (char* dn = ldap_get_dn(ld_, entry); dn != nullptr) {
      found.dn = dn;
      ldap_memfree(dn);
    }
    for (const std::string& name : names) {
      berval** vals = ldap_get_values_len(ld_, entry, name.c_str());
      if (vals == nullptr) continue;
      std::vector<std::string>& out = found.values[name];
      for (berval** v = vals; *v != nullptr; ++v) out.emplace_back((*v)->bv_val, (*v)->bv_len);
      ldap_value_free_len(vals);
    }
    return std::optional<DirectoryEntry>(std::move(found));
  }

  LDAP* ld_;
  std::chrono::seconds timeout_;
  std::string naming_context_;
};

// One DC: connect, (StartTLS), SASL GSSAPI bind, rootDSE.
Result<std::unique_ptr<DirectoryConnection>> Bind(const std::string& uri,
                                                  const DirectoryOptions& options,
                                                  const MachineAccount& machine) {
  LDAP* ld = nullptr;
  if (int code = ldap_initialize(&ld, uri.c_str()); code != LDAP_SUCCESS) {
    return LdapError(code, "the DC address " + uri);
  }
  auto connection = std::make_unique<OpenLdapConnection>(machine, ld, options.timeout);
  const int version = LDAP_VERSION3;
  timeval timeout{options.timeout.count(), 0};
  ldap_set_option(ld, LDAP_OPT_PROTOCOL_VERSION, &version);
  ldap_set_option(ld, LDAP_OPT_REFERRALS, LDAP_OPT_OFF);
  ldap_set_option(ld, LDAP_OPT_NETWORK_TIMEOUT, &timeout);
  ldap_set_option(ld, LDAP_OPT_TIMEOUT, &timeout);
  // The DC's service principal is built from the name given, not from a
  // reverse lookup an attacker on the network could answer.
  ldap_set_option(ld, LDAP_OPT_X_SASL_NOCANON, LDAP_OPT_ON);
  const bool tls = uri.starts_with("ldaps://") || options.start_tls;
  if (options.start_tls && !uri.starts_with("ldaps://")) {
    if (int code = ldap_start_tls_s(ld, nullptr, nullptr); code != LDAP_SUCCESS) {
      return LdapError(code, "StartTLS with " + uri);
    }
  }
  // Without TLS the password travels inside GSSAPI's sealing: insist on it.
  const char* properties = tls ? "minssf=0" : "minssf=56";
  ldap_set_option(ld, LDAP_OPT_X_SASL_SECPROPS, properties);
  int code = ldap_sasl_interactive_bind_s(ld, nullptr, "GSSAPI", nullptr, nullptr, LDAP_SASL_QUIET,
                                          SaslDefaults, nullptr);
  if (code != LDAP_SUCCESS) {
    return LdapError(code, "binding to " + uri + " as " + machine.sam_account_name);
  }
  OPENLAPS_RETURN_IF_ERROR(connection->ReadNamingContext());
  return std::unique_ptr<DirectoryConnection>(std::move(connection));
}

}  // namespace

Result<MachineAccount> MachineAccountFromKeytab(const std::filesystem::path& keytab) {
  Krb5Context k;
  if (k.get() == nullptr) return UnavailableError("Kerberos could not start (krb5.conf?)");
  krb5_keytab table = nullptr;
  if (auto code = krb5_kt_resolve(k.get(), KeytabName(keytab).c_str(), &table); code != 0) {
    return KerberosError(k, "keytab " + keytab.string(), code);
  }
  krb5_kt_cursor cursor{};
  if (auto code = krb5_kt_start_seq_get(k.get(), table, &cursor); code != 0) {
    krb5_kt_close(k.get(), table);
    return FailedPreconditionError("keytab " + keytab.string() + ": " + k.Message(code));
  }
  std::optional<MachineAccount> machine;
  krb5_keytab_entry entry{};
  while (!machine && krb5_kt_next_entry(k.get(), table, &entry, &cursor) == 0) {
    const krb5_principal p = entry.principal;
    if (p->length == 1) {
      std::string name(p->data[0].data, p->data[0].length);
      if (name.size() > 1 && name.back() == '$') {
        machine = MachineAccount{std::move(name), std::string(p->realm.data, p->realm.length)};
      }
    }
    krb5_free_keytab_entry_contents(k.get(), &entry);
  }
  krb5_kt_end_seq_get(k.get(), table, &cursor);
  krb5_kt_close(k.get(), table);
  if (!machine) {
    return FailedPreconditionError("keytab " + keytab.string() +
                                   " holds no computer account (NAME$@REALM)");
  }
  return *machine;
}

Result<std::unique_ptr<DirectoryConnection>> ConnectAsMachine(const DirectoryOptions& options) {
  OPENLAPS_ASSIGN_OR_RETURN(MachineAccount machine, MachineAccountFromKeytab(options.keytab));
  std::vector<std::string> uris;
  if (!options.server_uris.empty()) {
    std::istringstream list(options.server_uris);
    for (std::string uri; list >> uri;) uris.push_back(uri);
  } else {
    std::string domain = options.domain.empty() ? machine.realm : options.domain;
    std::transform(domain.begin(), domain.end(), domain.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    OPENLAPS_ASSIGN_OR_RETURN(uris, LocateDomainControllers(domain));
  }
  OPENLAPS_ASSIGN_OR_RETURN(auto ticket, MachineTicket::Obtain(options.keytab, machine));
  Status last = UnavailableError("no domain controller to try");
  for (const std::string& uri : uris) {
    auto bound = Bind(uri, options, machine);
    if (bound.ok()) return bound;
    last = bound.status();
    // A refusal is the domain's answer, not one DC's: do not try the next.
    if (last.code() == StatusCode::kPermissionDenied) break;
  }
  return last;
}

}  // namespace openlaps::agent::ad
