#include "store/sql/sql_store.h"

#include <algorithm>
#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>

#include "core/bounded_json.h"
#include "core/policy_json.h"
#include "store/guid.h"

namespace openlaps::store::sql {
namespace {

template <typename E>
constexpr std::int64_t EnumInt(E value) {
  return static_cast<std::int64_t>(value);
}

Status StatusOf(const Status& status) { return status; }
template <typename T>
Status StatusOf(const Result<T>& result) {
  return result.status();
}

std::string NotFoundMessage(std::string_view what, Id id) {
  return std::string(what) + " " + std::to_string(id) + " not found";
}

std::vector<Id> SortedUnique(std::vector<Id> ids) {
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  return ids;
}

// Invalid UTF-8 in a string setting makes nlohmann throw; nothing may escape.
Result<std::string> SettingsToText(const core::PolicySettings& settings) {
  try {
    return core::PolicySettingsToJson(settings).dump();
  } catch (const nlohmann::json::exception&) {
    return InvalidArgumentError("policy settings contain text that is not valid UTF-8");
  }
}

Result<core::PolicySettings> SettingsFromText(const std::string& text) {
  const nlohmann::json json = core::ParseBoundedJsonOrDiscarded(text);
  if (json.is_discarded()) return DataLossError("stored policy settings are not valid JSON");
  Result<core::PolicySettings> settings = core::PolicySettingsFromJson(json);
  if (!settings.ok()) {
    return DataLossError("stored policy settings are unreadable: " + settings.status().message());
  }
  return settings;
}

constexpr std::int64_t kCredentialPending = EnumInt(CredentialState::kPending);
constexpr std::int64_t kCredentialCurrent = EnumInt(CredentialState::kCurrent);
constexpr std::int64_t kCredentialHistory = EnumInt(CredentialState::kHistory);
constexpr std::int64_t kActionDone = EnumInt(ActionState::kDone);

// Column lists, in the order the *FromRow decoders read them.
constexpr std::string_view kSelectAdmin =
    "SELECT id, guid, name, display_name, password_hash, disabled, created_at FROM admins ";
constexpr std::string_view kSelectToken =
    "SELECT id, guid, admin_id, kind, name, token_hash, created_at, expires_at FROM admin_tokens ";
constexpr std::string_view kSelectScopeTag = "SELECT id, name, description FROM scope_tags ";
constexpr std::string_view kSelectRole = "SELECT id, guid, name, description, built_in FROM roles ";
constexpr std::string_view kSelectRoleAssignment =
    "SELECT id, guid, name, role_id FROM role_assignments ";
constexpr std::string_view kSelectUser =
    "SELECT id, guid, user_principal_name, display_name FROM users ";
constexpr std::string_view kSelectGroup =
    "SELECT id, guid, display_name, description, kind FROM directory_groups ";
constexpr std::string_view kSelectPolicy =
    "SELECT id, guid, name, description, platforms, settings_json, version, created_at, "
    "modified_at FROM policies ";
constexpr std::string_view kSelectEnrollmentToken =
    "SELECT id, guid, name, token_hash, created_at, expires_at, uses_left FROM enrollment_tokens ";
constexpr std::string_view kSelectDevice =
    "SELECT id, guid, name, platform, os_version, serial_number, join_type, ownership, "
    "primary_user_id, signed_in_user_id, sign_public_key, box_public_key, enrolled_at, "
    "last_checkin, applied_settings_json, managed_account_name, managed_account_sid, "
    "last_rotation, next_rotation, laps_state, rotate_after_reveal_at, parked_until, last_seen_at, "
    "goodbye_at FROM devices ";
constexpr std::string_view kSelectReport =
    "SELECT device_id, policy_id, version, state, detail, reported_at FROM policy_reports ";
constexpr std::string_view kSelectCredential =
    "SELECT id, device_id, rotation_id, account_name, account_sid, sealed_password, backup_time, "
    "directory, state FROM credentials ";
constexpr std::string_view kActionColumns =
    "id, guid, device_id, kind, requested_by, state, created_at, updated_at, error, "
    "rotation_id, queued, deliver_by, finish_by, late_completion ";
constexpr std::string_view kSelectAction =
    "SELECT id, guid, device_id, kind, requested_by, state, created_at, updated_at, error, "
    "rotation_id, queued, deliver_by, finish_by, late_completion FROM device_actions ";
constexpr std::string_view kSelectAudit =
    "SELECT sequence, guid, time, actor_type, actor_id, actor_name, activity, category, result, "
    "target_type, target_id, target_name, detail_json, previous_hash, hash FROM audit_events ";

constexpr std::string_view kSelectThrottle =
    "SELECT subject, events, window_start, blocked_until FROM throttles ";
// One statement counts the event, so racing requests (on any node) cannot
// both see the count below the limit. ?1 subject, ?2 now, ?3 window,
// ?4 limit, ?5 block; a window starts over once it is older than ?3 and its
// block has ended.
#define OPENLAPS_THROTTLE_RESET                                             \
  "(throttles.window_start + CAST(?3 AS BIGINT) <= CAST(?2 AS BIGINT) AND " \
  "(throttles.blocked_until IS NULL OR throttles.blocked_until <= CAST(?2 AS BIGINT)))"
constexpr std::string_view kCountThrottleSql =
    "INSERT INTO throttles (subject, events, window_start, blocked_until) "
    "VALUES (?1, 1, CAST(?2 AS BIGINT), CASE WHEN 1 >= CAST(?4 AS BIGINT) "
    "THEN CAST(?2 AS BIGINT) + CAST(?5 AS BIGINT) END) "
    "ON CONFLICT (subject) DO UPDATE SET "
    "events = CASE WHEN " OPENLAPS_THROTTLE_RESET
    " THEN 1 ELSE throttles.events + 1 END, "
    "window_start = CASE WHEN " OPENLAPS_THROTTLE_RESET
    " THEN CAST(?2 AS BIGINT) ELSE throttles.window_start END, "
    "blocked_until = CASE WHEN (CASE WHEN " OPENLAPS_THROTTLE_RESET
    " THEN 1 ELSE throttles.events + 1 END) >= CAST(?4 AS BIGINT) "
    "THEN CAST(?2 AS BIGINT) + CAST(?5 AS BIGINT) WHEN " OPENLAPS_THROTTLE_RESET
    " THEN NULL ELSE throttles.blocked_until END "
    "RETURNING subject, events, window_start, blocked_until";
#undef OPENLAPS_THROTTLE_RESET

ThrottleRecord ThrottleFromRow(const Statement& row) {
  ThrottleRecord record;
  record.subject = row.Text(0);
  record.events = row.Int(1);
  record.window_start = row.Time(2);
  record.blocked_until = row.OptionalTime(3);
  return record;
}

std::string Sql(std::string_view select, std::string_view rest) {
  std::string sql(select);
  sql += rest;
  return sql;
}

AdminAccount AdminFromRow(const Statement& row) {
  AdminAccount admin;
  admin.id = row.Int(0);
  admin.guid = row.Text(1);
  admin.name = row.Text(2);
  admin.display_name = row.Text(3);
  admin.password_hash = row.Text(4);
  admin.disabled = row.Int(5) != 0;
  admin.created_at = row.Time(6);
  return admin;
}

AdminToken TokenFromRow(const Statement& row) {
  AdminToken token;
  token.id = row.Int(0);
  token.guid = row.Text(1);
  token.admin_id = row.Int(2);
  token.kind = static_cast<TokenKind>(row.Int(3));
  token.name = row.Text(4);
  token.token_hash = row.Text(5);
  token.created_at = row.Time(6);
  token.expires_at = row.Time(7);
  return token;
}

ScopeTag ScopeTagFromRow(const Statement& row) {
  return ScopeTag{.id = row.Int(0), .name = row.Text(1), .description = row.Text(2)};
}

User UserFromRow(const Statement& row) {
  return User{.id = row.Int(0),
              .guid = row.Text(1),
              .user_principal_name = row.Text(2),
              .display_name = row.Text(3)};
}

PolicyReportRecord ReportFromRow(const Statement& row) {
  PolicyReportRecord report;
  report.device_id = row.Int(0);
  report.policy_id = row.Int(1);
  report.version = row.Int(2);
  report.state = static_cast<core::PolicyStateKind>(row.Int(3));
  report.detail = row.Text(4);
  report.reported_at = row.Time(5);
  return report;
}

Credential CredentialFromRow(const Statement& row) {
  Credential credential;
  credential.id = row.Int(0);
  credential.device_id = row.Int(1);
  credential.rotation_id = row.Text(2);
  credential.account_name = row.Text(3);
  credential.account_sid = row.Text(4);
  credential.sealed_password = row.Blob(5);
  credential.backup_time = row.Time(6);
  credential.directory = static_cast<core::BackupDirectory>(row.Int(7));
  credential.state = static_cast<CredentialState>(row.Int(8));
  return credential;
}

DeviceAction ActionFromRow(const Statement& row) {
  DeviceAction action;
  action.id = row.Int(0);
  action.guid = row.Text(1);
  action.device_id = row.Int(2);
  action.kind = row.Text(3);
  action.requested_by = row.Text(4);
  action.state = static_cast<ActionState>(row.Int(5));
  action.created_at = row.Time(6);
  action.updated_at = row.Time(7);
  action.error = row.Text(8);
  action.rotation_id = row.Text(9);
  action.queued = row.Int(10) != 0;
  action.deliver_by = row.OptionalTime(11);
  action.finish_by = row.OptionalTime(12);
  action.late_completion = row.Int(13) != 0;
  return action;
}

AuditEvent AuditFromRow(const Statement& row) {
  AuditEvent event;
  event.sequence = row.Int(0);
  event.guid = row.Text(1);
  event.time = row.Time(2);
  event.actor_type = row.Text(3);
  event.actor_id = row.Text(4);
  event.actor_name = row.Text(5);
  event.activity = row.Text(6);
  event.category = row.Text(7);
  event.result = row.Text(8);
  event.target_type = row.Text(9);
  event.target_id = row.Text(10);
  event.target_name = row.Text(11);
  event.detail_json = row.Text(12);
  event.previous_hash = row.Text(13);
  event.hash = row.Text(14);
  return event;
}

// One transaction's view of the database: the query helpers every store
// operation is written with, and the reads and writes several operations
// share. Lives only inside SqlStore::InTransaction.
class Tx {
 public:
  explicit Tx(Session& session) : session_(session) {}

  Result<Statement> Prepare(std::string_view sql) { return session_.Prepare(sql); }
  Status ExecScript(std::string_view sql, std::string_view context) {
    return session_.ExecScript(sql, context);
  }
  std::int64_t Changes() const { return session_.Changes(); }

