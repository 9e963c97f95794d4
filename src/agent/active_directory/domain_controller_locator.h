// Finds a domain's controllers the way Windows does: the DNS SRV records
// _ldap._tcp.dc._msdcs.<domain> (RFC 2782 order: lowest priority first,
// heavier weight first among equals).
#ifndef OPENLAPS_AGENT_ACTIVE_DIRECTORY_DOMAIN_CONTROLLER_LOCATOR_H_
#define OPENLAPS_AGENT_ACTIVE_DIRECTORY_DOMAIN_CONTROLLER_LOCATOR_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace openlaps::agent::ad {

struct ServiceRecord {
  int priority = 0;
  int weight = 0;
  int port = 0;
  std::string target;

  friend bool operator==(const ServiceRecord&, const ServiceRecord&) = default;
};

// The SRV records of a DNS answer message; InvalidArgument when it is not one.
Result<std::vector<ServiceRecord>> ParseServiceRecords(std::span<const std::uint8_t> answer);

// ldap://target:port for each record, in the order to try them.
std::vector<std::string> LdapUris(std::vector<ServiceRecord> records);

// Asks the system resolver. NotFound when the domain publishes no DC.
Result<std::vector<std::string>> LocateDomainControllers(std::string_view domain);

}  // namespace openlaps::agent::ad

#endif  // OPENLAPS_AGENT_ACTIVE_DIRECTORY_DOMAIN_CONTROLLER_LOCATOR_H_
