// Admin routes for devices: managedDevices, rotateLocalAdminPassword, and
// directory/deviceLocalCredentials with the audited reveal.
#include "server/device_admin_api.h"

#include "core/policy_settings.h"
#include "crypto/encoding.h"
#include "crypto/escrow_box.h"
#include "server/graph_response.h"
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

const ODataOptions& DirectoryDeviceODataOptions() {
  static const ODataOptions kOptions{
      .filterable = {"id", "deviceId", "displayName", "operatingSystem", "operatingSystemVersion",
                     "trustType", "approximateLastSignInDateTime"},
      .searchable = {"displayName", "deviceId"}};
  return kOptions;
}

const ODataOptions& CredentialODataOptions() {
  static const ODataOptions kOptions{
      {"id", "deviceName", "lastBackupDateTime", "refreshDateTime", "openlapsBackupDirectory"}};
  return kOptions;
}
}  // namespace

void DeviceAdminApi::RegisterRoutes(RouteRegistry& routes) {
  for (std::string version : {"/v1.0", "/beta"}) {
    std::string devices = version + "/deviceManagement/managedDevices";
    routes.Add("GET", devices, Auth::kAdmin, permission::kReadDevices,
               [this](Call& c) { return ListManagedDevices(c); });
    routes.Add("GET", devices + "/{id}", Auth::kAdmin, permission::kReadDevices,
               [this](Call& c) { return GetManagedDevice(c); });
    routes.Add("POST", devices + "/{id}/rotateLocalAdminPassword", Auth::kAdmin,
               permission::kRotatePassword,
               [this](Call& c) { return RotateLocalAdminPassword(c); });
    routes.Add("GET", devices + "/{id}/deviceActionResults", Auth::kAdmin, permission::kReadDevices,
               [this](Call& c) { return ListDeviceActions(c); });
    // OpenLAPS: Graph has no cancel for a managed device's action.
    routes.Add("POST", devices + "/{id}/deviceActionResults/{actionId}/cancel", Auth::kAdmin,
               permission::kRotatePassword, [this](Call& c) { return CancelDeviceAction(c); });
    routes.Add("GET", version + "/devices", Auth::kAdmin, permission::kReadDevices,
               [this](Call& c) { return ListDirectoryDevices(c); });
    routes.Add("GET", version + "/devices/{id}", Auth::kAdmin, permission::kReadDevices,
               [this](Call& c) { return GetDirectoryDevice(c); });
    std::string credentials = version + "/directory/deviceLocalCredentials";
    routes.Add("GET", credentials, Auth::kAdmin, permission::kReadCredentialMetadata,
               [this](Call& c) { return ListDeviceLocalCredentials(c); });
    routes.Add("GET", credentials + "/{id}", Auth::kAdmin, permission::kReadCredentialMetadata,
               [this](Call& c) { return GetDeviceLocalCredential(c); });
  }
}

Result<store::Device> DeviceAdminApi::VisibleDevice(const Call& call, std::string_view permission,
                                                    std::string_view guid) {
  auto device = context_.store().GetDeviceByGuid(guid);
  // Out of scope looks exactly like absent, as in Graph.
  if (!device.ok() || !call.admin->CanSee(permission, device->scope_tag_ids)) {
    if (!device.ok() && !device.status().IsNotFound()) return device.status();
    return NotFoundError("device " + std::string(guid) + " was not found");
  }
  return device;
}

Result<http::Response> DeviceAdminApi::ListManagedDevices(Call& call) {
  OPENLAPS_ASSIGN_OR_RETURN(auto devices, context_.store().ListDevices());
  std::vector<nlohmann::json> items;
  for (const store::Device& d : devices) {
    if (!call.admin->CanSee(permission::kReadDevices, d.scope_tag_ids)) continue;
    items.push_back(ManagedDeviceJson(d, {}, context_.IsOnline(d, call.now)));
  }
  OPENLAPS_ASSIGN_OR_RETURN(
      nlohmann::json body,
      ApplyODataQuery(call.request, call.base_url, std::move(items), DeviceODataOptions()));
  return JsonResponse(200, body);
}

Result<http::Response> DeviceAdminApi::GetManagedDevice(Call& call) {
  OPENLAPS_ASSIGN_OR_RETURN(store::Device device,
                            VisibleDevice(call, permission::kReadDevices, call.Param("id")));
  OPENLAPS_ASSIGN_OR_RETURN(auto actions, context_.store().ListActions(device.id));
  OPENLAPS_ASSIGN_OR_RETURN(
      nlohmann::json body,
      ApplySelect(call.request,
                  ManagedDeviceJson(device, actions, context_.IsOnline(device, call.now))));
  return JsonResponse(200, body);
}

