// policy list/show/create/edit/assign/status/delete/settings.
#include <fstream>
#include <map>
#include <sstream>

#include "cli/command.h"
#include "cli/lookup.h"
#include "cli/table.h"
#include "core/bounded_json.h"
#include "core/policy_json.h"
#include "core/policy_settings.h"

namespace openlaps::cli {

namespace {

constexpr std::string_view kPolicies = "/beta/deviceManagement/configurationPolicies";
constexpr std::string_view kLapsTemplateId = core::kLapsTemplateId;
constexpr std::size_t kMaxSettingsFile = 1024 * 1024;

std::string PolicyPath(const nlohmann::json& policy) {
  return std::string(kPolicies) + "/" + policy.value("id", std::string());
}

// "passwordAgeDays=30" into lapsSettings, typed by the setting's spec; an
// empty value removes the setting.
Status ApplySetting(nlohmann::json& settings, std::string_view assignment) {
  auto eq = assignment.find('=');
  if (eq == std::string_view::npos || eq == 0) {
    return InvalidArgumentError("--set needs key=value, not '" + std::string(assignment) + "'");
  }
  std::string_view key = assignment.substr(0, eq);
  std::string_view value = assignment.substr(eq + 1);
  auto id = core::SettingIdFromName(key);
  if (!id) {
    return InvalidArgumentError("unknown setting '" + std::string(key) +
                                "'; lapsctl policy settings lists them");
  }
  const core::SettingSpec& spec = core::SpecOf(*id);
  std::string name(spec.json_key);
  if (value.empty()) {
    settings.erase(name);
    return Status::Ok();
  }
  switch (spec.type) {
    case core::SettingType::kInt: {
      OPENLAPS_ASSIGN_OR_RETURN(std::int64_t number,
                                ParseInteger(name, value, std::numeric_limits<std::int64_t>::min(),
                                             std::numeric_limits<std::int64_t>::max()));
      settings[name] = number;
      return Status::Ok();
    }
    case core::SettingType::kBool:
      if (value == "true" || value == "1" || value == "yes") {
        settings[name] = true;
      } else if (value == "false" || value == "0" || value == "no") {
        settings[name] = false;
      } else {
        return InvalidArgumentError(name + " must be true or false");
      }
      return Status::Ok();
    case core::SettingType::kString:
      settings[name] = std::string(value);
      return Status::Ok();
  }
  return InvalidArgumentError("unknown setting type for " + name);
}

// What a settings file holds: Intune's settings[] (alone or in a whole
// policy body) or our lapsSettings object (alone or in a body).
struct SettingsFile {
  nlohmann::json body = nlohmann::json::object();  // name etc. from a whole body
  nlohmann::json intune;                           // settings[] when given so
  nlohmann::json laps;                             // lapsSettings when given so
};

Result<SettingsFile> ReadSettingsFile(std::istream& stdin_stream, const std::string& path) {
  std::stringstream text;
  if (path == "-") {
    text << stdin_stream.rdbuf();
  } else {
    std::ifstream in(path, std::ios::binary);
    if (!in) return InvalidArgumentError("cannot read " + path);
    text << in.rdbuf();
  }
  if (text.str().size() > kMaxSettingsFile) return InvalidArgumentError(path + " is too large");
  nlohmann::json parsed =
      core::ParseBoundedJsonOrDiscarded(text.str(), core::JsonLimits{kMaxSettingsFile});
  if (parsed.is_discarded()) return InvalidArgumentError(path + " is not valid JSON");
  SettingsFile file;
  if (parsed.is_array()) {
    file.intune = std::move(parsed);
  } else if (parsed.is_object() && parsed.contains("settings")) {
    file.intune = parsed["settings"];
    file.body = std::move(parsed);
  } else if (parsed.is_object() && parsed.contains("lapsSettings")) {
    file.laps = parsed["lapsSettings"];
    file.body = std::move(parsed);
  } else if (parsed.is_object()) {
    file.laps = std::move(parsed);
  } else {
    return InvalidArgumentError(path + " holds neither settings[] nor a lapsSettings object");
  }
  file.body.erase("settings");
  file.body.erase("lapsSettings");
  return file;
}

// The body fields create and edit share; `settings` is lapsSettings.
void AddCommonFields(CommandContext& ctx, nlohmann::json& body) {
  for (const char* field : {"name", "description", "platforms"}) {
    if (auto v = ctx.args().Value(field)) body[field] = *v;
  }
  auto tags = ctx.args().Values("scope-tag");
  if (!tags.empty()) body["roleScopeTagIds"] = tags;
}

void PrintPolicyList(std::ostream& out, const nlohmann::json& policies) {
  Table table({"Name", "Id", "Platforms", "Settings", "Assigned", "Modified"});
  for (const auto& p : policies) {
    table.AddRow({Cell(p, "name"), Cell(p, "id"), Cell(p, "platforms"), Cell(p, "settingCount"),
                  Cell(p, "isAssigned"), Cell(p, "lastModifiedDateTime")});
  }
  table.Print(out);
}

Status PolicyList(CommandContext& ctx) {
  auto api = ctx.Api();
  if (!api.ok()) return api.status();
  auto policies = (*api)->GetAll(kPolicies);
  if (!policies.ok()) return policies.status();
  if (ctx.json()) {
    ctx.PrintJson(*policies);
    return Status::Ok();
  }
  PrintPolicyList(ctx.out(), (*policies)["value"]);
  return Status::Ok();
}

std::map<std::string, std::string> GroupNames(AdminApi& api) {
  std::map<std::string, std::string> names;
  auto groups = api.GetAll("/v1.0/groups");
  if (!groups.ok()) return names;
  for (const auto& g : (*groups)["value"]) names[g.value("id", "")] = g.value("displayName", "");
  return names;
}

void PrintAssignments(std::ostream& out, const nlohmann::json& assignments,
                      const std::map<std::string, std::string>& names) {
  Table table({"Target", "Group", "Group id"});
  for (const auto& a : assignments) {
    const auto& target = a.value("target", nlohmann::json::object());
    std::string id = target.value("groupId", "");
    bool exclude = target.value("@odata.type", "").find("exclusion") != std::string::npos;
    auto name = names.find(id);
    table.AddRow({exclude ? "exclude" : "include", name == names.end() ? "-" : name->second, id});
  }
  if (table.empty()) {
    out << "Not assigned to any group.\n";
  } else {
    table.Print(out);
  }
}

std::string CountsText(const nlohmann::json& counts) {
  std::string text;
  if (!counts.is_object()) return "-";
  for (const auto& [state, n] : counts.items()) {
    text += (text.empty() ? "" : ", ") + state + " " + Cell(n);
  }
  return text.empty() ? "no devices" : text;
}

Status PolicyShow(CommandContext& ctx) {
  auto api = ctx.Api();
  if (!api.ok()) return api.status();
  auto policy = FindPolicy(**api, ctx.arg(0));
  if (!policy.ok()) return policy.status();
  if (ctx.json()) {
    ctx.PrintJson(*policy);
    return Status::Ok();
  }
  const nlohmann::json& p = *policy;
  std::string tags;
  for (const auto& t : p.value("roleScopeTagIds", nlohmann::json::array())) {
    tags += (tags.empty() ? "" : ",") + Cell(t);
  }
  auto assignments = (*api)->Get(PolicyPath(p) + "/assignments");
  if (!assignments.ok()) return assignments.status();
  auto statuses = (*api)->GetAll(PolicyPath(p) + "/deviceStatuses");
  if (!statuses.ok()) return statuses.status();
  PrintFields(ctx.out(), {{"Name", Cell(p, "name")},
                          {"Id", Cell(p, "id")},
                          {"Description", Cell(p, "description")},
                          {"Platforms", Cell(p, "platforms")},
                          {"Version", Cell(p, "version")},
                          {"Scope tags", tags},
                          {"Created", Cell(p, "createdDateTime")},
                          {"Modified", Cell(p, "lastModifiedDateTime")},
                          {"Devices", CountsText((*statuses)["openlapsCounts"])}});
  ctx.out() << "\nSettings\n";
  Table settings({"Setting", "Value", "Meaning"});
  const nlohmann::json laps = p.value("lapsSettings", nlohmann::json::object());
  for (const auto& [key, value] : laps.items()) {
    auto id = core::SettingIdFromName(key);
    settings.AddRow({key, Cell(value), id ? std::string(core::SpecOf(*id).help) : ""});
  }
  if (settings.empty()) {
    ctx.out() << "No settings configured: every setting has its default.\n";
  } else {
    settings.Print(ctx.out());
  }
  for (const auto& ignored : p.value("openlapsIgnoredSettings", nlohmann::json::array())) {
    ctx.out() << "ignored: " << Cell(ignored) << "\n";
  }
  ctx.out() << "\nAssignments\n";
  PrintAssignments(ctx.out(), (*assignments)["value"], GroupNames(**api));
  Table conflicts({"Device", "Status", "Detail"});
  for (const auto& s : (*statuses)["value"]) {
    std::string state = s.value("status", "");
    if (state == "conflict" || state == "error") {
      conflicts.AddRow({Cell(s, "deviceDisplayName"), state, Cell(s, "detail")});
    }
  }
  if (!conflicts.empty()) {
    ctx.out() << "\nConflicts and errors\n";
    conflicts.Print(ctx.out());
  }
  return Status::Ok();
}

Status PolicyCreate(CommandContext& ctx) {
  nlohmann::json body = nlohmann::json::object();
  nlohmann::json laps = nlohmann::json::object();
  bool intune = false;
  if (auto path = ctx.args().Value("file")) {
    auto file = ReadSettingsFile(ctx.io().in, *path);
    if (!file.ok()) return UsageError(file.status().message());
    body = file->body;
    if (!file->intune.is_null()) {
      if (ctx.args().Has("set")) {
        // Merge --set into Intune settings through our own dialect.
        auto parsed = core::PolicySettingsFromIntune(file->intune);
        if (!parsed.ok()) return UsageError(*path + ": " + parsed.status().message());
        laps = core::PolicySettingsToJson(*parsed);
      } else {
        body["settings"] = file->intune;
        intune = true;
      }
    } else {
      laps = file->laps;
      if (!laps.is_object()) return UsageError(*path + ": lapsSettings must be an object");
    }
  }
  for (const std::string& set : ctx.args().Values("set")) {
    Status applied = ApplySetting(laps, set);
    if (!applied.ok()) return UsageError(applied.message());
  }
  if (!intune) body["lapsSettings"] = laps;
  AddCommonFields(ctx, body);
  if (!body.contains("name")) return UsageError("policy create needs --name");
  body["technologies"] = "mdm";
  body["templateReference"] = {{"templateId", kLapsTemplateId}};
  auto api = ctx.Api();
  if (!api.ok()) return api.status();
  auto created = (*api)->Call("POST", kPolicies, body);
  if (!created.ok()) return created.status();
  if (ctx.json()) {
    ctx.PrintJson(*created);
    return Status::Ok();
  }
  ctx.out() << "Created policy " << Cell(*created, "name") << " (" << Cell(*created, "id")
            << ") with " << Cell(*created, "settingCount") << " settings.\n";
  for (const auto& ignored : created->value("openlapsIgnoredSettings", nlohmann::json::array())) {
    ctx.out() << "ignored: " << Cell(ignored) << "\n";
  }
  return Status::Ok();
}

Status PolicyEdit(CommandContext& ctx) {
  nlohmann::json body = nlohmann::json::object();
  AddCommonFields(ctx, body);
  auto sets = ctx.args().Values("set");
  if (body.empty() && sets.empty()) {
    return UsageError(
        "policy edit needs --set key=value, --name, --description, --platforms "
        "or --scope-tag");
  }
  auto api = ctx.Api();
  if (!api.ok()) return api.status();
  auto policy = FindPolicy(**api, ctx.arg(0));
  if (!policy.ok()) return policy.status();
  if (!sets.empty()) {
    nlohmann::json laps = policy->value("lapsSettings", nlohmann::json::object());
    for (const std::string& set : sets) {
      Status applied = ApplySetting(laps, set);
      if (!applied.ok()) return UsageError(applied.message());
    }
    body["lapsSettings"] = std::move(laps);
  }
  auto updated = (*api)->Call("PATCH", PolicyPath(*policy), body);
  if (!updated.ok()) return updated.status();
  if (ctx.json()) {
    ctx.PrintJson(*updated);
    return Status::Ok();
  }
  ctx.out() << "Updated policy " << Cell(*updated, "name") << " to version "
            << Cell(*updated, "version") << ".\n";
  return Status::Ok();
}

Status PolicyAssign(CommandContext& ctx) {
  auto includes = ctx.args().Values("include");
  auto excludes = ctx.args().Values("exclude");
  if (includes.empty() && excludes.empty() && !ctx.args().Has("none")) {
    return UsageError(
        "policy assign needs --include GROUP... (and optionally --exclude GROUP...)"
        ", or --none to remove every assignment");
  }
  auto api = ctx.Api();
  if (!api.ok()) return api.status();
  auto policy = FindPolicy(**api, ctx.arg(0));
  if (!policy.ok()) return policy.status();
  nlohmann::json assignments = nlohmann::json::array();
  auto add = [&](const std::vector<std::string>& groups, std::string_view type) -> Status {
    for (const auto& g : groups) {
      OPENLAPS_ASSIGN_OR_RETURN(nlohmann::json group, FindGroup(**api, g));
      assignments.push_back(
          {{"target", {{"@odata.type", type}, {"groupId", group.value("id", "")}}}});
    }
    return Status::Ok();
  };
  Status added = add(includes, "#microsoft.graph.groupAssignmentTarget");
  if (added.ok()) added = add(excludes, "#microsoft.graph.exclusionGroupAssignmentTarget");
  if (!added.ok()) return added;
  auto result =
      (*api)->Call("POST", PolicyPath(*policy) + "/assign", {{"assignments", assignments}});
  if (!result.ok()) return result.status();
  if (ctx.json()) {
    ctx.PrintJson(*result);
    return Status::Ok();
  }
  ctx.out() << "Assignments of " << Cell(*policy, "name") << ":\n";
  PrintAssignments(ctx.out(), (*result)["value"], GroupNames(**api));
  return Status::Ok();
}

Status PolicyStatus(CommandContext& ctx) {
  auto api = ctx.Api();
  if (!api.ok()) return api.status();
  auto policy = FindPolicy(**api, ctx.arg(0));
  if (!policy.ok()) return policy.status();
  auto statuses = (*api)->GetAll(PolicyPath(*policy) + "/deviceStatuses");
  if (!statuses.ok()) return statuses.status();
  if (ctx.json()) {
    ctx.PrintJson(*statuses);
    return Status::Ok();
  }
  Table table({"Device", "Status", "Detail", "Last reported"});
  for (const auto& s : (*statuses)["value"]) {
    table.AddRow({Cell(s, "deviceDisplayName"), Cell(s, "status"), Cell(s, "detail"),
                  Cell(s, "lastReportedDateTime")});
  }
  table.Print(ctx.out());
  ctx.out() << "\n"
            << Cell(*policy, "name") << ": " << CountsText((*statuses)["openlapsCounts"]) << "\n";
  return Status::Ok();
}

Status PolicyDelete(CommandContext& ctx) {
  auto api = ctx.Api();
  if (!api.ok()) return api.status();
  auto policy = FindPolicy(**api, ctx.arg(0));
  if (!policy.ok()) return policy.status();
  std::string name = Cell(*policy, "name");
  if (!ctx.args().Has("yes") && !Confirm(ctx.io(), "Delete the policy " + name + "? [y/N]")) {
    return UsageError("not deleted (pass --yes to skip the question)");
  }
  auto deleted = (*api)->Call("DELETE", PolicyPath(*policy));
  if (!deleted.ok()) return deleted.status();
  if (ctx.json()) {
    ctx.PrintJson({{"id", policy->value("id", "")}, {"deleted", true}});
  } else {
    ctx.out() << "Deleted policy " << name << ".\n";
  }
  return Status::Ok();
}

Status PolicySettings(CommandContext& ctx) {
  if (ctx.json()) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& spec : core::AllSettingSpecs()) {
      out.push_back({{"key", spec.json_key}, {"cspName", spec.csp_name}, {"help", spec.help}});
    }
    ctx.PrintJson(out);
    return Status::Ok();
  }
  Table table({"Key", "Default", "Meaning"});
  for (const auto& spec : core::AllSettingSpecs()) {
    table.AddRow({std::string(spec.json_key), core::SettingValueToString(spec.default_value),
                  std::string(spec.help)});
  }
  table.Print(ctx.out());
  return Status::Ok();
}

