#include "agent/active_directory/domain_controller_locator.h"

#include <arpa/nameser.h>
#include <netinet/in.h>
#include <resolv.h>

#include <algorithm>
#include <array>

namespace openlaps::agent::ad {

namespace {
constexpr std::size_t kSrvFixedBytes = 6;  // priority, weight, port
constexpr std::size_t kMaxAnswerBytes = 65536;
}  // namespace

Result<std::vector<ServiceRecord>> ParseServiceRecords(std::span<const std::uint8_t> answer) {
  ns_msg message;
  if (ns_initparse(answer.data(), static_cast<int>(answer.size()), &message) != 0) {
    return InvalidArgumentError("the DNS answer is malformed");
  }
  std::vector<ServiceRecord> records;
  const int count = ns_msg_count(message, ns_s_an);
  for (int i = 0; i < count; ++i) {
    ns_rr rr;
    if (ns_parserr(&message, ns_s_an, i, &rr) != 0) {
      return InvalidArgumentError("the DNS answer is malformed");
    }
    if (ns_rr_type(rr) != ns_t_srv) continue;
    if (ns_rr_rdlen(rr) < kSrvFixedBytes) return InvalidArgumentError("a SRV record is too short");
    const std::uint8_t* data = ns_rr_rdata(rr);
    ServiceRecord record;
    record.priority = ns_get16(data);
    record.weight = ns_get16(data + 2);
    record.port = ns_get16(data + 4);
    std::array<char, NS_MAXDNAME> name{};
    if (ns_name_uncompress(ns_msg_base(message), ns_msg_end(message), data + kSrvFixedBytes,
                           name.data(), name.size()) < 0) {
      return InvalidArgumentError("a SRV record's target is malformed");
    }
    record.target = name.data();
    // "." means the service is decidedly not available (RFC 2782).
    if (record.target.empty() || record.target == ".") continue;
    records.push_back(std::move(record));
  }
  return records;
}

std::vector<std::string> LdapUris(std::vector<ServiceRecord> records) {
  std::stable_sort(records.begin(), records.end(), [](const auto& a, const auto& b) {
    return a.priority != b.priority ? a.priority < b.priority : a.weight > b.weight;
  });
  std::vector<std::string> uris;
  for (const ServiceRecord& r : records) {
    uris.push_back("ldap://" + r.target + ":" + std::to_string(r.port));
  }
  return uris;
}

Result<std::vector<std::string>> LocateDomainControllers(std::string_view domain) {
  const std::string name = "_ldap._tcp.dc._msdcs." + std::string(domain);
  struct __res_state state {};
  if (res_ninit(&state) != 0) return UnavailableError("the DNS resolver could not start");
  std::vector<std::uint8_t> answer(kMaxAnswerBytes);
  const int size = res_nquery(&state, name.c_str(), ns_c_in, ns_t_srv, answer.data(),
                              static_cast<int>(answer.size()));
  res_nclose(&state);
  if (size < 0) {
    return NotFoundError("no domain controller found in DNS (" + name +
                         "); name one with --ad-server");
  }
  OPENLAPS_ASSIGN_OR_RETURN(auto records,
                            ParseServiceRecords(std::span(answer.data(), std::size_t(size))));
  if (records.empty()) return NotFoundError("DNS lists no domain controller for " + name);
  return LdapUris(std::move(records));
}

}  // namespace openlaps::agent::ad