Result<http::Response> DeviceAdminApi::ListDirectoryDevices(Call& call) {
  OPENLAPS_ASSIGN_OR_RETURN(auto devices, context_.store().ListDevices());
  std::vector<nlohmann::json> items;
  for (const store::Device& d : devices) {
    if (call.admin->CanSee(permission::kReadDevices, d.scope_tag_ids)) {
      items.push_back(DirectoryDeviceJson(d));
    }
  }
  OPENLAPS_ASSIGN_OR_RETURN(nlohmann::json body,
                            ApplyODataQuery(call.request, call.base_url, std::move(items),
                                            DirectoryDeviceODataOptions()));
  return JsonResponse(200, body);
}

Result<http::Response> DeviceAdminApi::GetDirectoryDevice(Call& call) {
  // The directory object id, as Graph keys it; the deviceId is taken too.
  const std::string id = call.Param("id");
  auto device = VisibleDevice(call, permission::kReadDevices, id);
  if (!device.ok() && device.status().IsNotFound()) {
    OPENLAPS_ASSIGN_OR_RETURN(auto devices, context_.store().ListDevices());
    auto it = std::find_if(devices.begin(), devices.end(),
                           [&](const store::Device& d) { return DirectoryObjectId(d) == id; });
    if (it != devices.end()) device = VisibleDevice(call, permission::kReadDevices, it->guid);
  }
  if (!device.ok()) return device.status();
  OPENLAPS_ASSIGN_OR_RETURN(nlohmann::json body,
                            ApplySelect(call.request, DirectoryDeviceJson(*device)));
  return JsonResponse(200, body);
}

Result<http::Response> DeviceAdminApi::ListDeviceActions(Call& call) {
  OPENLAPS_ASSIGN_OR_RETURN(store::Device device,
                            VisibleDevice(call, permission::kReadDevices, call.Param("id")));
  OPENLAPS_ASSIGN_OR_RETURN(auto actions, context_.store().ListActions(device.id));
  nlohmann::json value = nlohmann::json::array();
  for (const auto& a : actions) value.push_back(ActionResultJson(a));
  static const ODataOptions kOptions{
      .filterable = {"actionName", "actionState", "startDateTime", "lastUpdatedDateTime"}};
  OPENLAPS_ASSIGN_OR_RETURN(nlohmann::json body, ApplyODataQuery(call.request, call.base_url,
                                                                 std::move(value), kOptions));
  return JsonResponse(200, body);
}

