#include "server/permissions.h"

#include <algorithm>
#include <array>

namespace openlaps::server {

namespace p = permission;

std::span<const std::string_view> AllPermissions() {
  static constexpr std::array kAll = {p::kReadDevices,
                                      p::kRotatePassword,
                                      p::kReadCredentialMetadata,
                                      p::kReadCredentialPassword,
                                      p::kReadPolicies,
                                      p::kManagePolicies,
                                      p::kReadGroups,
                                      p::kManageGroups,
                                      p::kReadRoles,
                                      p::kManageRoles,
                                      p::kReadAudit,
                                      p::kManageEnrollment,
                                      p::kReadReports};
  return kAll;
}

bool IsKnownPermission(std::string_view name) {
  auto all = AllPermissions();
  return std::find(all.begin(), all.end(), name) != all.end();
}

std::span<const BuiltInRole> BuiltInRoles() {
  static const std::vector<BuiltInRole> kRoles = {
      {kAdministratorRole, "Full access to every OpenLAPS object and setting.",
       std::vector<std::string_view>(AllPermissions().begin(), AllPermissions().end())},
      {"Endpoint Security Manager",
       "Manages LAPS policies (security baselines) and their assignments; reads devices, "
       "credential metadata and reports.",
       {p::kReadDevices, p::kReadCredentialMetadata, p::kReadPolicies, p::kManagePolicies,
        p::kReadGroups, p::kReadReports}},
      {"Help Desk Operator",
       "Looks up devices, reveals local admin passwords and rotates them on request.",
       {p::kReadDevices, p::kRotatePassword, p::kReadCredentialMetadata, p::kReadCredentialPassword,
        p::kReadPolicies, p::kReadGroups, p::kReadReports}},
      {"Read Only Operator",
       "Views devices, policies, groups and credential metadata; never passwords.",
       {p::kReadDevices, p::kReadCredentialMetadata, p::kReadPolicies, p::kReadGroups,
        p::kReadReports}},
  };
  return kRoles;
}

}  // namespace openlaps::server
