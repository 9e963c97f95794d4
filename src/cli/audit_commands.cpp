// audit list/verify.
#include "cli/command.h"
#include "cli/lookup.h"
#include "cli/table.h"

namespace openlaps::cli {

namespace {

constexpr std::size_t kMaxTop = 1000000;

Status AuditList(CommandContext& ctx) {
  std::optional<std::size_t> limit;
  if (auto top = ctx.args().Value("top")) {
    auto n = ParseInteger("--top", *top, 1, kMaxTop);
    if (!n.ok()) return UsageError(n.status().message());
    limit = static_cast<std::size_t>(*n);
  }
  for (const char* name : {"from", "to"}) {
    auto t = ctx.args().Value(name);
    if (t && !core::ParseUtc(*t)) {
      return UsageError("--" + std::string(name) + " must be a UTC time like 2026-03-11T00:00:00Z");
    }
  }
  auto api = ctx.Api();
  if (!api.ok()) return api.status();
  std::string device = ctx.args().Value("device").value_or("");
  if (!device.empty() && !LooksLikeGuid(device)) {
    auto found = FindDevice(**api, device);
    if (!found.ok()) return found.status();
    device = found->value("id", "");
  }
  std::string target = "/beta/deviceManagement/auditEvents" +
                       QueryString({{"from", ctx.args().Value("from").value_or("")},
                                    {"to", ctx.args().Value("to").value_or("")},
                                    {"actor", ctx.args().Value("actor").value_or("")},
                                    {"device", device},
                                    {"activity", ctx.args().Value("activity").value_or("")},
                                    {"$top", limit ? std::to_string(*limit) : ""}});
  auto events = (*api)->GetAll(target, limit);
  if (!events.ok()) return events.status();
  if (ctx.json()) {
    ctx.PrintJson(*events);
    return Status::Ok();
  }
  Table table({"Time", "Activity", "Result", "Actor", "Target", "Target id"});
  for (const auto& e : (*events)["value"]) {
    nlohmann::json resource = nlohmann::json::object();
    if (auto r = e.find("resources"); r != e.end() && r->is_array() && !r->empty()) {
      resource = (*r)[0];
    }
    table.AddRow({Cell(e, "activityDateTime"), Cell(e, "activity"), Cell(e, "activityResult"),
                  Cell(e, "actorName"), Cell(resource, "displayName"), Cell(e, "targetId")});
  }
  table.Print(ctx.out());
  return Status::Ok();
}

Status AuditVerify(CommandContext& ctx) {
  auto api = ctx.Api();
  if (!api.ok()) return api.status();
  auto verdict = (*api)->Call("POST", "/api/v1/auditEvents/verify");
  if (!verdict.ok()) return verdict.status();
  bool intact = verdict->value("intact", false);
  if (ctx.json()) {
    ctx.PrintJson(*verdict);
  } else if (intact) {
    const nlohmann::json& head = (*verdict)["head"];
    ctx.out() << "The audit log's keyed chain is intact: " << verdict->value("count", 0)
              << " events, head at sequence " << head.value("sequence", 0) << " "
              << head.value("hash", std::string()) << ".\n";
    const nlohmann::json& checkpoint = (*verdict)["checkpoint"];
    if (checkpoint.is_object()) {
      ctx.out() << "It holds lapsd's checkpoint at sequence " << checkpoint.value("sequence", 0)
                << " (" << checkpoint.value("time", std::string()) << ").\n";
    } else {
      ctx.out() << "lapsd has no checkpoint yet to compare it with.\n";
    }
  }
  if (!intact) {
    return OutcomeFailed("the audit log's hash chain is broken: " +
                         verdict->value("problem", std::string("no detail")));
  }
  return Status::Ok();
}

}  // namespace

void AddAuditCommands(std::vector<CommandSpec>& commands) {
  commands.push_back({{"audit", "list"},
                      "",
                      0,
                      0,
                      "query the audit log",
                      {{"from", "TIME", "events at or after TIME (UTC, 2026-03-11T00:00:00Z)"},
                       {"to", "TIME", "events before TIME"},
                       {"actor", "NAME", "events by this administrator or device"},
                       {"device", "ID|NAME", "events about this device"},
                       {"activity", "TEXT", "events of this activity"},
                       {"top", "N", "at most N events"}},
                      AuditList});
  commands.push_back({{"audit", "verify"},
                      "",
                      0,
                      0,
                      "check the audit log's hash chain (exit 5 when broken)",
                      {},
                      AuditVerify});
}

}  // namespace openlaps::cli
