#include "server/first_start.h"

#include <filesystem>

#include "crypto/csprng.h"
#include "crypto/hashing.h"
#include "os/durable_file.h"
#include "server/log.h"
#include "server/permissions.h"
#include "server/rbac.h"

namespace openlaps::server {

namespace {

constexpr std::string_view kInitialAdminName = "admin";
constexpr std::size_t kInitialPasswordBytes = 18;

// Built-in roles as this version defines them, created or brought up to
// date; returns the Administrator role's id.
Result<store::Id> SeedBuiltInRoles(store::Store& store) {
  auto roles = store.ListRoles();
  if (!roles.ok()) return roles.status();
  std::optional<store::Id> administrator_role;
  for (const BuiltInRole& builtin : BuiltInRoles()) {
    const store::RoleDefinition* existing = nullptr;
    for (const auto& r : *roles) {
      if (r.built_in && r.name == builtin.name) existing = &r;
    }
    store::RoleDefinition role;
    if (existing) {
      role = *existing;
    } else {
      role.name = std::string(builtin.name);
      role.built_in = true;
    }
    role.description = std::string(builtin.description);
    role.permissions.assign(builtin.permissions.begin(), builtin.permissions.end());
    if (existing) {
      OPENLAPS_RETURN_IF_ERROR(store.UpdateRole(role));
    } else {
      auto created = store.CreateRole(role);
      if (!created.ok()) return created.status();
      role = *created;
    }
    if (builtin.name == kAdministratorRole) administrator_role = role.id;
  }
  if (!administrator_role) return InternalError("the built-in roles have no Administrator");
  return *administrator_role;
}

}  // namespace

Status SeedRolesAndFirstAdmin(ServerContext& context) {
  store::Store& store = context.store();
  const ServerConfig& config = context.config();
  OPENLAPS_ASSIGN_OR_RETURN(store::Id administrator_role, SeedBuiltInRoles(store));
  auto admins = store.ListAdmins();
  if (!admins.ok()) return admins.status();
  if (!admins->empty()) return Status::Ok();

  // First start: one administrator with a random password, handed over in
  // a 0600 file so it never passes through a log.
  core::SecretString password(crypto::RandomToken(kInitialPasswordBytes));
  auto hash = crypto::HashAdminPassword(password);
  if (!hash.ok()) return hash.status();
  store::AdminAccount admin;
  admin.name = std::string(kInitialAdminName);
  admin.display_name = "Initial administrator";
  admin.password_hash = *hash;
  admin.created_at = context.clock().Now();
  auto created = store.CreateAdmin(admin);
  if (!created.ok()) return created.status();
  store::RoleAssignment assignment;
  assignment.name = "Initial administrator";
  assignment.role_id = administrator_role;
  assignment.admin_ids = {created->id};
  auto assigned = store.CreateRoleAssignment(assignment);
  if (!assigned.ok()) return assigned.status();

  std::string content = "{\"userName\":\"" + admin.name + "\",\"password\":\"";
  content += password.Reveal();
  content += "\"}\n";
  Status written = os::WriteFileDurably(config.initial_admin_file, content);
  core::SecureZero(content.data(), content.size());
  OPENLAPS_RETURN_IF_ERROR(written);
  LogInfo("created the first administrator",
          {{"user", admin.name}, {"credentials_file", config.initial_admin_file.string()}});
  store::AuditEvent event;
  event.time = context.clock().Now();
  event.actor_type = "system";
  event.actor_name = "lapsd";
  event.activity = "Create administrator";
  event.category = "Role";
  event.result = "success";
  event.target_type = "administrator";
  event.target_id = created->guid;
  event.target_name = created->name;
  event.detail_json = "{}";
  return store.AppendAudit(event).status();
}

}  // namespace openlaps::server