Result<http::Response> DeviceAdminApi::RotateLocalAdminPassword(Call& call) {
  OPENLAPS_ASSIGN_OR_RETURN(store::Device device,
                            VisibleDevice(call, permission::kRotatePassword, call.Param("id")));
  if (!call.admin->CanSee(permission::kReadDevices, device.scope_tag_ids)) {
    return NotFoundError("device " + device.guid + " was not found");
  }
  auto refuse = [&](Status why) -> Result<http::Response> {
    OPENLAPS_RETURN_IF_ERROR(context_.Audit(call, "rotateLocalAdminPassword ManagedDevice",
                                            "Device", "failure", "device", device.guid, device.name,
                                            {{"reason", why.message()}}));
    return why;
  };
  OPENLAPS_ASSIGN_OR_RETURN(auto credentials, context_.store().ListCredentials(device.id));
  bool backed_up = std::any_of(credentials.begin(), credentials.end(), [](const auto& c) {
    return c.state != store::CredentialState::kPending;
  });
  if (!backed_up) {
    return refuse(FailedPreconditionError(
        "the device has never backed up a password, so there is nothing to rotate yet"));
  }
  bool queue = call.request.QueryParam("queue").value_or("") == "true";
  if (!context_.IsOnline(device, call.now) && !queue) {
    return refuse(FailedPreconditionError(
        "the device is offline (no live connection and not seen in the last " +
        std::to_string(context_.config().online_grace.count()) +
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
  action.deliver_by = call.now + (queue ? context_.config().action_queue_expiry
                                        : context_.config().action_delivery_deadline);
  auto created = context_.store().CreateAction(action);
  if (!created.ok()) {
    if (created.status().code() == StatusCode::kAlreadyExists) {
      return refuse(FailedPreconditionError("a rotation is already outstanding for this device"));
    }
    return created.status();
  }
  OPENLAPS_RETURN_IF_ERROR(context_.Audit(call, "rotateLocalAdminPassword ManagedDevice", "Device",
                                          "success", "device", device.guid, device.name,
                                          {{"action", created->guid}, {"queued", queue}}));
  context_.hub().Wake(device.id);
  return NoContent();
}

Result<http::Response> DeviceAdminApi::CancelDeviceAction(Call& call) {
  OPENLAPS_ASSIGN_OR_RETURN(store::Device device,
                            VisibleDevice(call, permission::kRotatePassword, call.Param("id")));
  auto action = context_.store().GetActionByGuid(call.Param("actionId"));
  if (!action.ok() || action->device_id != device.id) {
    if (!action.ok() && !action.status().IsNotFound()) return action.status();
    return NotFoundError("device " + device.guid + " has no action " + call.Param("actionId"));
  }
  auto refuse = [&](Status why) -> Result<http::Response> {
    OPENLAPS_RETURN_IF_ERROR(context_.Audit(call, "cancel deviceAction ManagedDevice", "Device",
                                            "failure", "device", device.guid, device.name,
                                            {{"action", action->guid}, {"reason", why.message()}}));
    return why;
  };
  if (action->state == store::ActionState::kActive) {
    return refuse(FailedPreconditionError(
        "the device has already started this rotation, so it can no longer be canceled; it "
        "ends as done, or as failed if the device does not finish in time"));
  }
  auto canceled = context_.store().CancelAction(action->id, call.now,
                                                "canceled by " + call.admin->admin().name);
  if (!canceled.ok()) {
    if (canceled.status().code() != StatusCode::kFailedPrecondition) return canceled.status();
    return refuse(FailedPreconditionError("only a pending action can be canceled; " +
                                          canceled.status().message()));
  }
  OPENLAPS_RETURN_IF_ERROR(context_.Audit(
      call, "cancel deviceAction ManagedDevice", "Device", "success", "device", device.guid,
      device.name, {{"action", canceled->guid}, {"actionName", canceled->kind}}));
  return JsonResponse(200, ActionResultJson(*canceled));
}

Result<http::Response> DeviceAdminApi::ListDeviceLocalCredentials(Call& call) {
  OPENLAPS_ASSIGN_OR_RETURN(auto devices, context_.store().ListDevices());
  std::vector<nlohmann::json> items;
  for (const store::Device& d : devices) {
    if (!call.admin->CanSee(permission::kReadCredentialMetadata, d.scope_tag_ids)) continue;
    OPENLAPS_ASSIGN_OR_RETURN(auto credentials, context_.store().ListCredentials(d.id));
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

Result<http::Response> DeviceAdminApi::GetDeviceLocalCredential(Call& call) {
  OPENLAPS_ASSIGN_OR_RETURN(
      store::Device device,
      VisibleDevice(call, permission::kReadCredentialMetadata, call.Param("id")));
  OPENLAPS_ASSIGN_OR_RETURN(auto credentials, context_.store().ListCredentials(device.id));
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
    OPENLAPS_RETURN_IF_ERROR(context_.Audit(call, "Recover device local administrator password",
                                            "Device", "denied", "device", device.guid,
                                            device.name));
    return PermissionDeniedError("reading passwords needs the permission " +
                                 std::string(permission::kReadCredentialPassword));
  }
  // An Active Directory device's passwords are in AD, not here: listing its
  // credentials shows no password, so it is no reveal (not throttled, not
  // audited as one, no rotation after it).
  const auto revealable = std::count_if(credentials.begin(), credentials.end(), [](const auto& c) {
    return c.directory != core::BackupDirectory::kActiveDirectory;
  });
  if (revealable > 0) {
    OPENLAPS_ASSIGN_OR_RETURN(std::optional<http::Response> throttled,
                              context_.ThrottleReveal(call, device));
    if (throttled) return std::move(*throttled);
    // No audit, no reveal: the event is committed before anything is opened.
    OPENLAPS_RETURN_IF_ERROR(context_.Audit(call, "Recover device local administrator password",
                                            "Device", "success", "device", device.guid, device.name,
                                            {{"credentials", revealable}}));
  }
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
                                crypto::Open(context_.escrow_keys(), c.sealed_password));
      // UTF-8 before base64 (documented in docs/api.md), what scripts decode.
      entry["passwordBase64"] = crypto::Base64Encode(crypto::AsBytes(password.Reveal()));
    }
    list.push_back(std::move(entry));
  }
  info["credentials"] = std::move(list);

  // OpenLAPS rotate-after-reveal, when the effective policy asks for it.
  OPENLAPS_ASSIGN_OR_RETURN(core::EffectivePolicy effective, context_.ResolveFor(device));
  if (revealable > 0 && effective.settings) {
    core::LapsSettings settings = core::LapsSettings::Resolve(*effective.settings);
    if (settings.rotate_after_reveal_hours > 0) {
      OPENLAPS_RETURN_IF_ERROR(context_.store().SetRotateAfterReveal(
          device.id, call.now + std::chrono::hours(settings.rotate_after_reveal_hours)));
    }
  }
  http::Response response = JsonResponse(200, info);
  response.headers["Cache-Control"] = "no-store";
  return response;
}

}  // namespace openlaps::server
