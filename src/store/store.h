// Store: everything lapsd persists, in domain terms. Implementations:
// store/sqlite (embedded default) and store/postgres (several nodes). Nothing above
// this interface sees SQL.
//
// Contract for every method:
//  - thread-safe; each call is atomic (its own transaction);
//  - NotFound when an addressed record does not exist, AlreadyExists on a
//    uniqueness clash, FailedPrecondition when the domain forbids it,
//    Internal/Unavailable for database faults (message without secrets);
//  - lists return ascending by id unless stated otherwise; id sets inside
//    records (members, scope tags, admins) come back ascending;
//  - the store has no clock: every time it records (created_at, modified_at,
//    `now` arguments) is the caller's;
//  - Create* fill `id`, and `guid` when the caller left it empty.
#ifndef OPENLAPS_STORE_STORE_H_
#define OPENLAPS_STORE_STORE_H_

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "store/audit_chain.h"
#include "store/model.h"

namespace openlaps::store {

// Why FailOverdueActions failed an action (its error).
inline constexpr std::string_view kActionNotDelivered = "the device did not respond";
inline constexpr std::string_view kActionExpired = "expired";
inline constexpr std::string_view kActionNotFinished = "the device did not finish";

// What a check-in changes on the device record.
struct CheckinUpdate {
  Timestamp time{};
  std::string name;
  std::string os_version;
  std::optional<Id> signed_in_user_id;
  std::optional<core::PolicySettings> applied_settings;  // unchanged when nullopt
  std::string managed_account_name;
  std::string managed_account_sid;
  std::string laps_state;
  std::optional<Timestamp> next_rotation;  // unchanged when nullopt
};

struct AuditQuery {
  std::optional<Timestamp> from;  // inclusive
  std::optional<Timestamp> to;    // exclusive
  std::string actor;              // actor_id or actor_name, exact; "" = any
  std::string target_id;          // "" = any
  std::string activity;           // exact; "" = any
  std::int64_t after_sequence = 0;
  std::int64_t limit = 1000;
};

class Store {
 public:
  virtual ~Store() = default;

  // --- Administrators and their bearer tokens ---
  virtual Result<AdminAccount> CreateAdmin(AdminAccount admin) = 0;  // fills id, guid
  virtual Result<AdminAccount> GetAdmin(Id id) = 0;
  virtual Result<AdminAccount> GetAdminByName(std::string_view name) = 0;
  virtual Result<std::vector<AdminAccount>> ListAdmins() = 0;
  virtual Status UpdateAdmin(const AdminAccount& admin) = 0;
  virtual Result<AdminToken> CreateToken(AdminToken token) = 0;  // fills id, guid
  // NotFound when unknown (expiry is the caller's check).
  virtual Result<AdminToken> GetTokenByHash(std::string_view token_hash) = 0;
  virtual Result<std::vector<AdminToken>> ListTokens(Id admin_id) = 0;
  virtual Status DeleteToken(Id id) = 0;
  // Deletes every token of the admin (sessions and API tokens); returns how
  // many. NotFound for an unknown admin.
  virtual Result<std::int64_t> DeleteTokensOfAdmin(Id admin_id) = 0;
  // Deletes the admin with its tokens and its role-assignment memberships
  // (audit rows keep its guid and name). NotFound when unknown.
  virtual Status DeleteAdmin(Id id) = 0;

  // --- Throttles (sign-in failures, reveals), shared by every node ---
  // Counts one event for `subject`, atomically: a window older than `window`
  // whose block has ended starts over at `now` with this event; when the
  // count reaches `limit`, the subject is blocked until now + `block`.
  // Returns the record after counting.
  virtual Result<ThrottleRecord> CountThrottleEvent(std::string_view subject, Timestamp now,
                                                    std::chrono::seconds window, std::int64_t limit,
                                                    std::chrono::seconds block) = 0;
  // NotFound when the subject has no record.
  virtual Result<ThrottleRecord> GetThrottle(std::string_view subject) = 0;
  // Subjects blocked after `now`, ascending by subject.
  virtual Result<std::vector<ThrottleRecord>> ListBlockedThrottles(Timestamp now) = 0;
  // Forgets the subject's count and block; NotFound when it has no record.
  virtual Status ClearThrottle(std::string_view subject) = 0;

  // --- Scope tags, roles, role assignments ---
  virtual Result<ScopeTag> CreateScopeTag(ScopeTag tag) = 0;
  virtual Result<ScopeTag> GetScopeTag(Id id) = 0;
  virtual Result<std::vector<ScopeTag>> ListScopeTags() = 0;
  virtual Status UpdateScopeTag(const ScopeTag& tag) = 0;
  virtual Status DeleteScopeTag(Id id) = 0;  // FailedPrecondition for tag 0

  virtual Result<RoleDefinition> CreateRole(RoleDefinition role) = 0;
  virtual Result<RoleDefinition> GetRole(Id id) = 0;
  virtual Result<RoleDefinition> GetRoleByGuid(std::string_view guid) = 0;
  virtual Result<std::vector<RoleDefinition>> ListRoles() = 0;
  virtual Status UpdateRole(const RoleDefinition& role) = 0;
  virtual Status DeleteRole(Id id) = 0;  // FailedPrecondition when built in or assigned

