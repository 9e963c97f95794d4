// PolicyApi: the admin routes for LAPS policies (settings-catalog
// configurationPolicies) and their assignments, groups with members, and
// users. A change wakes the devices it concerns (WakeHub).
#ifndef OPENLAPS_SERVER_POLICY_API_H_
#define OPENLAPS_SERVER_POLICY_API_H_

#include <optional>
#include <string_view>
#include <vector>

#include "http/detail/awaitable.h"
#include "server/api_area.h"
#include "server/server_context.h"

namespace openlaps::server {

class PolicyApi : public ApiArea {
 public:
  explicit PolicyApi(ServerContext& context) : context_(context) {}
  void RegisterRoutes(RouteRegistry& routes) override;

 private:
  Result<http::Response> ListPolicies(Call& call);
  Result<http::Response> GetPolicy(Call& call);
  Result<http::Response> CreatePolicy(Call& call);
  Result<http::Response> UpdatePolicy(Call& call);
  Result<http::Response> DeletePolicy(Call& call);
  Result<http::Response> AssignPolicy(Call& call);
  Result<http::Response> ListPolicyAssignments(Call& call);
  Result<http::Response> PolicyDeviceStatuses(Call& call);
  Result<store::PolicyRecord> VisiblePolicy(const Call& call, std::string_view permission,
                                            std::string_view guid);
  Result<store::Group> VisibleGroup(const Call& call, std::string_view permission,
                                    std::string_view guid);
  Result<http::Response> ListGroups(Call& call);
  Result<http::Response> GetGroup(Call& call);
  Result<http::Response> CreateGroup(Call& call);
  Result<http::Response> DeleteGroup(Call& call);
  Result<http::Response> ListGroupMembers(Call& call);
  Result<http::Response> AddGroupMember(Call& call);
  Result<http::Response> RemoveGroupMember(Call& call);
  Result<http::Response> ListUsers(Call& call);
  Result<http::Response> CreateUser(Call& call);
  void WakeGroupMembers(const std::vector<store::Id>& group_ids);
  struct GroupMember {
    store::Id id = 0;
    std::string name;
  };
  Result<GroupMember> ResolveGroupMember(const Call& call, const store::Group& group,
                                         const std::string& guid);
  void AfterMembershipChange(const store::Group& group, store::Id member_id);

  ServerContext& context_;
};

}  // namespace openlaps::server

#endif  // OPENLAPS_SERVER_POLICY_API_H_