  // --- Query helpers ---

  template <typename... Args>
  Status Exec(std::string_view sql, const Args&... args) {
    OPENLAPS_ASSIGN_OR_RETURN(Statement st, session_.Prepare(sql));
    return st.BindAll(args...).Run();
  }

  // Runs an INSERT and returns the id the database assigned.
  template <typename... Args>
  Result<Id> InsertReturningId(std::string_view sql, const Args&... args) {
    OPENLAPS_ASSIGN_OR_RETURN(std::optional<std::int64_t> id,
                              QueryInt(std::string(sql) + " RETURNING id", args...));
    if (!id) return InternalError("insert returned no id");
    return *id;
  }

  // Calls `row` (returning void or Status) for each result row.
  template <typename RowFn, typename... Args>
  Status ForEach(std::string_view sql, RowFn&& row, const Args&... args) {
    OPENLAPS_ASSIGN_OR_RETURN(Statement st, session_.Prepare(sql));
    st.BindAll(args...);
    while (true) {
      OPENLAPS_ASSIGN_OR_RETURN(const bool has_row, st.Step());
      if (!has_row) return Status::Ok();
      if constexpr (std::is_same_v<decltype(row(st)), Status>) {
        OPENLAPS_RETURN_IF_ERROR(row(st));
      } else {
        row(st);
      }
    }
  }

  template <typename... Args>
  Result<bool> Exists(std::string_view sql, const Args&... args) {
    OPENLAPS_ASSIGN_OR_RETURN(Statement st, session_.Prepare(sql));
    return st.BindAll(args...).Step();
  }

  // The first column of the first row, nullopt when there is no row. Drains
  // the statement so an UPDATE ... RETURNING completes.
  template <typename... Args>
  Result<std::optional<std::int64_t>> QueryInt(std::string_view sql, const Args&... args) {
    std::optional<std::int64_t> value;
    OPENLAPS_RETURN_IF_ERROR(ForEach(
        sql,
        [&](const Statement& row) {
          if (!value) value = row.Int(0);
        },
        args...));
    return value;
  }

  template <typename... Args>
  Result<std::vector<Id>> LoadIds(std::string_view sql, const Args&... args) {
    std::vector<Id> ids;
    OPENLAPS_RETURN_IF_ERROR(ForEach(
        sql, [&](const Statement& row) { ids.push_back(row.Int(0)); }, args...));
    return ids;
  }

  // `decode` is a free function returning T, or a member function returning
  // Result<T> (those also read child tables).
  template <typename T, typename Decode, typename... Args>
  Result<std::vector<T>> LoadAll(std::string_view sql, Decode&& decode, const Args&... args) {
    std::vector<T> out;
    OPENLAPS_RETURN_IF_ERROR(ForEach(
        sql,
        [&](const Statement& row) -> Status {
          if constexpr (std::is_member_function_pointer_v<std::decay_t<Decode>>) {
            OPENLAPS_ASSIGN_OR_RETURN(T item, (this->*decode)(row));
            out.push_back(std::move(item));
          } else {
            out.push_back(decode(row));
          }
          return Status::Ok();
        },
        args...));
    return out;
  }

  template <typename T, typename Decode, typename... Args>
  Result<T> LoadOne(std::string_view sql, Decode&& decode, std::string not_found,
                    const Args&... args) {
    OPENLAPS_ASSIGN_OR_RETURN(std::vector<T> all,
                              LoadAll<T>(sql, std::forward<Decode>(decode), args...));
    if (all.empty()) return NotFoundError(std::move(not_found));
    return std::move(all.front());
  }

  Status ChangedOrNotFound(std::string_view what, Id id) {
    if (session_.Changes() == 0) return NotFoundError(NotFoundMessage(what, id));
    return Status::Ok();
  }

  // `table` is always a literal from this file, never input.
  Status CheckExists(std::string_view table, std::string_view what, Id id) {
    OPENLAPS_ASSIGN_OR_RETURN(const bool found,
                              Exists("SELECT 1 FROM " + std::string(table) + " WHERE id = ?", id));
    if (!found) return NotFoundError(NotFoundMessage(what, id));
    return Status::Ok();
  }

  Status CheckAllExist(std::string_view table, std::string_view what, const std::vector<Id>& ids) {
    for (Id id : ids) OPENLAPS_RETURN_IF_ERROR(CheckExists(table, what, id));
    return Status::Ok();
  }

  Status CheckOptionalUser(const std::optional<Id>& user_id) {
    if (!user_id) return Status::Ok();
    return CheckExists("users", "user", *user_id);
  }

  // Replaces the id set of `owner` in a (owner, child) link table.
  Status ReplaceIds(std::string_view table, std::string_view owner_column,
                    std::string_view child_column, Id owner, const std::vector<Id>& ids) {
    const std::string name(table);
    OPENLAPS_RETURN_IF_ERROR(
        Exec("DELETE FROM " + name + " WHERE " + std::string(owner_column) + " = ?", owner));
    const std::string insert = "INSERT INTO " + name + " (" + std::string(owner_column) + ", " +
                               std::string(child_column) + ") VALUES (?, ?)";
    for (Id id : SortedUnique(ids)) OPENLAPS_RETURN_IF_ERROR(Exec(insert, owner, id));
    return Status::Ok();
  }

  // --- Roles ---

  Status ReplacePermissions(Id role_id, const std::vector<std::string>& permissions) {
    OPENLAPS_RETURN_IF_ERROR(Exec("DELETE FROM role_permissions WHERE role_id = ?", role_id));
    std::int64_t position = 0;
    for (const std::string& permission : permissions) {
      // A repeated permission means nothing more; keep its first position.
      OPENLAPS_RETURN_IF_ERROR(
          Exec("INSERT INTO role_permissions (role_id, permission, position) VALUES (?, ?, ?) "
               "ON CONFLICT (role_id, permission) DO NOTHING",
               role_id, permission, position++));
    }
    return Status::Ok();
  }

  Result<RoleDefinition> RoleFromRow(const Statement& row) {
    RoleDefinition role;
    role.id = row.Int(0);
    role.guid = row.Text(1);
    role.name = row.Text(2);
    role.description = row.Text(3);
    role.built_in = row.Int(4) != 0;
    OPENLAPS_RETURN_IF_ERROR(ForEach(
        "SELECT permission FROM role_permissions WHERE role_id = ? ORDER BY position",
        [&](const Statement& p) { role.permissions.push_back(p.Text(0)); }, role.id));
    return role;
  }

  Result<RoleDefinition> LoadRole(Id id) {
    return LoadOne<RoleDefinition>(Sql(kSelectRole, "WHERE id = ?"), &Tx::RoleFromRow,
                                   NotFoundMessage("role", id), id);
  }

  Status CheckAssignmentRefs(const RoleAssignment& assignment) {
    OPENLAPS_RETURN_IF_ERROR(CheckExists("roles", "role", assignment.role_id));
    OPENLAPS_RETURN_IF_ERROR(CheckAllExist("admins", "admin", assignment.admin_ids));
    return CheckAllExist("scope_tags", "scope tag", assignment.scope_tag_ids);
  }

  Status ReplaceAssignmentMembers(const RoleAssignment& assignment) {
    OPENLAPS_RETURN_IF_ERROR(ReplaceIds("role_assignment_admins", "assignment_id", "admin_id",
                                        assignment.id, assignment.admin_ids));
    return ReplaceIds("role_assignment_scope_tags", "assignment_id", "scope_tag_id", assignment.id,
                      assignment.scope_tag_ids);
  }

  Result<RoleAssignment> RoleAssignmentFromRow(const Statement& row) {
    RoleAssignment assignment;
    assignment.id = row.Int(0);
    assignment.guid = row.Text(1);
    assignment.name = row.Text(2);
    assignment.role_id = row.Int(3);
    OPENLAPS_ASSIGN_OR_RETURN(assignment.admin_ids,
                              LoadIds("SELECT admin_id FROM role_assignment_admins "
                                      "WHERE assignment_id = ? ORDER BY admin_id",
                                      assignment.id));
    OPENLAPS_ASSIGN_OR_RETURN(assignment.scope_tag_ids,
                              LoadIds("SELECT scope_tag_id FROM role_assignment_scope_tags "
                                      "WHERE assignment_id = ? ORDER BY scope_tag_id",
                                      assignment.id));
    return assignment;
  }

  // --- Groups ---

  static std::string_view InsertMemberSql(GroupKind kind) {
    // Idempotent: adding a member twice is not an error.
    return kind == GroupKind::kDevice
               ? "INSERT INTO group_device_members (group_id, device_id) VALUES (?, ?) "
                 "ON CONFLICT DO NOTHING"
               : "INSERT INTO group_user_members (group_id, user_id) VALUES (?, ?) "
                 "ON CONFLICT DO NOTHING";
  }

  Status CheckMemberExists(GroupKind kind, Id member_id) {
    return kind == GroupKind::kDevice ? CheckExists("devices", "device", member_id)
                                      : CheckExists("users", "user", member_id);
  }

  Result<GroupKind> GroupKindOf(Id group_id) {
    OPENLAPS_ASSIGN_OR_RETURN(std::optional<std::int64_t> kind,
                              QueryInt("SELECT kind FROM directory_groups WHERE id = ?", group_id));
    if (!kind) return NotFoundError(NotFoundMessage("group", group_id));
    return static_cast<GroupKind>(*kind);
  }

  Result<Group> GroupFromRow(const Statement& row) {
    Group group;
    group.id = row.Int(0);
    group.guid = row.Text(1);
    group.display_name = row.Text(2);
    group.description = row.Text(3);
    group.kind = static_cast<GroupKind>(row.Int(4));
    OPENLAPS_ASSIGN_OR_RETURN(
        group.member_ids,
        LoadIds(group.kind == GroupKind::kDevice
                    ? "SELECT device_id FROM group_device_members WHERE group_id = ? "
                      "ORDER BY device_id"
                    : "SELECT user_id FROM group_user_members WHERE group_id = ? "
                      "ORDER BY user_id",
                group.id));
    OPENLAPS_ASSIGN_OR_RETURN(group.scope_tag_ids,
                              LoadIds("SELECT scope_tag_id FROM group_scope_tags "
                                      "WHERE group_id = ? ORDER BY scope_tag_id",
                                      group.id));
    return group;
  }

  // --- Policies ---

