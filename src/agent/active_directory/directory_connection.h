// DirectoryConnection: an LDAP session with a domain controller, bound as
// this computer's own account (Kerberos from the host keytab), reduced to
// the two things the agent does there: find its computer object and replace
// attributes on it. The OpenLDAP implementation is for Linux; a Windows
// build can put Wldap32 behind the same interface.
//
// Errors: PermissionDenied when the DC refuses a write (no SELF write
// permission), FailedPrecondition when the schema lacks an attribute or the
// keytab holds no computer account, Unavailable when no DC answers or
// Kerberos fails, InvalidArgument when the DC rejects a value. Messages name
// attributes and servers, never values.
//
// Not thread-safe: one connection per rotation, on the agent's loop.
#ifndef OPENLAPS_AGENT_ACTIVE_DIRECTORY_DIRECTORY_CONNECTION_H_
#define OPENLAPS_AGENT_ACTIVE_DIRECTORY_DIRECTORY_CONNECTION_H_

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace openlaps::agent::ad {

// Where and as whom to connect (laps-agent's --ad-* flags).
struct DirectoryOptions {
  // ldap://host, ldaps://host, or several separated by spaces; empty: the
  // domain's DCs from DNS (_ldap._tcp.dc._msdcs.<domain>).
  std::string server_uris;
  std::filesystem::path keytab = "/etc/krb5.keytab";
  // The AD DNS domain; empty: the keytab principal's realm, lowercased.
  std::string domain;
  // ldap:// sessions are sealed by SASL (GSSAPI confidentiality) unless this
  // asks for StartTLS; ldaps:// is TLS from the start.
  bool start_tls = false;
  std::chrono::seconds timeout{10};
};

// The computer account the keytab holds ("LINUX01$" in "LINUX01$@EXAMPLE.COM").
struct MachineAccount {
  std::string sam_account_name;
  std::string realm;
};

// The first computer principal (one ending in '$') in `keytab`.
Result<MachineAccount> MachineAccountFromKeytab(const std::filesystem::path& keytab);

struct DirectoryEntry {
  std::string dn;
  // Attribute name (as asked, case kept) -> values.
  std::map<std::string, std::vector<std::string>, std::less<>> values;

  // The first value of `attribute`, if any.
  std::optional<std::string_view> First(std::string_view attribute) const;
};

// One attribute's new values; the views must outlive the Replace call (they
// may point into SecretStrings, which are never copied).
struct AttributeValues {
  std::string_view attribute;
  std::vector<std::string_view> values;
};

class DirectoryConnection {
 public:
  virtual ~DirectoryConnection() = default;

  const MachineAccount& machine() const { return machine_; }
  // The domain's naming context (rootDSE defaultNamingContext).
  virtual const std::string& naming_context() const = 0;

  // The one entry matching `filter` under the naming context; nullopt when
  // none does.
  virtual Result<std::optional<DirectoryEntry>> FindOne(
      std::string_view filter, std::span<const std::string_view> attributes) = 0;

  // Replaces every attribute listed in one modify: all or nothing.
  virtual Status Replace(std::string_view dn, std::span<const AttributeValues> attributes) = 0;

 protected:
  explicit DirectoryConnection(MachineAccount machine) : machine_(std::move(machine)) {}

 private:
  MachineAccount machine_;
};

// Connects to the first DC that answers and binds as the keytab's computer
// account.
Result<std::unique_ptr<DirectoryConnection>> ConnectAsMachine(const DirectoryOptions& options);

// RFC 4515 escaping for a value inside a search filter.
std::string EscapeFilterValue(std::string_view value);

}  // namespace openlaps::agent::ad

#endif  // OPENLAPS_AGENT_ACTIVE_DIRECTORY_DIRECTORY_CONNECTION_H_
