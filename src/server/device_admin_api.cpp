// Admin routes for devices: managedDevices, rotateLocalAdminPassword, and
// directory/deviceLocalCredentials with the audited reveal.
#include "core/policy_settings.h"
#include "crypto/encoding.h"
#include "crypto/escrow_box.h"
#include "server/graph_response.h"
#include "server/laps_server.h"
#include "server/odata.h"
#include "server/permissions.h"
#include "server/resources.h"

namespace openlaps::server {

namespace {
constexpr std::string_view kRotateAction = "rotateLocalAdminPassword";

const ODataOptions& DeviceODataOptions() {
  static const ODataOptions kOptions{
      {"id", "deviceName", "operatingSystem", "osVersion", "serialNumber", "lastSyncDateTime",
       "enrolledDateTime", "isOnline", "openlapsLastSeenDateTime", "azureADDeviceId",
       "localAdminAccountName", "lastPasswordRotationDateTime", "nextPasswordRotationDateTime"}};
  return kOptions;
}

const ODataOptions& CredentialODataOptions() {
  static const ODataOptions kOptions{{"id", "deviceName", "lastBackupDateTime", "refreshDateTime"}};
  return kOptions;
}
}  // namespace

void LapsServer::RegisterDeviceAdminRoutes() {
  for (std::string version : {"/v1.0", "/beta"}) {
    std::string devices = version + "/deviceManagement/managedDevices";
    AddRoute("GET", devices, Auth::kAdmin, permission::kReadDevices,
             [this](Call& c) { return ListManagedDevices(c); });
    AddRoute("GET", devices + "/{id}", Auth::kAdmin, permission::kReadDevices,
             [this](Call& c) { return GetManagedDevice(c); });
    AddRoute("POST", devices + "/{id}/rotateLocalAdminPassword", Auth::kAdmin,
             permission::kRotatePassword, [this](Call& c) { return RotateLocalAdminPassword(c); });
    AddRoute("GET", devices + "/{id}/deviceActionResults", Auth::kAdmin, permission::kReadDevices,
             [this](Call& c) { return ListDeviceActions(c); });
    // OpenLAPS: Graph has no cancel for a managed device's action.
    AddRoute("POST", devices + "/{id}/deviceActionResults/{actionId}/cancel", Auth::kAdmin,
             permission::kRotatePassword, [this](Call& c) { return CancelDeviceAction(c); });
    std::string credentials = version + "/directory/deviceLocalCredentials";
    AddRoute("GET", credentials, Auth::kAdmin, permission::kReadCredentialMetadata,
             [this](Call& c) { return ListDeviceLocalCredentials(c); });
    AddRoute("GET", credentials + "/{id}", Auth::kAdmin, permission::kReadCredentialMetadata,
             [this](Call& c) { return GetDeviceLocalCredential(c); });
  }
}

Result<store::Device> LapsServer::VisibleDevice(const Call& call, std::string_view permission,
                                                std::string_view guid) {
  auto device = store_->GetDeviceByGuid(guid);
  // Out of scope looks exactly like absent, as in Graph.
  if (!device.ok() || !call.admin->CanSee(permission, device->scope_tag_ids)) {
    if (!device.ok() && !device.status().IsNotFound()) return device.status();
    return NotFoundError("device " + std::string(guid) + " was not found");
  }
  return device;
}

Result<http::Response> LapsServer::ListManagedDevices(Call& call) {
  OPENLAPS_ASSIGN_OR_RETURN(auto devices, store_->ListDevices());
  std::vector<nlohmann::json> items;
  for (const store::Device& d : devices) {
    if (!call.admin->CanSee(permission::kReadDevices, d.scope_tag_ids)) continue;
    items.push_back(ManagedDeviceJson(d, {}, IsOnline(d, call.now)));
  }
  OPENLAPS_ASSIGN_OR_RETURN(
      nlohmann::json body,
      ApplyODataQuery(call.request, call.base_url, std::move(items), DeviceODataOptions()));
  return JsonResponse(200, body);
}

Result<http::Response> LapsServer::GetManagedDevice(Call& call) {
  OPENLAPS_ASSIGN_OR_RETURN(store::Device device,
                            VisibleDevice(call, permission::kReadDevices, call.Param("id")));
  OPENLAPS_ASSIGN_OR_RETURN(auto actions, store_->ListActions(device.id));
  OPENLAPS_ASSIGN_OR_RETURN(
      nlohmann::json body,
      ApplySelect(call.request, ManagedDeviceJson(device, actions, IsOnline(device, call.now))));
  return JsonResponse(200, body);
}

Result<http::Response> LapsServer::ListDeviceActions(Call& call) {
  OPENLAPS_ASSIGN_OR_RETURN(store::Device device,
                            VisibleDevice(call, permission::kReadDevices, call.Param("id")));
  OPENLAPS_ASSIGN_OR_RETURN(auto actions, store_->ListActions(device.id));
  nlohmann::json value = nlohmann::json::array();
  for (const auto& a : actions) value.push_back(ActionResultJson(a));
  return JsonResponse(200, {{"value", std::move(value)}});
}

Result<http::Response> LapsServer::RotateLocalAdminPassword(Call& call) {
  OPENLAPS_ASSIGN_OR_RETURN(store::Device device,
                            VisibleDevice(call, permission::kRotatePassword, call.Param("id")));
  if (!call.admin->CanSee(permission::kReadDevices, device.scope_tag_ids)) {
    return NotFoundError("device " + device.guid + " was not found");
  }
  auto refuse = [&](Status why) -> Result<http::Response> {
    OPENLAPS_RETURN_IF_ERROR(Audit(call, "rotateLocalAdminPassword ManagedDevice", "Device",
                                   "failure", "device", device.guid, device.name,
                                   {{"reason", why.message()}}));
    return why;
  };
  OPENLAPS_ASSIGN_OR_RETURN(auto credentials, store_->ListCredentials(device.id));
  bool backed_up = std::any_of(credentials.begin(), credentials.end(), [](const auto& c) {
    return c.state != store::CredentialState::kPending;
  });
  if (!backed_up) {
    return refuse(FailedPreconditionError(
        "the device has never backed up a password, so there is nothing to rotate yet"));
  }
  bool queue = call.request.QueryParam("queue").value_or("") == "true";
  if (!IsOnline(device, call.now) && !queue) {
    return refuse(FailedPreconditionError(
        "the device is offline (no live connection and not seen in the last " +
        std::to_string(config_.online_grace.count()) +
        " seconds); retry when it is online, or add ?queue=true to run it at its next check-in"));
  }
  store::DeviceAction action;
  action.device_id = device.id;
  action.kind = std::string(kRotateAction);
  action.requested_by = call.admin->admin().name;
  action.state = store::ActionState::kPending;
  action.created_at = call.now;
  action.updated_at = call.now;
  // Never pending forever: the sweeper fails it once this passes.
  action.queued = queue;
  action.deliver_by =
      call.now + (queue ? config_.action_queue_expiry : config_.action_delivery_deadline);
  auto created = store_->CreateAction(action);
  if (!created.ok()) {
    if (created.status().code() == StatusCode::kAlreadyExists) {
      return refuse(FailedPreconditionError("a rotation is already outstanding for this device"));
    }
    return created.status();
  }
  OPENLAPS_RETURN_IF_ERROR(Audit(call, "rotateLocalAdminPassword ManagedDevice", "Device",
                                 "success", "device", device.guid, device.name,
                                 {{"action", created->guid}, {"queued", queue}}));
  hub_.Wake(device.id);
  return NoContent();
}

Result<http::Response> LapsServer::CancelDeviceAction(Call& call) {
  OPENLAPS_ASSIGN_OR_RETURN(store::Device device,
                            VisibleDevice(call, permission::kRotatePassword, call.Param("id")));
  auto action = store_->GetActionByGuid(call.Param("actionId"));
  if (!action.ok() || action->device_id != device.id) {
    if (!action.ok() && !action.status().IsNotFound()) return action.status();
    return NotFoundError("device " + device.guid + " has no action " + call.Param("actionId"));
  }
  auto refuse = [&](Status why) -> Result<http::Response> {
    OPENLAPS_RETURN_IF_ERROR(Audit(call, "cancel deviceAction ManagedDevice", "Device", "failure",
                                   "device", device.guid, device.name,
                                   {{"action", action->guid}, {"reason", why.message()}}));
    return why;
  };
  if (action->state == store::ActionState::kActive) {
    return refuse(FailedPreconditionError(
        "the device has already started this rotation, so it can no longer be canceled; it "
        "ends as done, or as failed if the device does not finish in time"));
  }
  auto canceled =
      store_->CancelAction(action->id, call.now, "canceled by " + call.admin->admin().name);
  if (!canceled.ok()) {
    if (canceled.status().code() != StatusCode::kFailedPrecondition) return canceled.status();
    return refuse(FailedPreconditionError("only a pending action can be canceled; " +
                                          canceled.status().message()));
  }
  OPENLAPS_RETURN_IF_ERROR(Audit(call, "cancel deviceAction ManagedDevice", "Device", "success",
                                 "device", device.guid, device.name,
                                 {{"action", canceled->guid}, {"actionName", canceled->kind}}));
  return JsonResponse(200, ActionResultJson(*canceled));
}

Result<http::Response> LapsServer::ListDeviceLocalCredentials(Call& call) {
  OPENLAPS_ASSIGN_OR_RETURN(auto devices, store_->ListDevices());
  std::vector<nlohmann::json> items;
  for (const store::Device& d : devices) {
    if (!call.admin->CanSee(permission::kReadCredentialMetadata, d.scope_tag_ids)) continue;
    OPENLAPS_ASSIGN_OR_RETURN(auto credentials, store_->ListCredentials(d.id));
    if (credentials.empty()) continue;
    items.push_back(CredentialInfoJson(d, credentials));
  }
  if (auto select = call.request.QueryParam("$select");
      select && select->find("credentials") != std::string::npos) {
    return InvalidArgumentError("credentials can only be selected on a single device");
  }
  OPENLAPS_ASSIGN_OR_RETURN(
      nlohmann::json body,
      ApplyODataQuery(call.request, call.base_url, std::move(items), CredentialODataOptions()));
  return JsonResponse(200, body);
}

Result<http::Response> LapsServer::GetDeviceLocalCredential(Call& call) {
  OPENLAPS_ASSIGN_OR_RETURN(
      store::Device device,
      VisibleDevice(call, permission::kReadCredentialMetadata, call.Param("id")));
  OPENLAPS_ASSIGN_OR_RETURN(auto credentials, store_->ListCredentials(device.id));
  if (credentials.empty()) {
    return NotFoundError("device " + device.guid + " has not backed up a password");
  }
  nlohmann::json info = CredentialInfoJson(device, credentials);
  auto select = call.request.QueryParam("$select");
  bool reveal = select && select->find("credentials") != std::string::npos;
  if (!reveal) {
    OPENLAPS_ASSIGN_OR_RETURN(info, ApplySelect(call.request, std::move(info)));
    return JsonResponse(200, info);
  }
  if (!call.admin->CanSee(permission::kReadCredentialPassword, device.scope_tag_ids)) {
    OPENLAPS_RETURN_IF_ERROR(Audit(call, "Recover device local administrator password", "Device",
                                   "denied", "device", device.guid, device.name));
    return PermissionDeniedError("reading passwords needs the permission " +
                                 std::string(permission::kReadCredentialPassword));
  }
  OPENLAPS_ASSIGN_OR_RETURN(std::optional<http::Response> throttled, ThrottleReveal(call, device));
  if (throttled) return std::move(*throttled);
  // No audit, no reveal: the event is committed before anything is opened.
  OPENLAPS_RETURN_IF_ERROR(Audit(call, "Recover device local administrator password", "Device",
                                 "success", "device", device.guid, device.name,
                                 {{"credentials", credentials.size()}}));
  nlohmann::json list = nlohmann::json::array();
  for (const store::Credential& c : credentials) {
    nlohmann::json entry = {
        {"accountName", c.account_name},
        {"accountSid", c.account_sid},
        {"backupDateTime", core::FormatUtc(c.backup_time)},
        {"openlapsState",
         c.state == store::CredentialState::kPending
             ? "pending"
             : (c.state == store::CredentialState::kCurrent ? "current" : "history")}};
    if (c.directory == core::BackupDirectory::kActiveDirectory) {
      entry["passwordBase64"] = nullptr;  // AD-backed devices show metadata only
    } else {
      OPENLAPS_ASSIGN_OR_RETURN(core::SecretString password,
                                crypto::Open(escrow_keys_, c.sealed_password));
      // UTF-8 before base64 (documented in docs/api.md), what scripts decode.
      entry["passwordBase64"] = crypto::Base64Encode(crypto::AsBytes(password.Reveal()));
    }
    list.push_back(std::move(entry));
  }
  info["credentials"] = std::move(list);

  // OpenLAPS rotate-after-reveal, when the effective policy asks for it.
  OPENLAPS_ASSIGN_OR_RETURN(core::EffectivePolicy effective, ResolveFor(device));
  if (effective.settings) {
    core::LapsSettings settings = core::LapsSettings::Resolve(*effective.settings);
    if (settings.rotate_after_reveal_hours > 0) {
      OPENLAPS_RETURN_IF_ERROR(store_->SetRotateAfterReveal(
          device.id, call.now + std::chrono::hours(settings.rotate_after_reveal_hours)));
    }
  }
  http::Response response = JsonResponse(200, info);
  response.headers["Cache-Control"] = "no-store";
  return response;
}

}  // namespace openlaps::server