  Status CheckPolicyAssignments(const std::vector<core::Assignment>& assignments) {
    std::vector<Id> groups;
    for (const core::Assignment& assignment : assignments) {
      OPENLAPS_RETURN_IF_ERROR(CheckExists("directory_groups", "group", assignment.group));
      groups.push_back(assignment.group);
    }
    if (SortedUnique(groups).size() != groups.size()) {
      return InvalidArgumentError("a group is assigned to the policy more than once");
    }
    return Status::Ok();
  }

  Status ReplacePolicyAssignments(Id policy_id, const std::vector<core::Assignment>& assignments) {
    OPENLAPS_RETURN_IF_ERROR(Exec("DELETE FROM policy_assignments WHERE policy_id = ?", policy_id));
    std::int64_t position = 0;
    for (const core::Assignment& assignment : assignments) {
      OPENLAPS_RETURN_IF_ERROR(
          Exec("INSERT INTO policy_assignments (policy_id, group_id, kind, position) "
               "VALUES (?, ?, ?, ?)",
               policy_id, assignment.group, EnumInt(assignment.kind), position++));
    }
    return Status::Ok();
  }

  Result<PolicyRecord> PolicyFromRow(const Statement& row) {
    PolicyRecord policy;
    policy.id = row.Int(0);
    policy.guid = row.Text(1);
    policy.name = row.Text(2);
    policy.description = row.Text(3);
    policy.platforms = static_cast<core::PlatformSet>(row.Int(4));
    OPENLAPS_ASSIGN_OR_RETURN(policy.settings, SettingsFromText(row.Text(5)));
    policy.version = row.Int(6);
    policy.created_at = row.Time(7);
    policy.modified_at = row.Time(8);
    OPENLAPS_ASSIGN_OR_RETURN(policy.scope_tag_ids,
                              LoadIds("SELECT scope_tag_id FROM policy_scope_tags "
                                      "WHERE policy_id = ? ORDER BY scope_tag_id",
                                      policy.id));
    OPENLAPS_RETURN_IF_ERROR(ForEach(
        "SELECT group_id, kind FROM policy_assignments WHERE policy_id = ? ORDER BY position",
        [&](const Statement& a) {
          policy.assignments.push_back(core::Assignment{
              .group = a.Int(0), .kind = static_cast<core::AssignmentKind>(a.Int(1))});
        },
        policy.id));
    return policy;
  }

  Result<PolicyRecord> LoadPolicy(Id id) {
    return LoadOne<PolicyRecord>(Sql(kSelectPolicy, "WHERE id = ?"), &Tx::PolicyFromRow,
                                 NotFoundMessage("policy", id), id);
  }

  // --- Enrollment tokens ---

  Result<EnrollmentToken> EnrollmentTokenFromRow(const Statement& row) {
    EnrollmentToken token;
    token.id = row.Int(0);
    token.guid = row.Text(1);
    token.name = row.Text(2);
    token.token_hash = row.Text(3);
    token.created_at = row.Time(4);
    token.expires_at = row.Time(5);
    token.uses_left = row.Int(6);
    OPENLAPS_ASSIGN_OR_RETURN(token.scope_tag_ids,
                              LoadIds("SELECT scope_tag_id FROM enrollment_token_scope_tags "
                                      "WHERE token_id = ? ORDER BY scope_tag_id",
                                      token.id));
    OPENLAPS_ASSIGN_OR_RETURN(token.group_ids,
                              LoadIds("SELECT group_id FROM enrollment_token_groups "
                                      "WHERE token_id = ? ORDER BY group_id",
                                      token.id));
    return token;
  }

  Result<EnrollmentToken> LoadEnrollmentToken(Id id) {
    return LoadOne<EnrollmentToken>(Sql(kSelectEnrollmentToken, "WHERE id = ?"),
                                    &Tx::EnrollmentTokenFromRow,
                                    NotFoundMessage("enrollment token", id), id);
  }

  // --- Devices ---

  Result<Device> DeviceFromRow(const Statement& row) {
    Device device;
    device.id = row.Int(0);
    device.guid = row.Text(1);
    device.name = row.Text(2);
    device.platform = static_cast<core::Platform>(row.Int(3));
    device.os_version = row.Text(4);
    device.serial_number = row.Text(5);
    device.join_type = row.Text(6);
    device.ownership = row.Text(7);
    device.primary_user_id = row.OptionalInt(8);
    device.signed_in_user_id = row.OptionalInt(9);
    device.sign_public_key = row.Blob(10);
    device.box_public_key = row.Blob(11);
    device.enrolled_at = row.Time(12);
    device.last_checkin = row.OptionalTime(13);
    if (!row.IsNull(14)) {
      OPENLAPS_ASSIGN_OR_RETURN(device.applied_settings, SettingsFromText(row.Text(14)));
    }
    device.managed_account_name = row.Text(15);
    device.managed_account_sid = row.Text(16);
    device.last_rotation = row.OptionalTime(17);
    device.next_rotation = row.OptionalTime(18);
    device.laps_state = row.Text(19);
    device.rotate_after_reveal_at = row.OptionalTime(20);
    device.parked_until = row.OptionalTime(21);
    device.last_seen = row.OptionalTime(22);
    device.goodbye_at = row.OptionalTime(23);
    OPENLAPS_ASSIGN_OR_RETURN(device.scope_tag_ids,
                              LoadIds("SELECT scope_tag_id FROM device_scope_tags "
                                      "WHERE device_id = ? ORDER BY scope_tag_id",
                                      device.id));
    return device;
  }

  Result<Device> LoadDevice(Id id) {
    return LoadOne<Device>(Sql(kSelectDevice, "WHERE id = ?"), &Tx::DeviceFromRow,
                           NotFoundMessage("device", id), id);
  }

  // --- Device actions ---

  // FailedPrecondition naming the state an action moved on to; NotFound.
  Status ActionMovedOn(Id action_id) {
    OPENLAPS_ASSIGN_OR_RETURN(
        DeviceAction current,
        LoadOne<DeviceAction>(Sql(kSelectAction, "WHERE id = ?"), ActionFromRow,
                              NotFoundMessage("action", action_id), action_id));
    static constexpr const char* kNames[] = {"pending", "active", "done", "failed", "canceled"};
    return FailedPreconditionError("the action is " +
                                   std::string(kNames[static_cast<int>(current.state)]));
  }

  // --- Credentials ---

  Result<std::optional<Credential>> FindCredential(Id device_id, std::string_view rotation_id) {
    OPENLAPS_ASSIGN_OR_RETURN(
        std::vector<Credential> found,
        LoadAll<Credential>(Sql(kSelectCredential, "WHERE device_id = ? AND rotation_id = ?"),
                            CredentialFromRow, device_id, rotation_id));
    if (found.empty()) return std::optional<Credential>();
    return std::optional<Credential>(std::move(found.front()));
  }

 private:
  Session& session_;
};

// Every public method is one transaction (see TransactionKind): reads in a
// snapshot, writes isolated as if they ran one after the other, which is
// what SQLite's single writer gives and PostgreSQL's SERIALIZABLE gives
// across threads and lapsd nodes (retried on a serialization failure). The
// check-in's own single-device updates are the exception (kDeviceWrite).
class SqlStore final : public Store {
 public:
  explicit SqlStore(std::unique_ptr<Dialect> dialect) : dialect_(std::move(dialect)) {}

  // --- Administrators and their bearer tokens ---

  Result<AdminAccount> CreateAdmin(AdminAccount admin) override {
    return Write([&](Tx& tx) -> Result<AdminAccount> {
      if (admin.guid.empty()) admin.guid = NewGuid();
      OPENLAPS_ASSIGN_OR_RETURN(
          admin.id,
          tx.InsertReturningId(
              "INSERT INTO admins (guid, name, display_name, password_hash, disabled, created_at) "
              "VALUES (?, ?, ?, ?, ?, ?)",
              admin.guid, admin.name, admin.display_name, admin.password_hash,
              std::int64_t{admin.disabled}, admin.created_at));
      return admin;
    });
  }

  Result<AdminAccount> GetAdmin(Id id) override {
    return Read([&](Tx& tx) {
      return tx.LoadOne<AdminAccount>(Sql(kSelectAdmin, "WHERE id = ?"), AdminFromRow,
                                      NotFoundMessage("admin", id), id);
    });
  }

  Result<AdminAccount> GetAdminByName(std::string_view name) override {
    return Read([&](Tx& tx) {
      return tx.LoadOne<AdminAccount>(Sql(kSelectAdmin, "WHERE " + dialect_->NameEquals("name")),
                                      AdminFromRow, "admin " + std::string(name) + " not found",
                                      name);
    });
  }

  Result<std::vector<AdminAccount>> ListAdmins() override {
    return Read([&](Tx& tx) {
      return tx.LoadAll<AdminAccount>(Sql(kSelectAdmin, "ORDER BY id"), AdminFromRow);
    });
  }

  Status UpdateAdmin(const AdminAccount& admin) override {
    return Write([&](Tx& tx) -> Status {
      OPENLAPS_RETURN_IF_ERROR(
          tx.Exec("UPDATE admins SET name = ?, display_name = ?, password_hash = ?, disabled = ? "
                  "WHERE id = ?",
                  admin.name, admin.display_name, admin.password_hash, std::int64_t{admin.disabled},
                  admin.id));
      return tx.ChangedOrNotFound("admin", admin.id);
    });
  }

  Result<AdminToken> CreateToken(AdminToken token) override {
    return Write([&](Tx& tx) -> Result<AdminToken> {
      OPENLAPS_RETURN_IF_ERROR(tx.CheckExists("admins", "admin", token.admin_id));
      if (token.guid.empty()) token.guid = NewGuid();
      OPENLAPS_ASSIGN_OR_RETURN(
          token.id,
          tx.InsertReturningId(
              "INSERT INTO admin_tokens (guid, admin_id, kind, name, token_hash, created_at, "
              "expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
              token.guid, token.admin_id, EnumInt(token.kind), token.name, token.token_hash,
              token.created_at, token.expires_at));
      return token;
    });
  }

  Result<AdminToken> GetTokenByHash(std::string_view token_hash) override {
    return Read([&](Tx& tx) {
      // The hash is a credential lookup key; it stays out of the message.
      return tx.LoadOne<AdminToken>(Sql(kSelectToken, "WHERE token_hash = ?"), TokenFromRow,
                                    "token not found", token_hash);
    });
  }

  Result<std::vector<AdminToken>> ListTokens(Id admin_id) override {
    return Read([&](Tx& tx) -> Result<std::vector<AdminToken>> {
      OPENLAPS_RETURN_IF_ERROR(tx.CheckExists("admins", "admin", admin_id));
      return tx.LoadAll<AdminToken>(Sql(kSelectToken, "WHERE admin_id = ? ORDER BY id"),
                                    TokenFromRow, admin_id);
    });
  }

