// device list/show, password show, rotate, actions.
#include <chrono>
#include <set>
#include <thread>

#include "cli/clipboard.h"
#include "cli/command.h"
#include "cli/lookup.h"
#include "cli/table.h"
#include "crypto/encoding.h"

namespace openlaps::cli {

namespace {

constexpr std::string_view kDevices = "/beta/deviceManagement/managedDevices";
constexpr std::string_view kCredentials = "/beta/directory/deviceLocalCredentials";
constexpr std::string_view kRotateAction = "rotateLocalAdminPassword";
constexpr std::string_view kMask = "********";
constexpr std::chrono::milliseconds kPollInterval{500};
constexpr std::int64_t kDefaultWaitSeconds = 300;
constexpr std::int64_t kMaxWaitSeconds = 24 * 60 * 60;
constexpr std::size_t kMaxTop = 1000000;

std::string DevicePath(const nlohmann::json& device) {
  return std::string(kDevices) + "/" + device.value("id", std::string());
}

Status DeviceList(CommandContext& ctx) {
  std::optional<std::size_t> limit;
  if (auto top = ctx.args().Value("top")) {
    auto n = ParseInteger("--top", *top, 1, kMaxTop);
    if (!n.ok()) return UsageError(n.status().message());
    limit = static_cast<std::size_t>(*n);
  }
  auto api = ctx.Api();
  if (!api.ok()) return api.status();
  std::string filter;
  if (auto prefix = ctx.args().Value("filter")) {
    filter = "startswith(deviceName," + ODataString(*prefix) + ")";
  }
  auto devices = (*api)->GetAll(
      std::string(kDevices) +
          QueryString({{"$filter", filter}, {"$top", limit ? std::to_string(*limit) : ""}}),
      limit);
  if (!devices.ok()) return devices.status();
  if (ctx.json()) {
    ctx.PrintJson(*devices);
    return Status::Ok();
  }
  Table table(
      {"Name", "Id", "OS", "Online", "Last seen", "Last sync", "Last rotation", "Next rotation"});
  for (const auto& d : (*devices)["value"]) {
    table.AddRow({Cell(d, "deviceName"), Cell(d, "id"), Cell(d, "operatingSystem"),
                  Cell(d, "isOnline"), Cell(d, "openlapsLastSeenDateTime"),
                  Cell(d, "lastSyncDateTime"), Cell(d, "lastPasswordRotationDateTime"),
                  Cell(d, "nextPasswordRotationDateTime")});
  }
  table.Print(ctx.out());
  return Status::Ok();
}

void PrintActions(std::ostream& out, const nlohmann::json& actions) {
  Table table({"Action", "State", "Started", "Updated", "Requested by", "Error"});
  for (const auto& a : actions) {
    table.AddRow({Cell(a, "actionName"), Cell(a, "actionState"), Cell(a, "startDateTime"),
                  Cell(a, "lastUpdatedDateTime"), Cell(a, "requestedBy"), Cell(a, "errorMessage")});
  }
  table.Print(out);
}

Status DeviceShow(CommandContext& ctx) {
  auto api = ctx.Api();
  if (!api.ok()) return api.status();
  auto device = FindDevice(**api, ctx.arg(0));
  if (!device.ok()) return device.status();
  const nlohmann::json& d = *device;
  if (ctx.json()) {
    ctx.PrintJson(d);
    return Status::Ok();
  }
  std::string tags;
  for (const auto& t : d.value("roleScopeTagIds", nlohmann::json::array())) {
    tags += (tags.empty() ? "" : ",") + Cell(t);
  }
  PrintFields(ctx.out(),
              {{"Name", Cell(d, "deviceName")},
               {"Id", Cell(d, "id")},
               {"Operating system", Cell(d, "operatingSystem") + " " + Cell(d, "osVersion")},
               {"Serial number", Cell(d, "serialNumber")},
               {"Enrolled", Cell(d, "enrolledDateTime")},
               {"Last sync", Cell(d, "lastSyncDateTime")},
               {"Online", Cell(d, "isOnline")},
               {"Last seen", Cell(d, "openlapsLastSeenDateTime")},
               {"Local admin account", Cell(d, "localAdminAccountName")},
               {"Account SID", Cell(d, "localAdminAccountSid")},
               {"Last rotation", Cell(d, "lastPasswordRotationDateTime")},
               {"Next rotation", Cell(d, "nextPasswordRotationDateTime")},
               {"LAPS state", Cell(d, "lapsState")},
               {"Scope tags", tags}});
  const auto& actions = d.value("deviceActionResults", nlohmann::json::array());
  if (!actions.empty()) {
    ctx.out() << "\n";
    PrintActions(ctx.out(), actions);
  }
  return Status::Ok();
}

Status Actions(CommandContext& ctx) {
  auto api = ctx.Api();
  if (!api.ok()) return api.status();
  auto device = FindDevice(**api, ctx.arg(0));
  if (!device.ok()) return device.status();
  auto actions = (*api)->Get(DevicePath(*device) + "/deviceActionResults");
  if (!actions.ok()) return actions.status();
  if (ctx.json()) {
    ctx.PrintJson(*actions);
    return Status::Ok();
  }
  PrintActions(ctx.out(), (*actions)["value"]);
  return Status::Ok();
}

// The password of one credential entry; nullopt for AD-backed entries.
Result<std::optional<core::SecretString>> DecodePassword(const nlohmann::json& credential) {
  auto it = credential.find("passwordBase64");
  if (it == credential.end() || it->is_null()) return std::optional<core::SecretString>();
  if (!it->is_string()) return InternalError("passwordBase64 is not a string");
  auto bytes = crypto::Base64Decode(it->get<std::string>());
  if (!bytes.ok()) return InternalError("passwordBase64 is not base64");
  core::SecretString password(
      std::string_view(reinterpret_cast<const char*>(bytes->data()), bytes->size()));
  core::SecureZero(bytes->data(), bytes->size());
  return std::optional<core::SecretString>(std::move(password));
}

// The entry in use: "current", else the newest backup.
const nlohmann::json* CurrentCredential(const nlohmann::json& credentials) {
  const nlohmann::json* best = nullptr;
  for (const auto& c : credentials) {
    if (c.value("openlapsState", "") == "current") return &c;
    if (!best || c.value("backupDateTime", "") > best->value("backupDateTime", "")) best = &c;
  }
  return best;
}

void HidePasswords(nlohmann::json& reveal) {
  for (auto& c : reveal["credentials"]) {
    if (c.contains("passwordBase64") && !c["passwordBase64"].is_null()) {
      auto& text = c["passwordBase64"].get_ref<std::string&>();
      core::SecureZero(text.data(), text.size());
      c.erase("passwordBase64");
    }
  }
}

using Fields = std::vector<std::pair<std::string, std::string>>;

// What a credential shows in place of its password.
std::string MaskedPassword(const nlohmann::json& credential) {
  if (!credential.contains("passwordBase64") || credential["passwordBase64"].is_null()) {
    return "(kept in Active Directory)";
  }
  return std::string(kMask);
}

// Metadata only: nothing is decrypted, nothing is revealed.
Status ShowCredentialMetadata(CommandContext& ctx, AdminApi& api, const std::string& path,
                              Fields fields) {
  OPENLAPS_ASSIGN_OR_RETURN(nlohmann::json meta, api.Get(path));
  if (ctx.json()) {
    ctx.PrintJson(meta);
    return Status::Ok();
  }
  fields.push_back({"Backed up", Cell(meta, "lastBackupDateTime")});
  fields.push_back({"Next rotation", Cell(meta, "refreshDateTime")});
  if (meta.value("openlapsBackupDirectory", "") == "activeDirectory") {
    fields.push_back({"Password",
                      "backed up to Active Directory (read it there: "
                      "Get-LapsADPassword, ldapsearch)"});
  } else {
    fields.push_back({"Password", std::string(kMask) + "  (--show reveals it, --copy copies it)"});
  }
  PrintFields(ctx.out(), fields);
  return Status::Ok();
}

Status CopyPassword(CommandContext& ctx, const nlohmann::json& credential,
                    const std::string& path_env, const std::string& device_name) {
  OPENLAPS_ASSIGN_OR_RETURN(auto password, DecodePassword(credential));
  if (!password) return FailedPreconditionError("the password is kept in Active Directory");
  Status copied = CopyToClipboard(password->Reveal(), path_env);
  if (!copied.ok()) return OutcomeFailed(copied.message());
  ctx.out() << "Copied the local admin password of " << device_name << " to the clipboard.\n";
  return Status::Ok();
}

// The older passwords below the current one, revealed with --show.
void PrintHistory(CommandContext& ctx, const nlohmann::json& credentials,
                  const nlohmann::json* current, bool show) {
  ctx.out() << "\n";
  Table table({"State", "Account", "Backed up", "Password"});
  for (const auto& c : credentials) {
    if (&c == current) continue;
    std::string text = MaskedPassword(c);
    if (show) {
      auto old = DecodePassword(c);
      if (old.ok() && *old) text = std::string((*old)->Reveal());
    }
    table.AddRow(
        {Cell(c, "openlapsState"), Cell(c, "accountName"), Cell(c, "backupDateTime"), text});
    core::SecureZero(text.data(), text.size());
  }
  if (table.empty()) {
    ctx.out() << "No older passwords are kept.\n";
  } else {
    table.Print(ctx.out());
  }
}

// The current credential's fields and password, and the history if asked.
Status PrintRevealed(CommandContext& ctx, const nlohmann::json& reveal,
                     const nlohmann::json* current, Fields fields, bool show, bool history) {
  fields[1].second = Cell(*current, "accountName");
  fields[2].second = Cell(*current, "accountSid");
  fields.push_back({"Backed up", Cell(*current, "backupDateTime")});
  fields.push_back({"Next rotation", Cell(reveal, "refreshDateTime")});
  fields.push_back({"State", Cell(*current, "openlapsState")});
  PrintFields(ctx.out(), fields);
  // The password itself never goes through a std::string built for output.
  ctx.out() << "Password:";
  std::size_t label =
      std::string_view("Next rotation").size() - std::string_view("Password").size();
  ctx.out() << std::string(label + 1, ' ');
  OPENLAPS_ASSIGN_OR_RETURN(auto password, DecodePassword(*current));
  if (show && password) {
    ctx.out() << password->Reveal() << '\n';
  } else {
    ctx.out() << MaskedPassword(*current) << '\n';
  }
  if (history) PrintHistory(ctx, reveal["credentials"], current, show);
  return Status::Ok();
}

Status PasswordShow(CommandContext& ctx) {
  bool show = ctx.args().Has("show");
  bool history = ctx.args().Has("history");
  bool copy = ctx.args().Has("copy");
  if (copy && ctx.json()) return UsageError("--copy and --json do not go together");
  std::string path_env = ctx.Env("PATH").value_or("");
  if (copy && !FindClipboardTool(path_env)) {
    // Checked before the reveal, so a copy that cannot happen is not audited.
    return OutcomeFailed(
        "no clipboard tool found on PATH: install wl-copy (Wayland), xclip or xsel (X11)");
  }
  OPENLAPS_ASSIGN_OR_RETURN(AdminApi * api, ctx.Api());
  OPENLAPS_ASSIGN_OR_RETURN(nlohmann::json device, FindDevice(*api, ctx.arg(0)));
  std::string path = std::string(kCredentials) + "/" + device.value("id", std::string());
  Fields fields = {{"Device", Cell(device, "deviceName")},
                   {"Account", Cell(device, "localAdminAccountName")},
                   {"SID", Cell(device, "localAdminAccountSid")}};
  if (!show && !history && !copy) return ShowCredentialMetadata(ctx, *api, path, fields);

  // The audited reveal.
  OPENLAPS_ASSIGN_OR_RETURN(nlohmann::json reveal, api->Get(path + "?$select=credentials"));
  const nlohmann::json* current = CurrentCredential(reveal["credentials"]);
  if (!current) return NotFoundError("the device has not backed up a password");
  Status outcome;
  if (copy) {
    outcome = CopyPassword(ctx, *current, path_env, Cell(device, "deviceName"));
  } else if (ctx.json()) {
    if (!show) HidePasswords(reveal);
    ctx.PrintJson(reveal);
  } else {
    outcome = PrintRevealed(ctx, reveal, current, std::move(fields), show, history);
  }
  HidePasswords(reveal);
  return outcome;
}

// The newest rotation action that was not in `before`.
const nlohmann::json* NewRotation(const nlohmann::json& actions,
                                  const std::set<std::string>& before) {
  const nlohmann::json* found = nullptr;
  for (const auto& a : actions) {
    if (a.value("actionName", "") != kRotateAction || before.contains(a.value("id", ""))) continue;
    if (!found || a.value("startDateTime", "") >= found->value("startDateTime", "")) found = &a;
  }
  return found;
}

Status Rotate(CommandContext& ctx) {
  std::int64_t timeout_seconds = kDefaultWaitSeconds;
  if (auto t = ctx.args().Value("timeout")) {
    auto parsed = ParseInteger("--timeout", *t, 1, kMaxWaitSeconds);
    if (!parsed.ok()) return UsageError(parsed.status().message());
    timeout_seconds = *parsed;
  }
  auto api = ctx.Api();
  if (!api.ok()) return api.status();
  auto device = FindDevice(**api, ctx.arg(0));
  if (!device.ok()) return device.status();
  std::string name = Cell(*device, "deviceName");
  if (!ctx.args().Has("yes") &&
      !Confirm(ctx.io(), "Rotate the local admin password of " + name + "? [y/N]")) {
    return UsageError("not rotated (pass --yes to skip the question)");
  }
  std::set<std::string> before;
  for (const auto& a : device->value("deviceActionResults", nlohmann::json::array())) {
    before.insert(a.value("id", ""));
  }
  bool queue = ctx.args().Has("queue");
  auto requested = (*api)->Call(
      "POST", DevicePath(*device) + "/rotateLocalAdminPassword" + (queue ? "?queue=true" : ""));
  if (!requested.ok()) return requested.status();
  if (!ctx.args().Has("wait")) {
    if (ctx.json()) {
      ctx.PrintJson({{"deviceId", device->value("id", "")}, {"actionState", "pending"}});
    } else {
      ctx.out() << "Rotation of " << name << " requested"
                << (queue ? "; it runs at the device's next check-in" : "") << ".\n";
    }
    return Status::Ok();
  }

  auto start = std::chrono::steady_clock::now();
  auto deadline = start + std::chrono::seconds(timeout_seconds);
  ProgressLine progress(ctx.io());
  std::string state = "pending";
  // Shown at once, even when the device finishes before the first poll.
  progress.Update("rotation of " + name + ": requested", 0);
  while (true) {
    auto actions = (*api)->Get(DevicePath(*device) + "/deviceActionResults");
    if (!actions.ok()) return actions.status();
    const nlohmann::json* action = NewRotation((*actions)["value"], before);
    state = action ? action->value("actionState", "pending") : "pending";
    auto elapsed =
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - start);
    if (state == "done" || state == "failed" || state == "canceled") {
      progress.Finish();
      if (ctx.json()) ctx.PrintJson(*action);
      if (state == "done") {
        if (!ctx.json()) {
          ctx.out() << "The local admin password of " << name << " was rotated and escrowed.\n";
        }
        return Status::Ok();
      }
      return OutcomeFailed("the rotation of " + name + " " + state + ": " +
                           Cell(*action, "errorMessage"));
    }
    progress.Update("rotation of " + name + ": " + state, static_cast<long>(elapsed.count()));
    if (std::chrono::steady_clock::now() + kPollInterval > deadline) break;
    // Polling the API (not synchronising threads): lapsd has no push to admins.
    std::this_thread::sleep_for(kPollInterval);
  }
  progress.Finish();
  return OutcomeFailed("gave up waiting after " + std::to_string(timeout_seconds) +
                       "s; the rotation of " + name + " is still " + state +
                       " (see lapsctl actions " + name + ")");
}

// Cancels the device's pending rotation, or the action given by id.
Status ActionCancel(CommandContext& ctx) {
  auto api = ctx.Api();
  if (!api.ok()) return api.status();
  auto device = FindDevice(**api, ctx.arg(0));
  if (!device.ok()) return device.status();
  std::string name = Cell(*device, "deviceName");
  std::string action_id = ctx.args().positionals().size() > 1 ? ctx.arg(1) : std::string();
  if (action_id.empty()) {
    auto actions = (*api)->Get(DevicePath(*device) + "/deviceActionResults");
    if (!actions.ok()) return actions.status();
    for (const auto& a : (*actions)["value"]) {
      if (a.value("actionState", "") == "pending") {
        action_id = a.value("id", "");
        break;
      }
    }
    if (action_id.empty()) {
      return NotFoundError(name + " has no pending action to cancel");
    }
  }
  auto canceled =
      (*api)->Call("POST", DevicePath(*device) + "/deviceActionResults/" + action_id + "/cancel");
  if (!canceled.ok()) return canceled.status();
  if (ctx.json()) {
    ctx.PrintJson(*canceled);
  } else {
    ctx.out() << "Canceled " << Cell(*canceled, "actionName") << " " << action_id << " of " << name
              << ".\n";
  }
  return Status::Ok();
}

}  // namespace

