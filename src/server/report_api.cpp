// The reports (report_api.h). Each report is a member function of ReportApi;
// the rows become JSON or CSV in Rows.
#include "server/report_api.h"

#include <algorithm>
#include <array>
#include <map>

#include "server/conflict_text.h"
#include "server/csv.h"
#include "server/graph_response.h"
#include "server/permissions.h"
#include "server/resources.h"

namespace openlaps::server {

namespace {

constexpr std::array<core::PolicyStateKind, 5> kPolicyStates = {
    core::PolicyStateKind::kSucceeded, core::PolicyStateKind::kError,
    core::PolicyStateKind::kConflict, core::PolicyStateKind::kPending,
    core::PolicyStateKind::kNotApplicable};

std::string CredentialStateName(store::CredentialState state) {
  switch (state) {
    case store::CredentialState::kPending:
      return "pending";
    case store::CredentialState::kCurrent:
      return "current";
    case store::CredentialState::kHistory:
      return "history";
  }
  return "unknown";
}

std::string OsName(const store::Device& device) {
  return device.platform == core::Platform::kWindows
             ? "Windows"
             : std::string(core::PlatformName(device.platform));
}

// A text cell for CSV from a JSON value: strings as they are, null empty.
std::string Cell(const nlohmann::json& value) {
  if (value.is_null()) return {};
  if (value.is_string()) return value.get<std::string>();
  return value.dump();
}

http::Response Rows(const http::Request& request, const std::vector<std::string>& columns,
                    nlohmann::json rows, nlohmann::json summary, std::string_view file_name) {
  if (WantsCsv(request)) {
    std::vector<std::vector<std::string>> lines;
    lines.reserve(rows.size());
    for (const auto& row : rows) {
      std::vector<std::string> line;
      for (const auto& column : columns) line.push_back(Cell(row.value(column, nlohmann::json())));
      lines.push_back(std::move(line));
    }
    return CsvResponse(CsvDocument(columns, lines), file_name);
  }
  summary["value"] = std::move(rows);
  return JsonResponse(200, summary);
}

using PolicyById = std::map<store::Id, const store::PolicyRecord*>;
using StateCounts = std::map<store::Id, std::map<std::string, int>>;

// Policies in the caller's report scope, as its devices are.
PolicyById ReportablePolicies(const AdminPrincipal& admin,
                              const std::vector<store::PolicyRecord>& policies) {
  PolicyById visible;
  for (const auto& p : policies) {
    if (admin.CanSee(permission::kReadReports, p.scope_tag_ids)) visible[p.id] = &p;
  }
  return visible;
}

// One row per visible policy: how many devices are in each state, and all.
http::Response PolicyStateCountRows(const http::Request& request, const PolicyById& visible,
                                    StateCounts& counts) {
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& [id, p] : visible) {
    nlohmann::json row = {{"policyId", p->guid}, {"policyName", p->name}};
    int total = 0;
    for (core::PolicyStateKind kind : kPolicyStates) {
      std::string state(core::PolicyStateName(kind));
      int n = counts[id][state];
      row[state] = n;
      total += n;
    }
    row["total"] = total;
    rows.push_back(std::move(row));
  }
  std::vector<std::string> columns = {"policyName", "policyId"};
  for (core::PolicyStateKind kind : kPolicyStates) {
    columns.emplace_back(core::PolicyStateName(kind));
  }
  columns.emplace_back("total");
  return Rows(request, columns, std::move(rows), nlohmann::json::object(), "policy-states.csv");
}

}  // namespace

void ReportApi::RegisterRoutes(RouteRegistry& routes) {
  const std::string reports = "/api/v1/reports";
  routes.Add("GET", reports + "/passwordRotation", Auth::kAdmin, permission::kReadReports,
             [this](Call& c) { return PasswordRotation(c); });
  routes.Add("GET", reports + "/policyStates", Auth::kAdmin, permission::kReadReports,
             [this](Call& c) { return PolicyStates(c); });
  routes.Add("GET", reports + "/rotationHistory", Auth::kAdmin, permission::kReadReports,
             [this](Call& c) { return RotationHistory(c); });
}

Result<http::Response> ReportApi::PasswordRotation(Call& call) {
  bool only_overdue = call.request.QueryParam("overdue").value_or("") == "true";
  OPENLAPS_ASSIGN_OR_RETURN(auto devices, context_.store().ListDevices());
  nlohmann::json rows = nlohmann::json::array();
  std::size_t total = 0;
  std::size_t overdue_count = 0;
  for (const store::Device& d : devices) {
    if (!call.admin->CanSee(permission::kReadReports, d.scope_tag_ids)) continue;
    ++total;
    bool overdue = d.next_rotation && *d.next_rotation < call.now;
    if (overdue) ++overdue_count;
    if (only_overdue && !overdue) continue;
    nlohmann::json age = nullptr;
    if (d.last_rotation) {
      age =
          std::chrono::duration_cast<std::chrono::hours>(call.now - *d.last_rotation).count() / 24;
    }
    rows.push_back({{"deviceId", d.guid},
                    {"deviceName", d.name},
                    {"operatingSystem", OsName(d)},
                    {"localAdminAccountName", d.managed_account_name},
                    {"lastPasswordRotationDateTime", TimeJson(d.last_rotation)},
                    {"nextPasswordRotationDateTime", TimeJson(d.next_rotation)},
                    {"passwordAgeDays", age},
                    {"overdue", overdue},
                    {"lastSyncDateTime", TimeJson(d.last_checkin)},
                    {"lapsState", d.laps_state}});
  }
  return Rows(call.request,
              {"deviceName", "deviceId", "operatingSystem", "localAdminAccountName",
               "lastPasswordRotationDateTime", "nextPasswordRotationDateTime", "passwordAgeDays",
               "overdue", "lastSyncDateTime", "lapsState"},
              std::move(rows),
              {{"deviceCount", total},
               {"overdueCount", overdue_count},
               {"generatedDateTime", core::FormatUtc(call.now)}},
              "password-rotation.csv");
}

