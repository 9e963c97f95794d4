// Permissions and built-in roles (LAPS-REFERENCE.md §7). Permission names
// follow Intune's categories; Graph's DeviceLocalCredential scopes are used
// verbatim for the two credential permissions.
#ifndef OPENLAPS_SERVER_PERMISSIONS_H_
#define OPENLAPS_SERVER_PERMISSIONS_H_

#include <span>
#include <string_view>
#include <vector>

namespace openlaps::server {

namespace permission {
inline constexpr std::string_view kReadDevices = "DeviceManagement.ManagedDevices.Read";
inline constexpr std::string_view kRotatePassword =
    "DeviceManagement.RemoteTasks.RotateLocalAdminPassword";
inline constexpr std::string_view kReadCredentialMetadata = "DeviceLocalCredential.ReadBasic.All";
inline constexpr std::string_view kReadCredentialPassword = "DeviceLocalCredential.Read.All";
inline constexpr std::string_view kReadPolicies = "DeviceManagement.SecurityBaselines.Read";
inline constexpr std::string_view kManagePolicies = "DeviceManagement.SecurityBaselines.ReadWrite";
inline constexpr std::string_view kReadGroups = "Group.Read.All";
inline constexpr std::string_view kManageGroups = "Group.ReadWrite.All";
inline constexpr std::string_view kReadRoles = "DeviceManagement.Rbac.Read";
inline constexpr std::string_view kManageRoles = "DeviceManagement.Rbac.ReadWrite";
inline constexpr std::string_view kReadAudit = "DeviceManagement.AuditEvents.Read";
inline constexpr std::string_view kManageEnrollment = "DeviceManagement.Enrollment.ReadWrite";
inline constexpr std::string_view kReadReports = "DeviceManagement.Reports.Read";
}  // namespace permission

std::span<const std::string_view> AllPermissions();
bool IsKnownPermission(std::string_view name);

struct BuiltInRole {
  std::string_view name;
  std::string_view description;
  std::vector<std::string_view> permissions;
};

// Administrator, Endpoint Security Manager, Help Desk Operator,
// Read Only Operator.
std::span<const BuiltInRole> BuiltInRoles();
inline constexpr std::string_view kAdministratorRole = "Administrator";

}  // namespace openlaps::server

#endif  // OPENLAPS_SERVER_PERMISSIONS_H_
