#include "store/store.h"

#include <cstdint>
#include <string_view>

#include "crypto/encoding.h"
#include "crypto/hashing.h"

namespace openlaps::store {
namespace {

// Part of every hash ever written: changing it breaks every existing chain.
constexpr std::string_view kAuditHashDomain = "openlaps-audit-v1";

// Fixed-width big-endian, so integers need no length prefix.
void AppendInt(std::string& out, std::int64_t value) {
  const auto bits = static_cast<std::uint64_t>(value);
  for (int shift = 56; shift >= 0; shift -= 8) {
    out.push_back(static_cast<char>((bits >> shift) & 0xff));
  }
}

// Length-prefixed, so no choice of field contents can make two different
// events serialize to the same bytes.
void AppendField(std::string& out, std::string_view value) {
  AppendInt(out, static_cast<std::int64_t>(value.size()));
  out.append(value);
}

}  // namespace

std::string ComputeAuditHash(const AuditEvent& event) {
  std::string canonical;
  AppendField(canonical, kAuditHashDomain);
  AppendInt(canonical, event.sequence);
  AppendField(canonical, event.guid);
  AppendInt(canonical, event.time.time_since_epoch().count());
  AppendField(canonical, event.actor_type);
  AppendField(canonical, event.actor_id);
  AppendField(canonical, event.actor_name);
  AppendField(canonical, event.activity);
  AppendField(canonical, event.category);
  AppendField(canonical, event.result);
  AppendField(canonical, event.target_type);
  AppendField(canonical, event.target_id);
  AppendField(canonical, event.target_name);
  AppendField(canonical, event.detail_json);
  AppendField(canonical, event.previous_hash);
  return crypto::HexEncode(crypto::Blake2b(crypto::AsBytes(canonical)));
}

}  // namespace openlaps::store
