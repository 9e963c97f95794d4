// The audit chain, one implementation for every Store: each row's `hash` is
// a keyed BLAKE2b-256 MAC over the previous row's value and the row's
// fields, so nobody without the key (derived by lapsd from its escrow key,
// which no database dump holds) can edit a row and rehash the rows after it.
//
// Rows written before the chain was keyed (schema migration 4 records the
// last of them in `audit_chain.legacy_through`) carry the old unkeyed hash
// and are verified with it; every later row is keyed and links to them.
#ifndef OPENLAPS_STORE_AUDIT_CHAIN_H_
#define OPENLAPS_STORE_AUDIT_CHAIN_H_

#include <cstdint>
#include <optional>
#include <string>

#include "core/status.h"
#include "crypto/hashing.h"
#include "store/model.h"

namespace openlaps::store {

// The chain's MAC key (crypto::Blake2bMac key, 32 bytes).
using AuditKey = crypto::Digest;

// A position in the chain: the newest row's sequence and hex MAC.
struct AuditHead {
  std::int64_t sequence = 0;  // 0: empty chain
  std::string hash;           // "" when empty

  bool operator==(const AuditHead&) const = default;
};

// What a successful verification saw.
struct AuditVerification {
  std::int64_t count = 0;  // rows verified
  AuditHead head;
};

// The keyed MAC of a row (hex), over previous_hash and every field but `hash`.
std::string ComputeAuditMac(const AuditKey& key, const AuditEvent& event);

// The unkeyed hash rows had before migration 4 (hex BLAKE2b-256): a public
// formula, kept only to verify those rows.
std::string ComputeLegacyAuditHash(const AuditEvent& event);

// Checks rows fed in ascending sequence order. DataLoss naming the first bad
// sequence: missing, reordered, altered or rehashed without the key; and,
// given a checkpoint (an outside copy of an earlier head), when the chain
// does not hold that head at its sequence (rows removed from the tail, or
// the table replaced).
class AuditChainVerifier {
 public:
  AuditChainVerifier(const AuditKey& key, std::int64_t legacy_through,
                     std::optional<AuditHead> checkpoint);

  Status Add(const AuditEvent& event);
  Result<AuditVerification> Finish() const;

 private:
  const AuditKey key_;
  const std::int64_t legacy_through_;
  const std::optional<AuditHead> checkpoint_;
  AuditVerification seen_;
};

}  // namespace openlaps::store

#endif  // OPENLAPS_STORE_AUDIT_CHAIN_H_