  Status DeleteToken(Id id) override {
    return Write([&](Tx& tx) -> Status {
      OPENLAPS_RETURN_IF_ERROR(tx.Exec("DELETE FROM admin_tokens WHERE id = ?", id));
      return tx.ChangedOrNotFound("token", id);
    });
  }

  Result<std::int64_t> DeleteTokensOfAdmin(Id admin_id) override {
    return Write([&](Tx& tx) -> Result<std::int64_t> {
      OPENLAPS_RETURN_IF_ERROR(tx.CheckExists("admins", "admin", admin_id));
      OPENLAPS_RETURN_IF_ERROR(tx.Exec("DELETE FROM admin_tokens WHERE admin_id = ?", admin_id));
      return static_cast<std::int64_t>(tx.Changes());
    });
  }

  Status DeleteAdmin(Id id) override {
    return Write([&](Tx& tx) -> Status {
      // Tokens and memberships cascade (migration 1).
      OPENLAPS_RETURN_IF_ERROR(tx.Exec("DELETE FROM admins WHERE id = ?", id));
      return tx.ChangedOrNotFound("admin", id);
    });
  }

  // --- Throttles ---

  Result<ThrottleRecord> CountThrottleEvent(std::string_view subject, Timestamp now,
                                            std::chrono::seconds window, std::int64_t limit,
                                            std::chrono::seconds block) override {
    return Write([&](Tx& tx) -> Result<ThrottleRecord> {
      std::optional<ThrottleRecord> record;
      OPENLAPS_RETURN_IF_ERROR(tx.ForEach(
          kCountThrottleSql, [&](const Statement& row) { record = ThrottleFromRow(row); }, subject,
          now, std::int64_t{window.count()}, limit, std::int64_t{block.count()}));
      if (!record) return InternalError("throttle upsert returned no row");
      return *record;
    });
  }

  Result<ThrottleRecord> GetThrottle(std::string_view subject) override {
    return Read([&](Tx& tx) {
      return tx.LoadOne<ThrottleRecord>(Sql(kSelectThrottle, "WHERE subject = ?"), ThrottleFromRow,
                                        "no throttle for " + std::string(subject), subject);
    });
  }

  Result<std::vector<ThrottleRecord>> ListBlockedThrottles(Timestamp now) override {
    return Read([&](Tx& tx) {
      return tx.LoadAll<ThrottleRecord>(
          Sql(kSelectThrottle, "WHERE blocked_until > ? ORDER BY subject"), ThrottleFromRow, now);
    });
  }

  Status ClearThrottle(std::string_view subject) override {
    return Write([&](Tx& tx) -> Status {
      OPENLAPS_RETURN_IF_ERROR(tx.Exec("DELETE FROM throttles WHERE subject = ?", subject));
      if (tx.Changes() == 0) return NotFoundError("no throttle for " + std::string(subject));
      return Status::Ok();
    });
  }

  // --- Scope tags ---

  Result<ScopeTag> CreateScopeTag(ScopeTag tag) override {
    return Write([&](Tx& tx) -> Result<ScopeTag> {
      OPENLAPS_ASSIGN_OR_RETURN(
          tag.id, tx.InsertReturningId("INSERT INTO scope_tags (name, description) VALUES (?, ?)",
                                       tag.name, tag.description));
      return tag;
    });
  }

  Result<ScopeTag> GetScopeTag(Id id) override {
    return Read([&](Tx& tx) {
      return tx.LoadOne<ScopeTag>(Sql(kSelectScopeTag, "WHERE id = ?"), ScopeTagFromRow,
                                  NotFoundMessage("scope tag", id), id);
    });
  }

  Result<std::vector<ScopeTag>> ListScopeTags() override {
    return Read([&](Tx& tx) {
      return tx.LoadAll<ScopeTag>(Sql(kSelectScopeTag, "ORDER BY id"), ScopeTagFromRow);
    });
  }

  Status UpdateScopeTag(const ScopeTag& tag) override {
    return Write([&](Tx& tx) -> Status {
      OPENLAPS_RETURN_IF_ERROR(
          tx.Exec("UPDATE scope_tags SET name = ?, description = ? WHERE id = ?", tag.name,
                  tag.description, tag.id));
      return tx.ChangedOrNotFound("scope tag", tag.id);
    });
  }

  Status DeleteScopeTag(Id id) override {
    if (id == 0) return FailedPreconditionError("the Default scope tag cannot be deleted");
    return Write([&](Tx& tx) -> Status {
      Status status = tx.Exec("DELETE FROM scope_tags WHERE id = ?", id);
      if (status.IsFailedPrecondition()) {
        return FailedPreconditionError(
            "scope tag " + std::to_string(id) +
            " is still used by a device, group, policy, role assignment or "
            "enrollment token");
      }
      OPENLAPS_RETURN_IF_ERROR(status);
      return tx.ChangedOrNotFound("scope tag", id);
    });
  }

  // --- Roles ---

  Result<RoleDefinition> CreateRole(RoleDefinition role) override {
    return Write([&](Tx& tx) -> Result<RoleDefinition> {
      if (role.guid.empty()) role.guid = NewGuid();
      OPENLAPS_ASSIGN_OR_RETURN(
          role.id, tx.InsertReturningId(
                       "INSERT INTO roles (guid, name, description, built_in) VALUES (?, ?, ?, ?)",
                       role.guid, role.name, role.description, std::int64_t{role.built_in}));
      OPENLAPS_RETURN_IF_ERROR(tx.ReplacePermissions(role.id, role.permissions));
      return tx.LoadRole(role.id);
    });
  }

  Result<RoleDefinition> GetRole(Id id) override {
    return Read([&](Tx& tx) { return tx.LoadRole(id); });
  }

  Result<RoleDefinition> GetRoleByGuid(std::string_view guid) override {
    return Read([&](Tx& tx) {
      return tx.LoadOne<RoleDefinition>(Sql(kSelectRole, "WHERE guid = ?"), &Tx::RoleFromRow,
                                        "role " + std::string(guid) + " not found", guid);
    });
  }

  Result<std::vector<RoleDefinition>> ListRoles() override {
    return Read([&](Tx& tx) {
      return tx.LoadAll<RoleDefinition>(Sql(kSelectRole, "ORDER BY id"), &Tx::RoleFromRow);
    });
  }

  // built_in is fixed at creation; the server decides who may edit a role.
  Status UpdateRole(const RoleDefinition& role) override {
    return Write([&](Tx& tx) -> Status {
      OPENLAPS_RETURN_IF_ERROR(tx.Exec("UPDATE roles SET name = ?, description = ? WHERE id = ?",
                                       role.name, role.description, role.id));
      OPENLAPS_RETURN_IF_ERROR(tx.ChangedOrNotFound("role", role.id));
      return tx.ReplacePermissions(role.id, role.permissions);
    });
  }

  Status DeleteRole(Id id) override {
    return Write([&](Tx& tx) -> Status {
      OPENLAPS_ASSIGN_OR_RETURN(std::optional<std::int64_t> built_in,
                                tx.QueryInt("SELECT built_in FROM roles WHERE id = ?", id));
      if (!built_in) return NotFoundError(NotFoundMessage("role", id));
      if (*built_in != 0) return FailedPreconditionError("a built-in role cannot be deleted");
      OPENLAPS_ASSIGN_OR_RETURN(const bool assigned,
                                tx.Exists("SELECT 1 FROM role_assignments WHERE role_id = ?", id));
      if (assigned) {
        return FailedPreconditionError("role " + std::to_string(id) +
                                       " is assigned; delete its assignments first");
      }
      return tx.Exec("DELETE FROM roles WHERE id = ?", id);
    });
  }

  // --- Role assignments ---

  Result<RoleAssignment> CreateRoleAssignment(RoleAssignment assignment) override {
    return Write([&](Tx& tx) -> Result<RoleAssignment> {
      OPENLAPS_RETURN_IF_ERROR(tx.CheckAssignmentRefs(assignment));
      if (assignment.guid.empty()) assignment.guid = NewGuid();
      OPENLAPS_ASSIGN_OR_RETURN(
          assignment.id, tx.InsertReturningId(
                             "INSERT INTO role_assignments (guid, name, role_id) VALUES (?, ?, ?)",
                             assignment.guid, assignment.name, assignment.role_id));
      OPENLAPS_RETURN_IF_ERROR(tx.ReplaceAssignmentMembers(assignment));
      return tx.LoadOne<RoleAssignment>(
          Sql(kSelectRoleAssignment, "WHERE id = ?"), &Tx::RoleAssignmentFromRow,
          NotFoundMessage("role assignment", assignment.id), assignment.id);
    });
  }

  Result<RoleAssignment> GetRoleAssignmentByGuid(std::string_view guid) override {
    return Read([&](Tx& tx) {
      return tx.LoadOne<RoleAssignment>(
          Sql(kSelectRoleAssignment, "WHERE guid = ?"), &Tx::RoleAssignmentFromRow,
          "role assignment " + std::string(guid) + " not found", guid);
    });
  }

  Result<std::vector<RoleAssignment>> ListRoleAssignments() override {
    return Read([&](Tx& tx) {
      return tx.LoadAll<RoleAssignment>(Sql(kSelectRoleAssignment, "ORDER BY id"),
                                        &Tx::RoleAssignmentFromRow);
    });
  }

  Result<std::vector<RoleAssignment>> ListRoleAssignmentsForAdmin(Id admin_id) override {
    return Read([&](Tx& tx) -> Result<std::vector<RoleAssignment>> {
      OPENLAPS_RETURN_IF_ERROR(tx.CheckExists("admins", "admin", admin_id));
      return tx.LoadAll<RoleAssignment>(
          Sql(kSelectRoleAssignment,
              "WHERE id IN (SELECT assignment_id FROM role_assignment_admins WHERE admin_id = ?) "
              "ORDER BY id"),
          &Tx::RoleAssignmentFromRow, admin_id);
    });
  }

  Status UpdateRoleAssignment(const RoleAssignment& assignment) override {
    return Write([&](Tx& tx) -> Status {
      OPENLAPS_RETURN_IF_ERROR(
          tx.CheckExists("role_assignments", "role assignment", assignment.id));
      OPENLAPS_RETURN_IF_ERROR(tx.CheckAssignmentRefs(assignment));
      OPENLAPS_RETURN_IF_ERROR(
          tx.Exec("UPDATE role_assignments SET name = ?, role_id = ? WHERE id = ?", assignment.name,
                  assignment.role_id, assignment.id));
      return tx.ReplaceAssignmentMembers(assignment);
    });
  }

