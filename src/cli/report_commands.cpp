// report devices, report policy.
#include <map>

#include "cli/command.h"
#include "cli/lookup.h"
#include "cli/table.h"

namespace openlaps::cli {

namespace {

void Emit(CommandContext& ctx, const Table& table) {
  if (ctx.args().Has("csv")) {
    table.PrintCsv(ctx.out());
  } else {
    table.Print(ctx.out());
  }
}

// "OVERDUE" when the next rotation is in the past.
std::string RotationState(const nlohmann::json& device, core::Timestamp now) {
  auto next = device.find("nextPasswordRotationDateTime");
  if (next == device.end() || !next->is_string()) return "no password yet";
  auto when = core::ParseUtc(next->get<std::string>());
  if (!when) return "unknown";
  return *when < now ? "OVERDUE" : "ok";
}

Status ReportDevices(CommandContext& ctx) {
  if (ctx.json() && ctx.args().Has("csv")) return UsageError("choose one of --json and --csv");
  auto api = ctx.Api();
  if (!api.ok()) return api.status();
  auto devices = (*api)->GetAll("/beta/deviceManagement/managedDevices");
  if (!devices.ok()) return devices.status();
  core::Timestamp now = ctx.clock().Now();
  Table table({"Device", "Id", "Last rotation", "Next rotation", "State"});
  nlohmann::json rows = nlohmann::json::array();
  std::size_t overdue = 0;
  for (const auto& d : (*devices)["value"]) {
    std::string state = RotationState(d, now);
    if (state == "OVERDUE") ++overdue;
    table.AddRow({Cell(d, "deviceName"), Cell(d, "id"), Cell(d, "lastPasswordRotationDateTime"),
                  Cell(d, "nextPasswordRotationDateTime"), state});
    rows.push_back({{"deviceName", d.value("deviceName", "")},
                    {"id", d.value("id", "")},
                    {"lastPasswordRotationDateTime",
                     d.value("lastPasswordRotationDateTime", nlohmann::json())},
                    {"nextPasswordRotationDateTime",
                     d.value("nextPasswordRotationDateTime", nlohmann::json())},
                    {"overdue", state == "OVERDUE"}});
  }
  if (ctx.json()) {
    ctx.PrintJson({{"value", rows}, {"overdueCount", overdue}});
    return Status::Ok();
  }
  Emit(ctx, table);
  if (!ctx.args().Has("csv")) {
    ctx.out() << "\n" << table.size() << " devices, " << overdue << " overdue.\n";
  }
  return Status::Ok();
}

Status ReportPolicy(CommandContext& ctx) {
  if (ctx.json() && ctx.args().Has("csv")) return UsageError("choose one of --json and --csv");
  auto api = ctx.Api();
  if (!api.ok()) return api.status();
  auto policy = FindPolicy(**api, ctx.arg(0));
  if (!policy.ok()) return policy.status();
  auto statuses = (*api)->GetAll("/beta/deviceManagement/configurationPolicies/" +
                                 policy->value("id", std::string()) + "/deviceStatuses");
  if (!statuses.ok()) return statuses.status();
  if (ctx.json()) {
    ctx.PrintJson(*statuses);
    return Status::Ok();
  }
  std::map<std::string, std::vector<std::string>> by_state;
  for (const auto& s : (*statuses)["value"]) {
    by_state[s.value("status", "unknown")].push_back(s.value("deviceDisplayName", ""));
  }
  if (ctx.args().Has("csv")) {
    Table table({"device", "deviceId", "state", "detail", "lastReported"});
    for (const auto& s : (*statuses)["value"]) {
      table.AddRow({Cell(s, "deviceDisplayName"), Cell(s, "deviceId"), Cell(s, "status"),
                    Cell(s, "detail"), Cell(s, "lastReportedDateTime")});
    }
    table.PrintCsv(ctx.out());
    return Status::Ok();
  }
  ctx.out() << "Policy " << Cell(*policy, "name") << "\n";
  Table table({"State", "Devices", "Names"});
  for (const auto& [state, names] : by_state) {
    std::string list;
    for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
    table.AddRow({state, std::to_string(names.size()), list});
  }
  table.Print(ctx.out());
  return Status::Ok();
}

}  // namespace

void AddReportCommands(std::vector<CommandSpec>& commands) {
  commands.push_back({{"report", "devices"},
                      "",
                      0,
                      0,
                      "last and next rotation per device; OVERDUE when the next one is past",
                      {{"csv", "", "print CSV"}},
                      ReportDevices});
  commands.push_back({{"report", "policy"},
                      "ID|NAME",
                      1,
                      1,
                      "devices of a policy counted by state",
                      {{"csv", "", "print CSV"}},
                      ReportPolicy});
}

}  // namespace openlaps::cli