  virtual Result<RoleAssignment> CreateRoleAssignment(RoleAssignment assignment) = 0;
  virtual Result<RoleAssignment> GetRoleAssignmentByGuid(std::string_view guid) = 0;
  virtual Result<std::vector<RoleAssignment>> ListRoleAssignments() = 0;
  virtual Result<std::vector<RoleAssignment>> ListRoleAssignmentsForAdmin(Id admin_id) = 0;
  virtual Status UpdateRoleAssignment(const RoleAssignment& assignment) = 0;
  virtual Status DeleteRoleAssignment(Id id) = 0;

  // --- Users and groups ---
  virtual Result<User> CreateUser(User user) = 0;
  virtual Result<User> GetUser(Id id) = 0;
  virtual Result<User> GetUserByGuid(std::string_view guid) = 0;
  virtual Result<User> GetUserByPrincipalName(std::string_view upn) = 0;
  virtual Result<std::vector<User>> ListUsers() = 0;

  virtual Result<Group> CreateGroup(Group group) = 0;  // members and scope tags too
  virtual Result<Group> GetGroup(Id id) = 0;
  virtual Result<Group> GetGroupByGuid(std::string_view guid) = 0;
  virtual Result<std::vector<Group>> ListGroups() = 0;  // with members
  virtual Status UpdateGroup(const Group& group) = 0;   // name and description only, not tags
  virtual Status DeleteGroup(Id id) = 0;                // also removes assignments that target it
  virtual Status AddGroupMember(Id group_id, Id member_id) = 0;     // idempotent
  virtual Status RemoveGroupMember(Id group_id, Id member_id) = 0;  // NotFound if absent
  // Groups of `kind` that contain the device or user.
  virtual Result<std::vector<Id>> ListGroupsOf(GroupKind kind, Id member_id) = 0;

  // --- Policies ---
  virtual Result<PolicyRecord> CreatePolicy(PolicyRecord policy) = 0;  // version 1
  virtual Result<PolicyRecord> GetPolicy(Id id) = 0;
  virtual Result<PolicyRecord> GetPolicyByGuid(std::string_view guid) = 0;
  virtual Result<std::vector<PolicyRecord>> ListPolicies() = 0;  // with assignments
  // Replaces name, description, platforms, settings, scope tags; bumps version.
  virtual Result<PolicyRecord> UpdatePolicy(const PolicyRecord& policy) = 0;
  virtual Status DeletePolicy(Id id) = 0;
  // Replaces the policy's assignments; NotFound for an unknown group.
  virtual Status SetPolicyAssignments(Id policy_id, const std::vector<core::Assignment>& a) = 0;

  // --- Enrollment ---
  virtual Result<EnrollmentToken> CreateEnrollmentToken(EnrollmentToken token) = 0;
  virtual Result<std::vector<EnrollmentToken>> ListEnrollmentTokens() = 0;
  virtual Status DeleteEnrollmentToken(Id id) = 0;
  // Atomically checks expiry and uses left, and uses the token once.
  // Unauthenticated when unknown, expired or used up (one message for all).
  virtual Result<EnrollmentToken> ConsumeEnrollmentToken(std::string_view token_hash,
                                                         Timestamp now) = 0;

  // --- Devices ---
  virtual Result<Device> CreateDevice(Device device) = 0;  // fills id, guid
  virtual Result<Device> GetDevice(Id id) = 0;
  virtual Result<Device> GetDeviceByGuid(std::string_view guid) = 0;
  virtual Result<std::vector<Device>> ListDevices() = 0;
  // Also records update.time as the device's last proof of life (last_seen)
  // and clears goodbye_at.
  virtual Status RecordCheckin(Id device_id, const CheckinUpdate& update) = 0;
  virtual Status SetRotateAfterReveal(Id device_id, std::optional<Timestamp> at) = 0;
  // Records that the device parked a long-poll lasting until `until`; `now`
  // becomes its last_seen and goodbye_at is cleared.
  virtual Status RecordLongPoll(Id device_id, Timestamp now, Timestamp until) = 0;
  // The long-poll parked until `until` ended at `now`. `answered`: the
  // device gets an answer, proof of life (last_seen becomes `now` unless
  // newer; goodbye_at is cleared). Otherwise it hung up (its connection closed): when that poll is
  // still its latest (parked_until is `until`) it is offline at once, as
  // after a goodbye (goodbye_at = now). Either way parked_until is cleared
  // if it still is `until`: a newer poll, maybe on another node, is kept.
  // NotFound for an unknown device.
  virtual Status EndLongPoll(Id device_id, Timestamp until, Timestamp now, bool answered) = 0;
  // The device said goodbye (its agent is stopping): clears parked_until and
  // sets goodbye_at, so it is offline at once until it is seen again.
  virtual Status RecordGoodbye(Id device_id, Timestamp now) = 0;
  // Remembers a request nonce until `expires`; false when already seen
  // (a replay). The device's own expired nonces are pruned as a side effect.
  virtual Result<bool> RememberNonce(Id device_id, std::string_view nonce, Timestamp now,
                                     Timestamp expires) = 0;