  Status DeleteRoleAssignment(Id id) override {
    return Write([&](Tx& tx) -> Status {
      OPENLAPS_RETURN_IF_ERROR(tx.Exec("DELETE FROM role_assignments WHERE id = ?", id));
      return tx.ChangedOrNotFound("role assignment", id);
    });
  }

  // --- Users and groups ---

  Result<User> CreateUser(User user) override {
    return Write([&](Tx& tx) -> Result<User> {
      if (user.guid.empty()) user.guid = NewGuid();
      OPENLAPS_ASSIGN_OR_RETURN(
          user.id,
          tx.InsertReturningId(
              "INSERT INTO users (guid, user_principal_name, display_name) VALUES (?, ?, ?)",
              user.guid, user.user_principal_name, user.display_name));
      return user;
    });
  }

  Result<User> GetUser(Id id) override {
    return Read([&](Tx& tx) {
      return tx.LoadOne<User>(Sql(kSelectUser, "WHERE id = ?"), UserFromRow,
                              NotFoundMessage("user", id), id);
    });
  }

  Result<User> GetUserByGuid(std::string_view guid) override {
    return Read([&](Tx& tx) {
      return tx.LoadOne<User>(Sql(kSelectUser, "WHERE guid = ?"), UserFromRow,
                              "user " + std::string(guid) + " not found", guid);
    });
  }

  Result<User> GetUserByPrincipalName(std::string_view upn) override {
    return Read([&](Tx& tx) {
      return tx.LoadOne<User>(
          Sql(kSelectUser, "WHERE " + dialect_->NameEquals("user_principal_name")), UserFromRow,
          "user " + std::string(upn) + " not found", upn);
    });
  }

  Result<std::vector<User>> ListUsers() override {
    return Read(
        [&](Tx& tx) { return tx.LoadAll<User>(Sql(kSelectUser, "ORDER BY id"), UserFromRow); });
  }

  Result<Group> CreateGroup(Group group) override {
    return Write([&](Tx& tx) -> Result<Group> {
      const std::vector<Id> members = SortedUnique(group.member_ids);
      for (Id member : members) OPENLAPS_RETURN_IF_ERROR(tx.CheckMemberExists(group.kind, member));
      OPENLAPS_RETURN_IF_ERROR(tx.CheckAllExist("scope_tags", "scope tag", group.scope_tag_ids));
      if (group.guid.empty()) group.guid = NewGuid();
      OPENLAPS_ASSIGN_OR_RETURN(
          group.id, tx.InsertReturningId(
                        "INSERT INTO directory_groups (guid, display_name, description, kind) "
                        "VALUES (?, ?, ?, ?)",
                        group.guid, group.display_name, group.description, EnumInt(group.kind)));
      for (Id member : members) {
        OPENLAPS_RETURN_IF_ERROR(tx.Exec(tx.InsertMemberSql(group.kind), group.id, member));
      }
      group.member_ids = members;
      group.scope_tag_ids = SortedUnique(group.scope_tag_ids);
      OPENLAPS_RETURN_IF_ERROR(tx.ReplaceIds("group_scope_tags", "group_id", "scope_tag_id",
                                             group.id, group.scope_tag_ids));
      return group;
    });
  }

  Result<Group> GetGroup(Id id) override {
    return Read([&](Tx& tx) {
      return tx.LoadOne<Group>(Sql(kSelectGroup, "WHERE id = ?"), &Tx::GroupFromRow,
                               NotFoundMessage("group", id), id);
    });
  }

  Result<Group> GetGroupByGuid(std::string_view guid) override {
    return Read([&](Tx& tx) {
      return tx.LoadOne<Group>(Sql(kSelectGroup, "WHERE guid = ?"), &Tx::GroupFromRow,
                               "group " + std::string(guid) + " not found", guid);
    });
  }

  Result<std::vector<Group>> ListGroups() override {
    return Read([&](Tx& tx) {
      return tx.LoadAll<Group>(Sql(kSelectGroup, "ORDER BY id"), &Tx::GroupFromRow);
    });
  }

  Status UpdateGroup(const Group& group) override {
    return Write([&](Tx& tx) -> Status {
      OPENLAPS_RETURN_IF_ERROR(
          tx.Exec("UPDATE directory_groups SET display_name = ?, description = ? WHERE id = ?",
                  group.display_name, group.description, group.id));
      return tx.ChangedOrNotFound("group", group.id);
    });
  }

  // Members, policy assignments and enrollment-token links cascade.
  Status DeleteGroup(Id id) override {
    return Write([&](Tx& tx) -> Status {
      OPENLAPS_RETURN_IF_ERROR(tx.Exec("DELETE FROM directory_groups WHERE id = ?", id));
      return tx.ChangedOrNotFound("group", id);
    });
  }

  Status AddGroupMember(Id group_id, Id member_id) override {
    return Write([&](Tx& tx) -> Status {
      OPENLAPS_ASSIGN_OR_RETURN(const GroupKind kind, tx.GroupKindOf(group_id));
      OPENLAPS_RETURN_IF_ERROR(tx.CheckMemberExists(kind, member_id));
      return tx.Exec(tx.InsertMemberSql(kind), group_id, member_id);
    });
  }

  Status RemoveGroupMember(Id group_id, Id member_id) override {
    return Write([&](Tx& tx) -> Status {
      OPENLAPS_ASSIGN_OR_RETURN(const GroupKind kind, tx.GroupKindOf(group_id));
      OPENLAPS_RETURN_IF_ERROR(tx.Exec(kind == GroupKind::kDevice
                                           ? "DELETE FROM group_device_members "
                                             "WHERE group_id = ? AND device_id = ?"
                                           : "DELETE FROM group_user_members "
                                             "WHERE group_id = ? AND user_id = ?",
                                       group_id, member_id));
      if (tx.Changes() == 0) {
        return NotFoundError(std::to_string(member_id) + " is not a member of group " +
                             std::to_string(group_id));
      }
      return Status::Ok();
    });
  }

  Result<std::vector<Id>> ListGroupsOf(GroupKind kind, Id member_id) override {
    return Read([&](Tx& tx) -> Result<std::vector<Id>> {
      OPENLAPS_RETURN_IF_ERROR(tx.CheckMemberExists(kind, member_id));
      return tx.LoadIds(kind == GroupKind::kDevice
                            ? "SELECT group_id FROM group_device_members WHERE device_id = ? "
                              "ORDER BY group_id"
                            : "SELECT group_id FROM group_user_members WHERE user_id = ? "
                              "ORDER BY group_id",
                        member_id);
    });
  }

  // --- Policies ---

  Result<PolicyRecord> CreatePolicy(PolicyRecord policy) override {
    return Write([&](Tx& tx) -> Result<PolicyRecord> {
      OPENLAPS_ASSIGN_OR_RETURN(const std::string settings, SettingsToText(policy.settings));
      OPENLAPS_RETURN_IF_ERROR(tx.CheckAllExist("scope_tags", "scope tag", policy.scope_tag_ids));
      OPENLAPS_RETURN_IF_ERROR(tx.CheckPolicyAssignments(policy.assignments));
      if (policy.guid.empty()) policy.guid = NewGuid();
      OPENLAPS_ASSIGN_OR_RETURN(
          policy.id,
          tx.InsertReturningId(
              "INSERT INTO policies (guid, name, description, platforms, settings_json, "
              "version, created_at, modified_at) VALUES (?, ?, ?, ?, ?, 1, ?, ?)",
              policy.guid, policy.name, policy.description, std::int64_t{policy.platforms},
              settings, policy.created_at, policy.modified_at));
      OPENLAPS_RETURN_IF_ERROR(tx.ReplaceIds("policy_scope_tags", "policy_id", "scope_tag_id",
                                             policy.id, policy.scope_tag_ids));
      OPENLAPS_RETURN_IF_ERROR(tx.ReplacePolicyAssignments(policy.id, policy.assignments));
      return tx.LoadPolicy(policy.id);
    });
  }

  Result<PolicyRecord> GetPolicy(Id id) override {
    return Read([&](Tx& tx) { return tx.LoadPolicy(id); });
  }

  Result<PolicyRecord> GetPolicyByGuid(std::string_view guid) override {
    return Read([&](Tx& tx) {
      return tx.LoadOne<PolicyRecord>(Sql(kSelectPolicy, "WHERE guid = ?"), &Tx::PolicyFromRow,
                                      "policy " + std::string(guid) + " not found", guid);
    });
  }

  Result<std::vector<PolicyRecord>> ListPolicies() override {
    return Read([&](Tx& tx) {
      return tx.LoadAll<PolicyRecord>(Sql(kSelectPolicy, "ORDER BY id"), &Tx::PolicyFromRow);
    });
  }

  // The caller sets modified_at: the store has no clock of its own.
  Result<PolicyRecord> UpdatePolicy(const PolicyRecord& policy) override {
    return Write([&](Tx& tx) -> Result<PolicyRecord> {
      OPENLAPS_RETURN_IF_ERROR(tx.CheckExists("policies", "policy", policy.id));
      OPENLAPS_ASSIGN_OR_RETURN(const std::string settings, SettingsToText(policy.settings));
      OPENLAPS_RETURN_IF_ERROR(tx.CheckAllExist("scope_tags", "scope tag", policy.scope_tag_ids));
      OPENLAPS_RETURN_IF_ERROR(tx.Exec(
          "UPDATE policies SET name = ?, description = ?, platforms = ?, settings_json = ?, "
          "version = version + 1, modified_at = ? WHERE id = ?",
          policy.name, policy.description, std::int64_t{policy.platforms}, settings,
          policy.modified_at, policy.id));
      OPENLAPS_RETURN_IF_ERROR(tx.ReplaceIds("policy_scope_tags", "policy_id", "scope_tag_id",
                                             policy.id, policy.scope_tag_ids));
      return tx.LoadPolicy(policy.id);
    });
  }

  Status DeletePolicy(Id id) override {
    return Write([&](Tx& tx) -> Status {
      OPENLAPS_RETURN_IF_ERROR(tx.Exec("DELETE FROM policies WHERE id = ?", id));
      return tx.ChangedOrNotFound("policy", id);
    });
  }

  Status SetPolicyAssignments(Id policy_id, const std::vector<core::Assignment>& a) override {
    return Write([&](Tx& tx) -> Status {
      OPENLAPS_RETURN_IF_ERROR(tx.CheckExists("policies", "policy", policy_id));
      OPENLAPS_RETURN_IF_ERROR(tx.CheckPolicyAssignments(a));
      return tx.ReplacePolicyAssignments(policy_id, a);
    });
  }