std::vector<OptionSpec> PolicyFieldOptions() {
  return {{"name", "NAME", "the policy's name"},
          {"description", "TEXT", "a description"},
          {"platforms", "LIST", "comma list of windows10, linux, macOS (default windows10,linux)"},
          {"set", "KEY=VALUE", "set one LAPS setting (repeatable; KEY= unsets it)", true},
          {"scope-tag", "ID", "scope tag ids (repeatable)", true}};
}

}  // namespace

void AddPolicyCommands(std::vector<CommandSpec>& commands) {
  commands.push_back({{"policy", "list"}, "", 0, 0, "list LAPS policies", {}, PolicyList});
  commands.push_back({{"policy", "show"},
                      "ID|NAME",
                      1,
                      1,
                      "show a policy: settings, assignments, device counts and conflicts",
                      {},
                      PolicyShow});
  std::vector<OptionSpec> create = PolicyFieldOptions();
  create.push_back(
      {"file", "FILE", "settings as Intune settings[] or a lapsSettings object (- for stdin)"});
  commands.push_back(
      {{"policy", "create"}, "", 0, 0, "create a LAPS policy", create, PolicyCreate});
  commands.push_back({{"policy", "edit"},
                      "ID|NAME",
                      1,
                      1,
                      "change a policy's settings or fields",
                      PolicyFieldOptions(),
                      PolicyEdit});
  commands.push_back({{"policy", "assign"},
                      "ID|NAME",
                      1,
                      1,
                      "replace a policy's assignments",
                      {{"include", "GROUP", "groups (id or name) the policy applies to", true},
                       {"exclude", "GROUP", "groups (id or name) excluded from it", true},
                       {"none", "", "remove every assignment"}},
                      PolicyAssign});
  commands.push_back({{"policy", "status"},
                      "ID|NAME",
                      1,
                      1,
                      "per-device state of a policy, with counts (conflicts included)",
                      {},
                      PolicyStatus});
  commands.push_back({{"policy", "delete"},
                      "ID|NAME",
                      1,
                      1,
                      "delete a policy",
                      {{"yes", "", "do not ask for confirmation"}},
                      PolicyDelete});
  commands.push_back({{"policy", "settings"},
                      "",
                      0,
                      0,
                      "list every LAPS setting --set accepts, with its default",
                      {},
                      PolicySettings});
}

}  // namespace openlaps::cli