  // --- Policy state reports ---
  // Replaces every report of the device (a policy that stopped targeting it
  // drops out); NotFound for an unknown device or policy.
  virtual Status SavePolicyReports(Id device_id, const std::vector<PolicyReportRecord>& r) = 0;
  virtual Result<std::vector<PolicyReportRecord>> ListPolicyReports(Id device_id) = 0;
  virtual Result<std::vector<PolicyReportRecord>> ListPolicyReportsForPolicy(Id policy_id) = 0;

  // --- Escrowed credentials (DESIGN.md §5) ---
  // Idempotent per (device, rotation_id): a repeat returns the first record.
  virtual Result<Credential> AddPendingCredential(Credential credential) = 0;
  // Makes the pending credential current, moves the previous current one to
  // history, keeps at most `history_size` history entries, sets the device's
  // last/next rotation, clears rotate-after-reveal, and marks an active
  // action with this rotation id done (one that failed meanwhile becomes
  // done with late_completion: the escrowed password is real). Idempotent: committing a credential
  // that is already current returns it unchanged. NotFound if unknown.
  virtual Result<Credential> CommitCredential(Id device_id, std::string_view rotation_id,
                                              Timestamp now, Timestamp next_rotation,
                                              int history_size) = 0;
  virtual Status AbandonCredential(Id device_id, std::string_view rotation_id) = 0;
  // Pending first, then current, then history newest first.
  virtual Result<std::vector<Credential>> ListCredentials(Id device_id) = 0;

  // --- Device actions ---
  // AlreadyExists when the device already has a pending or active action of
  // the same kind. Stores queued, deliver_by and finish_by as given.
  virtual Result<DeviceAction> CreateAction(DeviceAction action) = 0;
  virtual Result<DeviceAction> GetActionByGuid(std::string_view guid) = 0;
  virtual Result<std::vector<DeviceAction>> ListActions(Id device_id) = 0;  // newest first
  virtual Result<std::vector<DeviceAction>> ListOutstandingActions(Id device_id) = 0;
  virtual Result<std::vector<DeviceAction>> ListAllActions() = 0;  // newest first
  virtual Status UpdateAction(
      const DeviceAction& action) = 0;  // state, error, rotation_id, updated_at
  // UpdateAction (also finish_by) only while the stored state is still
  // `expected`, atomically: FailedPrecondition naming the state it is in
  // when it moved on (canceled, failed by a deadline), NotFound if unknown.
  virtual Status UpdateActionIf(const DeviceAction& action, ActionState expected) = 0;
  // Cancels a pending action (`now` becomes updated_at, `reason` its error):
  // FailedPrecondition naming its state when it is no longer pending.
  virtual Result<DeviceAction> CancelAction(Id action_id, Timestamp now, std::string reason) = 0;
  // One atomic sweep: every pending action whose deliver_by is before `now`
  // and every active one whose finish_by is before `now` becomes failed
  // (updated_at = now) with the reason kActionNotDelivered, kActionExpired
  // (queued) or kActionNotFinished as its error. Returns the actions it
  // changed, as changed; with several stores on one database each action
  // is returned by exactly one sweep.
  virtual Result<std::vector<DeviceAction>> FailOverdueActions(Timestamp now) = 0;

  // --- Change tracking ---
  // Moves whenever a policy, its assignments or its scope tags change,
  // through this store or any other on the same database (another lapsd
  // node): a cache built at one epoch is current while the epoch stays.
  virtual Result<std::int64_t> PolicyEpoch() = 0;

  // --- Audit (append-only, MAC-chained: store/audit_chain.h) ---
  // The key new rows are MACed with and rows verified with; lapsd derives it
  // from a secret no database holds. Call once, before any other audit
  // method (they answer FailedPrecondition until then); not synchronized
  // with them.
  virtual void SetAuditKey(const AuditKey& key) = 0;
  // Assigns sequence, guid, previous_hash and hash; durable on return.
  virtual Result<AuditEvent> AppendAudit(AuditEvent event) = 0;
  virtual Result<std::vector<AuditEvent>> QueryAudit(const AuditQuery& query) = 0;
  // The newest row's sequence and hash as stored (sequence 0 when empty);
  // not verified.
  virtual Result<AuditHead> GetAuditHead() = 0;
  // Verifies the whole chain (AuditChainVerifier): the row count and head,
  // or DataLoss naming the first sequence whose row was changed, removed,
  // reordered or rehashed without the key; with `checkpoint`, also DataLoss
  // when the chain does not hold that head at its sequence.
  virtual Result<AuditVerification> VerifyAudit(const std::optional<AuditHead>& checkpoint) = 0;
};

}  // namespace openlaps::store

#endif  // OPENLAPS_STORE_STORE_H_