void AddDeviceCommands(std::vector<CommandSpec>& commands) {
  commands.push_back({{"device", "list"},
                      "",
                      0,
                      0,
                      "list managed devices",
                      {{"filter", "PREFIX", "only devices whose name starts with PREFIX"},
                       {"top", "N", "at most N devices"}},
                      DeviceList});
  commands.push_back({{"device", "show"},
                      "ID|NAME",
                      1,
                      1,
                      "show one device and its recent actions",
                      {},
                      DeviceShow});
  commands.push_back(
      {{"password", "show"},
       "ID|NAME",
       1,
       1,
       "show the local admin password's account and dates; the password only when asked",
       {{"show", "", "reveal the password (audited)"},
        {"history", "", "also list older passwords (masked unless --show; audited)"},
        {"copy", "", "copy the password to the clipboard instead of printing it (audited)"}},
       PasswordShow});
  std::vector<OptionSpec> rotate_options = {
      {"yes", "", "do not ask for confirmation"},
      {"wait", "", "follow the rotation until the device reports done or failed"},
      {"timeout", "SECONDS", "how long --wait waits (default 300)"},
      {"queue", "", "if the device is offline, run the rotation at its next check-in"}};
  std::string_view rotate_summary = "rotate the local admin password now";
  commands.push_back({{"rotate"}, "ID|NAME", 1, 1, rotate_summary, rotate_options, Rotate});
  commands.push_back(
      {{"device", "rotate"}, "ID|NAME", 1, 1, rotate_summary, rotate_options, Rotate});
  commands.push_back({{"actions"},
                      "ID|NAME",
                      1,
                      1,
                      "list a device's remote actions and their state",
                      {},
                      Actions});
  commands.push_back({{"action", "cancel"},
                      "ID|NAME [ACTION-ID]",
                      1,
                      2,
                      "cancel a device's pending (or queued) rotation; an active one cannot be",
                      {},
                      ActionCancel});
  commands.push_back({{"device", "actions"},
                      "ID|NAME",
                      1,
                      1,
                      "list a device's remote actions and their state",
                      {},
                      Actions});
}

}  // namespace openlaps::cli
