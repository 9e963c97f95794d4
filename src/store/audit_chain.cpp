#include "store/audit_chain.h"

#include <string_view>

#include "crypto/encoding.h"

namespace openlaps::store {
namespace {

// Part of every value ever written: changing one breaks every existing chain.
constexpr std::string_view kLegacyHashDomain = "openlaps-audit-v1";
constexpr std::string_view kKeyedMacDomain = "openlaps-audit-mac-v2";

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

std::string Canonical(std::string_view domain, const AuditEvent& event) {
  std::string canonical;
  AppendField(canonical, domain);
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
  return canonical;
}

}  // namespace

std::string ComputeAuditMac(const AuditKey& key, const AuditEvent& event) {
  return crypto::HexEncode(
      crypto::Blake2bMac(key, crypto::AsBytes(Canonical(kKeyedMacDomain, event))));
}

std::string ComputeLegacyAuditHash(const AuditEvent& event) {
  return crypto::HexEncode(crypto::Blake2b(crypto::AsBytes(Canonical(kLegacyHashDomain, event))));
}

AuditChainVerifier::AuditChainVerifier(const AuditKey& key, std::int64_t legacy_through,
                                       std::optional<AuditHead> checkpoint)
    : key_(key), legacy_through_(legacy_through), checkpoint_(std::move(checkpoint)) {}

Status AuditChainVerifier::Add(const AuditEvent& event) {
  const std::int64_t expected = seen_.head.sequence + 1;
  const std::string at = "audit chain broken at sequence " + std::to_string(expected);
  if (event.sequence != expected) return DataLossError(at + ": event missing");
  if (event.previous_hash != seen_.head.hash) {
    return DataLossError(at + ": previous hash does not match (removed or reordered)");
  }
  const bool legacy = event.sequence <= legacy_through_;
  const std::string value = legacy ? ComputeLegacyAuditHash(event) : ComputeAuditMac(key_, event);
  if (!crypto::ConstantTimeEquals(value, event.hash)) {
    return DataLossError(at + (legacy ? ": event was altered"
                                      : ": event was altered or rehashed without the audit key"));
  }
  if (checkpoint_ && event.sequence == checkpoint_->sequence && event.hash != checkpoint_->hash) {
    return DataLossError(at + ": the chain does not hold the checkpointed head " +
                         checkpoint_->hash + " (the table was replaced or rewritten)");
  }
  seen_.head = AuditHead{event.sequence, event.hash};
  ++seen_.count;
  return Status::Ok();
}

Result<AuditVerification> AuditChainVerifier::Finish() const {
  if (checkpoint_ && seen_.head.sequence < checkpoint_->sequence) {
    return DataLossError("audit chain ends at sequence " + std::to_string(seen_.head.sequence) +
                         " but the checkpoint records sequence " +
                         std::to_string(checkpoint_->sequence) +
                         ": the newest events were removed");
  }
  return seen_;
}

}  // namespace openlaps::store