Result<http::Response> ReportApi::PolicyStates(Call& call) {
  OPENLAPS_ASSIGN_OR_RETURN(auto policies, context_.store().ListPolicies());
  PolicyById visible = ReportablePolicies(*call.admin, policies);
  auto name_of = [&visible](store::Id id) -> std::optional<std::string> {
    auto it = visible.find(id);
    if (it == visible.end()) return std::nullopt;
    return it->second->name;
  };
  auto wanted_policy = call.request.QueryParam("policyId");
  std::optional<store::Id> wanted_policy_id;
  if (wanted_policy) {
    for (const auto& [id, p] : visible) {
      if (p->guid == *wanted_policy) wanted_policy_id = id;
    }
    if (!wanted_policy_id) return NotFoundError("policy " + *wanted_policy + " was not found");
  }
  auto wanted_device = call.request.QueryParam("deviceId");
  bool listing = wanted_policy || wanted_device;
  std::string wanted_state = call.request.QueryParam("state").value_or("");
  StateCounts counts;
  nlohmann::json device_rows = nlohmann::json::array();
  bool device_seen = false;
  OPENLAPS_ASSIGN_OR_RETURN(auto snapshot, context_.PolicySnapshotNow());
  OPENLAPS_ASSIGN_OR_RETURN(auto devices, context_.store().ListDevices());
  for (const store::Device& d : devices) {
    if (wanted_device && d.guid != *wanted_device) continue;
    if (!call.admin->CanSee(permission::kReadReports, d.scope_tag_ids)) continue;
    device_seen = true;
    OPENLAPS_ASSIGN_OR_RETURN(core::EffectivePolicy effective, context_.ResolveFor(*snapshot, d));
    for (const core::PolicyState& s : effective.states) {
      if (!visible.contains(s.policy)) continue;
      std::string state(core::PolicyStateName(s.state));
      ++counts[s.policy][state];
      if (!listing || (wanted_policy_id && s.policy != *wanted_policy_id) ||
          (!wanted_state.empty() && state != wanted_state)) {
        continue;
      }
      device_rows.push_back({{"policyId", visible[s.policy]->guid},
                             {"policyName", visible[s.policy]->name},
                             {"deviceId", d.guid},
                             {"deviceName", d.name},
                             {"state", state},
                             {"detail", NameConflictingPolicies(s.detail, name_of)},
                             {"lastReportedDateTime", TimeJson(d.last_checkin)}});
    }
  }
  if (wanted_device && !device_seen) {
    return NotFoundError("device " + *wanted_device + " was not found");
  }
  if (!listing) return PolicyStateCountRows(call.request, visible, counts);
  return Rows(call.request,
              {"policyName", "policyId", "deviceName", "deviceId", "state", "detail",
               "lastReportedDateTime"},
              std::move(device_rows), nlohmann::json::object(), "policy-devices.csv");
}

Result<http::Response> ReportApi::RotationHistory(Call& call) {
  auto wanted = call.request.QueryParam("deviceId");
  OPENLAPS_ASSIGN_OR_RETURN(auto devices, context_.store().ListDevices());
  std::vector<std::pair<core::Timestamp, nlohmann::json>> events;
  for (const store::Device& d : devices) {
    if (!call.admin->CanSee(permission::kReadReports, d.scope_tag_ids)) continue;
    if (wanted && d.guid != *wanted) continue;
    OPENLAPS_ASSIGN_OR_RETURN(auto credentials, context_.store().ListCredentials(d.id));
    for (const store::Credential& c : credentials) {
      events.emplace_back(c.backup_time,
                          nlohmann::json{{"dateTime", core::FormatUtc(c.backup_time)},
                                         {"deviceName", d.name},
                                         {"deviceId", d.guid},
                                         {"event", "passwordBackedUp"},
                                         {"accountName", c.account_name},
                                         {"state", CredentialStateName(c.state)},
                                         {"requestedBy", ""},
                                         {"detail", ""}});
    }
    OPENLAPS_ASSIGN_OR_RETURN(auto actions, context_.store().ListActions(d.id));
    for (const store::DeviceAction& a : actions) {
      events.emplace_back(a.created_at, nlohmann::json{{"dateTime", core::FormatUtc(a.created_at)},
                                                       {"deviceName", d.name},
                                                       {"deviceId", d.guid},
                                                       {"event", "rotationRequested"},
                                                       {"accountName", d.managed_account_name},
                                                       {"state", ActionStateName(a.state)},
                                                       {"requestedBy", a.requested_by},
                                                       {"detail", a.error}});
    }
  }
  std::stable_sort(events.begin(), events.end(),
                   [](const auto& a, const auto& b) { return a.first > b.first; });
  nlohmann::json rows = nlohmann::json::array();
  for (auto& [time, row] : events) rows.push_back(std::move(row));
  return Rows(call.request,
              {"dateTime", "deviceName", "deviceId", "event", "accountName", "state", "requestedBy",
               "detail"},
              std::move(rows), nlohmann::json::object(), "rotation-history.csv");
}

}  // namespace openlaps::server