  // --- Enrollment ---

  Result<EnrollmentToken> CreateEnrollmentToken(EnrollmentToken token) override {
    if (token.uses_left < 0) return InvalidArgumentError("uses left must not be negative");
    return Write([&](Tx& tx) -> Result<EnrollmentToken> {
      OPENLAPS_RETURN_IF_ERROR(tx.CheckAllExist("scope_tags", "scope tag", token.scope_tag_ids));
      for (Id group : SortedUnique(token.group_ids)) {
        OPENLAPS_ASSIGN_OR_RETURN(const GroupKind kind, tx.GroupKindOf(group));
        if (kind != GroupKind::kDevice) {
          return InvalidArgumentError("group " + std::to_string(group) + " is not a device group");
        }
      }
      if (token.guid.empty()) token.guid = NewGuid();
      OPENLAPS_ASSIGN_OR_RETURN(
          token.id,
          tx.InsertReturningId(
              "INSERT INTO enrollment_tokens (guid, name, token_hash, created_at, expires_at, "
              "uses_left) VALUES (?, ?, ?, ?, ?, ?)",
              token.guid, token.name, token.token_hash, token.created_at, token.expires_at,
              token.uses_left));
      OPENLAPS_RETURN_IF_ERROR(tx.ReplaceIds("enrollment_token_scope_tags", "token_id",
                                             "scope_tag_id", token.id, token.scope_tag_ids));
      OPENLAPS_RETURN_IF_ERROR(tx.ReplaceIds("enrollment_token_groups", "token_id", "group_id",
                                             token.id, token.group_ids));
      return tx.LoadEnrollmentToken(token.id);
    });
  }

  Result<std::vector<EnrollmentToken>> ListEnrollmentTokens() override {
    return Read([&](Tx& tx) {
      return tx.LoadAll<EnrollmentToken>(Sql(kSelectEnrollmentToken, "ORDER BY id"),
                                         &Tx::EnrollmentTokenFromRow);
    });
  }

  Status DeleteEnrollmentToken(Id id) override {
    return Write([&](Tx& tx) -> Status {
      OPENLAPS_RETURN_IF_ERROR(tx.Exec("DELETE FROM enrollment_tokens WHERE id = ?", id));
      return tx.ChangedOrNotFound("enrollment token", id);
    });
  }

  Result<EnrollmentToken> ConsumeEnrollmentToken(std::string_view token_hash,
                                                 Timestamp now) override {
    return Write([&](Tx& tx) -> Result<EnrollmentToken> {
      // One conditional UPDATE checks and uses the token, so two devices
      // racing for the last use cannot both win.
      OPENLAPS_ASSIGN_OR_RETURN(
          std::optional<std::int64_t> id,
          tx.QueryInt("UPDATE enrollment_tokens SET uses_left = uses_left - 1 "
                      "WHERE token_hash = ? AND expires_at > ? AND uses_left > 0 RETURNING id",
                      token_hash, now));
      if (!id) return UnauthenticatedError("enrollment token is invalid, expired or used up");
      return tx.LoadEnrollmentToken(*id);
    });
  }

  // --- Devices ---

  Result<Device> CreateDevice(Device device) override {
    return Write([&](Tx& tx) -> Result<Device> {
      OPENLAPS_RETURN_IF_ERROR(tx.CheckAllExist("scope_tags", "scope tag", device.scope_tag_ids));
      OPENLAPS_RETURN_IF_ERROR(tx.CheckOptionalUser(device.primary_user_id));
      OPENLAPS_RETURN_IF_ERROR(tx.CheckOptionalUser(device.signed_in_user_id));
      std::optional<std::string> applied;
      if (device.applied_settings) {
        OPENLAPS_ASSIGN_OR_RETURN(applied, SettingsToText(*device.applied_settings));
      }
      if (device.guid.empty()) device.guid = NewGuid();
      OPENLAPS_ASSIGN_OR_RETURN(
          Statement insert,
          tx.Prepare("INSERT INTO devices (guid, name, platform, os_version, serial_number, "
                     "join_type, ownership, primary_user_id, signed_in_user_id, "
                     "sign_public_key, box_public_key, enrolled_at, last_checkin, "
                     "applied_settings_json, managed_account_name, managed_account_sid, "
                     "last_rotation, next_rotation, laps_state, rotate_after_reveal_at) "
                     "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                     "RETURNING id"));
      insert.BindAll(device.guid, device.name, EnumInt(device.platform), device.os_version,
                     device.serial_number, device.join_type, device.ownership,
                     device.primary_user_id, device.signed_in_user_id, device.sign_public_key,
                     device.box_public_key, device.enrolled_at, device.last_checkin);
      if (applied) {
        insert.Bind(*applied);
      } else {
        insert.BindNull();
      }
      insert.BindAll(device.managed_account_name, device.managed_account_sid, device.last_rotation,
                     device.next_rotation, device.laps_state, device.rotate_after_reveal_at);
      OPENLAPS_ASSIGN_OR_RETURN(const bool inserted, insert.Step());
      if (!inserted) return InternalError("insert device: no id returned");
      device.id = insert.Int(0);
      OPENLAPS_RETURN_IF_ERROR(tx.ReplaceIds("device_scope_tags", "device_id", "scope_tag_id",
                                             device.id, device.scope_tag_ids));
      return tx.LoadDevice(device.id);
    });
  }

  Result<Device> GetDevice(Id id) override {
    return Read([&](Tx& tx) { return tx.LoadDevice(id); });
  }

  Result<Device> GetDeviceByGuid(std::string_view guid) override {
    return Read([&](Tx& tx) {
      return tx.LoadOne<Device>(Sql(kSelectDevice, "WHERE guid = ?"), &Tx::DeviceFromRow,
                                "device " + std::string(guid) + " not found", guid);
    });
  }

  Result<std::vector<Device>> ListDevices() override {
    return Read([&](Tx& tx) {
      return tx.LoadAll<Device>(Sql(kSelectDevice, "ORDER BY id"), &Tx::DeviceFromRow);
    });
  }

  Status RecordCheckin(Id device_id, const CheckinUpdate& update) override {
    return DeviceWrite([&](Tx& tx) -> Status {
      OPENLAPS_RETURN_IF_ERROR(tx.CheckExists("devices", "device", device_id));
      OPENLAPS_RETURN_IF_ERROR(tx.CheckOptionalUser(update.signed_in_user_id));
      std::optional<std::string> applied;
      if (update.applied_settings) {
        OPENLAPS_ASSIGN_OR_RETURN(applied, SettingsToText(*update.applied_settings));
      }
      OPENLAPS_ASSIGN_OR_RETURN(
          Statement st,
          tx.Prepare(
              "UPDATE devices SET last_checkin = ?, last_seen_at = ?, goodbye_at = NULL, name = ?, "
              "os_version = ?, "
              "signed_in_user_id = ?, "
              "applied_settings_json = COALESCE(?, applied_settings_json), "
              "managed_account_name = ?, managed_account_sid = ?, laps_state = ?, "
              "next_rotation = COALESCE(?, next_rotation) "
              "WHERE id = ?"));
      st.BindAll(update.time, update.time, update.name, update.os_version,
                 update.signed_in_user_id);
      if (applied) {
        st.Bind(*applied);
      } else {
        st.BindNull();  // COALESCE keeps what the device applied before
      }
      st.BindAll(update.managed_account_name, update.managed_account_sid, update.laps_state,
                 update.next_rotation, device_id);
      return st.Run();
    });
  }

  Status SetRotateAfterReveal(Id device_id, std::optional<Timestamp> at) override {
    return Write([&](Tx& tx) -> Status {
      OPENLAPS_RETURN_IF_ERROR(
          tx.Exec("UPDATE devices SET rotate_after_reveal_at = ? WHERE id = ?", at, device_id));
      return tx.ChangedOrNotFound("device", device_id);
    });
  }

  Status RecordLongPoll(Id device_id, Timestamp now, Timestamp until) override {
    return DeviceWrite([&](Tx& tx) -> Status {
      OPENLAPS_RETURN_IF_ERROR(tx.Exec(
          "UPDATE devices SET parked_until = ?, last_seen_at = ?, goodbye_at = NULL WHERE id = ?",
          until, now, device_id));
      return tx.ChangedOrNotFound("device", device_id);
    });
  }

  Status EndLongPoll(Id device_id, Timestamp until, Timestamp now, bool answered) override {
    return DeviceWrite([&](Tx& tx) -> Status {
      OPENLAPS_RETURN_IF_ERROR(tx.CheckExists("devices", "device", device_id));
      if (answered) {
        return tx.Exec(
            "UPDATE devices SET parked_until = CASE WHEN parked_until = ? THEN NULL "
            "ELSE parked_until END, last_seen_at = CASE WHEN last_seen_at IS NULL OR "
            "last_seen_at < ? THEN ? ELSE last_seen_at END, goodbye_at = NULL WHERE id = ?",
            until, now, now, device_id);
      }
      return tx.Exec(
          "UPDATE devices SET parked_until = NULL, goodbye_at = ? WHERE id = ? AND parked_until = "
          "?",
          now, device_id, until);
    });
  }

  Status RecordGoodbye(Id device_id, Timestamp now) override {
    return DeviceWrite([&](Tx& tx) -> Status {
      OPENLAPS_RETURN_IF_ERROR(tx.Exec(
          "UPDATE devices SET parked_until = NULL, goodbye_at = ? WHERE id = ?", now, device_id));
      return tx.ChangedOrNotFound("device", device_id);
    });
  }

  // A nonce that has expired is forgotten, so the caller must reject requests
  // whose timestamp is older than the window it passes as `expires - now`.
  Result<bool> RememberNonce(Id device_id, std::string_view nonce, Timestamp now,
                             Timestamp expires) override {
    return DeviceWrite([&](Tx& tx) -> Result<bool> {
      OPENLAPS_RETURN_IF_ERROR(tx.CheckExists("devices", "device", device_id));
      // This device's expired nonces only: a sweep of every device's would
      // make all concurrent check-ins contend for the same rows.
      OPENLAPS_RETURN_IF_ERROR(tx.Exec(
          "DELETE FROM device_nonces WHERE device_id = ? AND expires_at <= ?", device_id, now));
      OPENLAPS_RETURN_IF_ERROR(
          tx.Exec("INSERT INTO device_nonces (device_id, nonce, expires_at) VALUES (?, ?, ?) "
                  "ON CONFLICT (device_id, nonce) DO NOTHING",
                  device_id, nonce, expires));
      return tx.Changes() == 1;
    });
  }

  // --- Policy state reports ---

  // Replaces the device's reports: a policy that no longer targets the
  // device must not keep reporting for it.
  Status SavePolicyReports(Id device_id, const std::vector<PolicyReportRecord>& r) override {
    return Write([&](Tx& tx) -> Status {
      OPENLAPS_RETURN_IF_ERROR(tx.CheckExists("devices", "device", device_id));
      OPENLAPS_RETURN_IF_ERROR(
          tx.Exec("DELETE FROM policy_reports WHERE device_id = ?", device_id));
      for (const PolicyReportRecord& report : r) {
        OPENLAPS_RETURN_IF_ERROR(tx.CheckExists("policies", "policy", report.policy_id));
        OPENLAPS_RETURN_IF_ERROR(
            tx.Exec("INSERT INTO policy_reports (device_id, policy_id, version, state, detail, "
                    "reported_at) VALUES (?, ?, ?, ?, ?, ?)",
                    device_id, report.policy_id, report.version, EnumInt(report.state),
                    report.detail, report.reported_at));
      }
      return Status::Ok();
    });
  }

  Result<std::vector<PolicyReportRecord>> ListPolicyReports(Id device_id) override {
    return Read([&](Tx& tx) -> Result<std::vector<PolicyReportRecord>> {
      OPENLAPS_RETURN_IF_ERROR(tx.CheckExists("devices", "device", device_id));
      return tx.LoadAll<PolicyReportRecord>(
          Sql(kSelectReport, "WHERE device_id = ? ORDER BY policy_id"), ReportFromRow, device_id);
    });
  }

  Result<std::vector<PolicyReportRecord>> ListPolicyReportsForPolicy(Id policy_id) override {
    return Read([&](Tx& tx) -> Result<std::vector<PolicyReportRecord>> {
      OPENLAPS_RETURN_IF_ERROR(tx.CheckExists("policies", "policy", policy_id));
      return tx.LoadAll<PolicyReportRecord>(
          Sql(kSelectReport, "WHERE policy_id = ? ORDER BY device_id"), ReportFromRow, policy_id);
    });
  }

  // --- Escrowed credentials ---

  // Durable: once the agent hears "escrowed" it sets the password, so a power
  // cut must not take the escrowed copy back.
  Result<Credential> AddPendingCredential(Credential credential) override {
    if (credential.rotation_id.empty()) return InvalidArgumentError("rotation id is empty");
    // Active Directory holds its devices' passwords: lapsd records the
    // rotation only, and must not hold a copy.
    const bool in_active_directory =
        credential.directory == core::BackupDirectory::kActiveDirectory;
    if (credential.sealed_password.empty() != in_active_directory) {
      return InvalidArgumentError(in_active_directory
                                      ? "a password backed up to Active Directory is not escrowed"
                                      : "sealed password is empty");
    }
    return DurableWrite([&](Tx& tx) -> Result<Credential> {
      OPENLAPS_RETURN_IF_ERROR(tx.CheckExists("devices", "device", credential.device_id));
      OPENLAPS_ASSIGN_OR_RETURN(std::optional<Credential> existing,
                                tx.FindCredential(credential.device_id, credential.rotation_id));
      if (existing) return std::move(*existing);
      OPENLAPS_ASSIGN_OR_RETURN(
          credential.id,
          tx.InsertReturningId(
              "INSERT INTO credentials (device_id, rotation_id, account_name, account_sid, "
              "sealed_password, backup_time, directory, state) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
              credential.device_id, credential.rotation_id, credential.account_name,
              credential.account_sid, credential.sealed_password, credential.backup_time,
              EnumInt(credential.directory), kCredentialPending));
      credential.state = CredentialState::kPending;
      return credential;
    });
  }

  Result<Credential> CommitCredential(Id device_id, std::string_view rotation_id, Timestamp now,
                                      Timestamp next_rotation, int history_size) override {
    return DurableWrite([&](Tx& tx) -> Result<Credential> {
      OPENLAPS_ASSIGN_OR_RETURN(std::optional<Credential> found,
                                tx.FindCredential(device_id, rotation_id));
      if (!found) {
        return NotFoundError("no credential for rotation " + std::string(rotation_id) +
                             " of device " + std::to_string(device_id));
      }
      if (found->state == CredentialState::kCurrent) return std::move(*found);
      if (found->state == CredentialState::kHistory) {
        return FailedPreconditionError("rotation " + std::string(rotation_id) +
                                       " was already superseded by a later one");
      }
      // The old current password and any other pending one go to history:
      // each may have been set on the account at some point, so an old
      // backup image of the device may still need it.
      OPENLAPS_RETURN_IF_ERROR(tx.Exec(
          "UPDATE credentials SET state = ? WHERE device_id = ? AND state IN (?, ?) "
          "AND id != ?",
          kCredentialHistory, device_id, kCredentialCurrent, kCredentialPending, found->id));
      OPENLAPS_RETURN_IF_ERROR(
          tx.Exec("UPDATE credentials SET state = ? WHERE id = ?", kCredentialCurrent, found->id));
      OPENLAPS_RETURN_IF_ERROR(
          tx.Exec("DELETE FROM credentials WHERE device_id = ? AND state = ? AND id NOT IN ("
                  "SELECT id FROM credentials WHERE device_id = ? AND state = ? "
                  "ORDER BY backup_time DESC, id DESC LIMIT ?)",
                  device_id, kCredentialHistory, device_id, kCredentialHistory,
                  std::int64_t{std::max(history_size, 0)}));
      OPENLAPS_RETURN_IF_ERROR(
          tx.Exec("UPDATE devices SET last_rotation = ?, next_rotation = ?, "
                  "rotate_after_reveal_at = NULL WHERE id = ?",
                  now, next_rotation, device_id));
      OPENLAPS_RETURN_IF_ERROR(
          tx.Exec("UPDATE device_actions SET state = ?, updated_at = ? "
                  "WHERE device_id = ? AND rotation_id = ? AND state IN (?, ?)",
                  kActionDone, now, device_id, rotation_id, EnumInt(ActionState::kPending),
                  EnumInt(ActionState::kActive)));
      // Failed by a deadline while the device went on: the password is real.
      OPENLAPS_RETURN_IF_ERROR(
          tx.Exec("UPDATE device_actions SET state = ?, updated_at = ?, late_completion = 1 "
                  "WHERE device_id = ? AND rotation_id = ? AND rotation_id != '' AND state = ?",
                  kActionDone, now, device_id, rotation_id, EnumInt(ActionState::kFailed)));
      found->state = CredentialState::kCurrent;
      return std::move(*found);
    });
  }

  Status AbandonCredential(Id device_id, std::string_view rotation_id) override {
    return Write([&](Tx& tx) -> Status {
      OPENLAPS_ASSIGN_OR_RETURN(std::optional<Credential> found,
                                tx.FindCredential(device_id, rotation_id));
      if (!found) {
        return NotFoundError("no credential for rotation " + std::string(rotation_id) +
                             " of device " + std::to_string(device_id));
      }
      if (found->state != CredentialState::kPending) {
        return FailedPreconditionError("rotation " + std::string(rotation_id) +
                                       " was committed; only a pending one can be abandoned");
      }
      return tx.Exec("DELETE FROM credentials WHERE id = ?", found->id);
    });
  }

  Result<std::vector<Credential>> ListCredentials(Id device_id) override {
    return Read([&](Tx& tx) -> Result<std::vector<Credential>> {
      OPENLAPS_RETURN_IF_ERROR(tx.CheckExists("devices", "device", device_id));
      // States are numbered pending < current < history.
      return tx.LoadAll<Credential>(
          Sql(kSelectCredential, "WHERE device_id = ? ORDER BY state, backup_time DESC, id DESC"),
          CredentialFromRow, device_id);
    });
  }

  // --- Device actions ---

  Result<DeviceAction> CreateAction(DeviceAction action) override {
    return Write([&](Tx& tx) -> Result<DeviceAction> {
      OPENLAPS_RETURN_IF_ERROR(tx.CheckExists("devices", "device", action.device_id));
      if (action.guid.empty()) action.guid = NewGuid();
      Result<Id> inserted = tx.InsertReturningId(
          "INSERT INTO device_actions (guid, device_id, kind, requested_by, state, created_at, "
          "updated_at, error, rotation_id, queued, deliver_by, finish_by, late_completion) "
          "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
          action.guid, action.device_id, action.kind, action.requested_by, EnumInt(action.state),
          action.created_at, action.updated_at, action.error, action.rotation_id,
          std::int64_t{action.queued}, action.deliver_by, action.finish_by,
          std::int64_t{action.late_completion});
      if (inserted.status().IsAlreadyExists()) {
        return AlreadyExistsError("device " + std::to_string(action.device_id) +
                                  " already has a pending or active " + action.kind + " action");
      }
      if (!inserted.ok()) return inserted.status();
      action.id = *inserted;
      return action;
    });
  }

  Result<DeviceAction> GetActionByGuid(std::string_view guid) override {
    return Read([&](Tx& tx) {
      return tx.LoadOne<DeviceAction>(Sql(kSelectAction, "WHERE guid = ?"), ActionFromRow,
                                      "action " + std::string(guid) + " not found", guid);
    });
  }

  Result<std::vector<DeviceAction>> ListActions(Id device_id) override {
    return Read([&](Tx& tx) -> Result<std::vector<DeviceAction>> {
      OPENLAPS_RETURN_IF_ERROR(tx.CheckExists("devices", "device", device_id));
      return tx.LoadAll<DeviceAction>(
          Sql(kSelectAction, "WHERE device_id = ? ORDER BY created_at DESC, id DESC"),
          ActionFromRow, device_id);
    });
  }

  Result<std::vector<DeviceAction>> ListOutstandingActions(Id device_id) override {
    return Read([&](Tx& tx) -> Result<std::vector<DeviceAction>> {
      OPENLAPS_RETURN_IF_ERROR(tx.CheckExists("devices", "device", device_id));
      return tx.LoadAll<DeviceAction>(
          Sql(kSelectAction, "WHERE device_id = ? AND state IN (?, ?) ORDER BY id"), ActionFromRow,
          device_id, EnumInt(ActionState::kPending), EnumInt(ActionState::kActive));
    });
  }

  Result<std::vector<DeviceAction>> ListAllActions() override {
    return Read([&](Tx& tx) {
      return tx.LoadAll<DeviceAction>(Sql(kSelectAction, "ORDER BY created_at DESC, id DESC"),
                                      ActionFromRow);
    });
  }

  Status UpdateAction(const DeviceAction& action) override {
    return Write([&](Tx& tx) -> Status {
      OPENLAPS_RETURN_IF_ERROR(tx.Exec(
          "UPDATE device_actions SET state = ?, error = ?, rotation_id = ?, updated_at = ? "
          "WHERE id = ?",
          EnumInt(action.state), action.error, action.rotation_id, action.updated_at, action.id));
      return tx.ChangedOrNotFound("action", action.id);
    });
  }

  Status UpdateActionIf(const DeviceAction& action, ActionState expected) override {
    return Write([&](Tx& tx) -> Status {
      OPENLAPS_RETURN_IF_ERROR(tx.Exec(
          "UPDATE device_actions SET state = ?, error = ?, rotation_id = ?, updated_at = ?, "
          "finish_by = ? WHERE id = ? AND state = ?",
          EnumInt(action.state), action.error, action.rotation_id, action.updated_at,
          action.finish_by, action.id, EnumInt(expected)));
      if (tx.Changes() == 1) return Status::Ok();
      return tx.ActionMovedOn(action.id);
    });
  }

  Result<DeviceAction> CancelAction(Id action_id, Timestamp now, std::string reason) override {
    return Write([&](Tx& tx) -> Result<DeviceAction> {
      OPENLAPS_RETURN_IF_ERROR(tx.Exec(
          "UPDATE device_actions SET state = ?, error = ?, updated_at = ? WHERE id = ? AND state = "
          "?",
          EnumInt(ActionState::kCanceled), reason, now, action_id, EnumInt(ActionState::kPending)));
      if (tx.Changes() != 1) return tx.ActionMovedOn(action_id);
      return tx.LoadOne<DeviceAction>(Sql(kSelectAction, "WHERE id = ?"), ActionFromRow,
                                      NotFoundMessage("action", action_id), action_id);
    });
  }

  Result<std::vector<DeviceAction>> FailOverdueActions(Timestamp now) override {
    return Write([&](Tx& tx) -> Result<std::vector<DeviceAction>> {
      // One statement: on a shared database the row that one node fails no
      // longer matches the other node's WHERE.
      OPENLAPS_ASSIGN_OR_RETURN(
          std::vector<DeviceAction> failed,
          tx.LoadAll<DeviceAction>(
              Sql("UPDATE device_actions SET updated_at = ?, error = CASE WHEN state = ? THEN ? "
                  "WHEN queued != 0 THEN ? ELSE ? END, state = ? "
                  "WHERE (state = ? AND deliver_by < ?) OR (state = ? AND finish_by < ?) "
                  "RETURNING ",
                  kActionColumns),
              ActionFromRow, now, EnumInt(ActionState::kActive), kActionNotFinished, kActionExpired,
              kActionNotDelivered, EnumInt(ActionState::kFailed), EnumInt(ActionState::kPending),
              now, EnumInt(ActionState::kActive), now));
      std::sort(failed.begin(), failed.end(),
                [](const DeviceAction& a, const DeviceAction& b) { return a.id < b.id; });
      return failed;
    });
  }

  // --- Change tracking ---

  Result<std::int64_t> PolicyEpoch() override {
    return Read([&](Tx& tx) -> Result<std::int64_t> {
      OPENLAPS_ASSIGN_OR_RETURN(std::optional<std::int64_t> epoch,
                                tx.QueryInt("SELECT value FROM policy_epoch WHERE id = 1"));
      if (!epoch) return DataLossError("policy_epoch row is missing");
      return *epoch;
    });
  }

  // --- Audit ---

  // Durable: a reveal decrypts only after its audit event is on disk.
  void SetAuditKey(const AuditKey& key) override { audit_key_ = key; }

  Result<AuditEvent> AppendAudit(AuditEvent event) override {
    if (!audit_key_) return FailedPreconditionError("the audit key is not set");
    return DurableWrite([&](Tx& tx) -> Result<AuditEvent> {
      // No other appender may take the same sequence: the dialect's lock
      // (or its write transaction) lets one at a time past this point, and
      // the head read below is the latest one. Readers are not blocked.
      if (const std::string_view lock = dialect_->AuditAppendLock(); !lock.empty()) {
        OPENLAPS_RETURN_IF_ERROR(tx.ExecScript(lock, "audit lock"));
      }
      OPENLAPS_ASSIGN_OR_RETURN(
          Statement last,
          tx.Prepare("SELECT sequence, hash FROM audit_events ORDER BY sequence DESC LIMIT 1"));
      OPENLAPS_ASSIGN_OR_RETURN(const bool any, last.Step());
      event.sequence = any ? last.Int(0) + 1 : 1;
      event.previous_hash = any ? last.Text(1) : std::string();
      event.guid = NewGuid();
      event.hash = ComputeAuditMac(*audit_key_, event);
      OPENLAPS_RETURN_IF_ERROR(tx.Exec(
          "INSERT INTO audit_events (sequence, guid, time, actor_type, actor_id, actor_name, "
          "activity, category, result, target_type, target_id, target_name, detail_json, "
          "previous_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
          event.sequence, event.guid, event.time, event.actor_type, event.actor_id,
          event.actor_name, event.activity, event.category, event.result, event.target_type,
          event.target_id, event.target_name, event.detail_json, event.previous_hash, event.hash));
      return event;
    });
  }

  Result<std::vector<AuditEvent>> QueryAudit(const AuditQuery& query) override {
    if (query.limit <= 0) return InvalidArgumentError("audit query limit must be positive");
    return Read([&](Tx& tx) {
      // One statement for every combination of filters keeps it cached; an
      // unset filter binds NULL or "" and drops out.
      return tx.LoadAll<AuditEvent>(
          Sql(kSelectAudit,
              "WHERE sequence > ?1 AND (CAST(?2 AS BIGINT) IS NULL OR time >= ?2) "
              "AND (CAST(?3 AS BIGINT) IS NULL OR time < ?3) "
              "AND (CAST(?4 AS TEXT) = '' OR actor_id = ?4 OR actor_name = ?4) "
              "AND (CAST(?5 AS TEXT) = '' OR target_id = ?5) "
              "AND (CAST(?6 AS TEXT) = '' OR activity = ?6) "
              "ORDER BY sequence LIMIT ?7"),
          AuditFromRow, query.after_sequence, query.from, query.to, query.actor, query.target_id,
          query.activity, query.limit);
    });
  }

  Result<AuditHead> GetAuditHead() override {
    return Read([&](Tx& tx) -> Result<AuditHead> {
      OPENLAPS_ASSIGN_OR_RETURN(
          Statement last,
          tx.Prepare("SELECT sequence, hash FROM audit_events ORDER BY sequence DESC LIMIT 1"));
      OPENLAPS_ASSIGN_OR_RETURN(const bool any, last.Step());
      if (!any) return AuditHead{};
      return AuditHead{last.Int(0), last.Text(1)};
    });
  }

  Result<AuditVerification> VerifyAudit(const std::optional<AuditHead>& checkpoint) override {
    if (!audit_key_) return FailedPreconditionError("the audit key is not set");
    return Read([&](Tx& tx) -> Result<AuditVerification> {
      OPENLAPS_ASSIGN_OR_RETURN(std::optional<std::int64_t> legacy_through,
                                tx.QueryInt("SELECT legacy_through FROM audit_chain WHERE id = 1"));
      if (!legacy_through) return DataLossError("audit_chain row is missing");
      AuditChainVerifier verifier(*audit_key_, *legacy_through, checkpoint);
      OPENLAPS_RETURN_IF_ERROR(tx.ForEach(
          Sql(kSelectAudit, "ORDER BY sequence"),
          [&](const Statement& row) -> Status { return verifier.Add(AuditFromRow(row)); }));
      return verifier.Finish();
    });
  }

 private:
  // Runs `body` in one transaction on a Session of the dialect's; commits
  // when it succeeds and runs it again (up to the dialect's attempts) when
  // the database aborted it as a serialization failure or deadlock, or the
  // connection was found broken before anything ran. `body` may run more
  // than once, so it only assigns what it computes.
  template <typename Fn>
  auto InTransaction(TransactionKind kind, Fn&& body) -> decltype(body(std::declval<Tx&>())) {
    const int attempts = dialect_->TransactionAttempts();
    Status last = UnavailableError("no transaction attempted");
    for (int attempt = 0; attempt < attempts; ++attempt) {
      if (attempt > 0) BackOff(attempt);
      Result<std::unique_ptr<Session>> session = dialect_->Acquire();
      if (!session.ok()) return session.status();
      Status begin = (*session)->Begin(kind);
      if (!begin.ok()) {
        // A pooled connection the server dropped (restart, failover) fails
        // here; the pool discards it, and the next attempt gets a fresh one.
        if (begin.code() != StatusCode::kUnavailable) return begin;
        last = begin;
        continue;
      }
      Tx tx(**session);
      auto result = body(tx);
      Status outcome = result.ok() ? (*session)->Commit() : StatusOf(result);
      if (outcome.ok()) return result;
      (*session)->Rollback();
      if (outcome.code() != StatusCode::kAborted) {
        if (!result.ok()) return result;
        return outcome;
      }
      last = outcome;
    }
    return last;
  }
  static void BackOff(int attempt) {
    // Short and growing, so conflicting transactions stop colliding.
    std::this_thread::sleep_for(std::chrono::milliseconds(std::min(attempt * 2, 50)));
  }
  template <typename Fn>
  auto Read(Fn&& body) -> decltype(body(std::declval<Tx&>())) {
    return InTransaction(TransactionKind::kRead, std::forward<Fn>(body));
  }
  template <typename Fn>
  auto Write(Fn&& body) -> decltype(body(std::declval<Tx&>())) {
    return InTransaction(TransactionKind::kWrite, std::forward<Fn>(body));
  }
  template <typename Fn>
  auto DurableWrite(Fn&& body) -> decltype(body(std::declval<Tx&>())) {
    return InTransaction(TransactionKind::kDurableWrite, std::forward<Fn>(body));
  }
  template <typename Fn>
  auto DeviceWrite(Fn&& body) -> decltype(body(std::declval<Tx&>())) {
    return InTransaction(TransactionKind::kDeviceWrite, std::forward<Fn>(body));
  }

  // Set once at start (SetAuditKey), before any audit call.
  std::optional<AuditKey> audit_key_;
  std::unique_ptr<Dialect> dialect_;
};

}  // namespace

std::unique_ptr<Store> NewSqlStore(std::unique_ptr<Dialect> dialect) {
  return std::make_unique<SqlStore>(std::move(dialect));
}

}  // namespace openlaps::store::sql
