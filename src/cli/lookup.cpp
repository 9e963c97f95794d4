#include "cli/lookup.h"

#include <cctype>
#include <string>

namespace openlaps::cli {

namespace {

constexpr std::size_t kGuidLength = 36;

// The one item of `collection` whose `field` equals `value`.
Result<nlohmann::json> UniqueMatch(AdminApi& api, std::string_view collection,
                                   std::string_view field, std::string_view value,
                                   std::string_view what) {
  std::string filter = std::string(field) + " eq " + ODataString(value);
  OPENLAPS_ASSIGN_OR_RETURN(nlohmann::json found, api.GetAll(std::string(collection) +
                                                             QueryString({{"$filter", filter}})));
  const auto& items = found["value"];
  if (items.empty()) {
    return NotFoundError("no " + std::string(what) + " named '" + std::string(value) + "'");
  }
  if (items.size() > 1) {
    return FailedPreconditionError(std::to_string(items.size()) + " objects of kind " +
                                   std::string(what) + " are named '" + std::string(value) +
                                   "'; give the id");
  }
  return items[0];
}

// By id when it looks like one and exists, else by name.
Result<nlohmann::json> FindByIdOrName(AdminApi& api, std::string_view collection,
                                      std::string_view name_field, std::string_view id_or_name,
                                      std::string_view what) {
  if (LooksLikeGuid(id_or_name)) {
    auto by_id = api.Get(std::string(collection) + "/" + std::string(id_or_name));
    if (by_id.ok() || !by_id.status().IsNotFound()) return by_id;
  }
  return UniqueMatch(api, collection, name_field, id_or_name, what);
}

}  // namespace

bool LooksLikeGuid(std::string_view text) {
  if (text.size() != kGuidLength) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? text[i] != '-' : !std::isxdigit(static_cast<unsigned char>(text[i]))) return false;
  }
  return true;
}

Result<nlohmann::json> FindDevice(AdminApi& api, std::string_view id_or_name) {
  constexpr std::string_view kDevices = "/beta/deviceManagement/managedDevices";
  if (LooksLikeGuid(id_or_name)) {
    auto by_id = api.Get(std::string(kDevices) + "/" + std::string(id_or_name));
    if (by_id.ok() || !by_id.status().IsNotFound()) return by_id;
  }
  OPENLAPS_ASSIGN_OR_RETURN(nlohmann::json match,
                            UniqueMatch(api, kDevices, "deviceName", id_or_name, "device"));
  // The list leaves out deviceActionResults; the single read has them.
  return api.Get(std::string(kDevices) + "/" + match.value("id", std::string()));
}

Result<nlohmann::json> FindGroup(AdminApi& api, std::string_view id_or_name) {
  return FindByIdOrName(api, "/v1.0/groups", "displayName", id_or_name, "group");
}

Result<nlohmann::json> FindUser(AdminApi& api, std::string_view id_or_upn) {
  if (LooksLikeGuid(id_or_upn)) {
    auto all =
        api.GetAll("/v1.0/users" + QueryString({{"$filter", "id eq " + ODataString(id_or_upn)}}));
    if (all.ok() && all->at("value").size() == 1) return all->at("value")[0];
  }
  return UniqueMatch(api, "/v1.0/users", "userPrincipalName", id_or_upn, "user");
}

Result<nlohmann::json> FindPolicy(AdminApi& api, std::string_view id_or_name) {
  constexpr std::string_view kPolicies = "/beta/deviceManagement/configurationPolicies";
  if (LooksLikeGuid(id_or_name)) {
    auto by_id = api.Get(std::string(kPolicies) + "/" + std::string(id_or_name));
    if (by_id.ok() || !by_id.status().IsNotFound()) return by_id;
  }
  OPENLAPS_ASSIGN_OR_RETURN(nlohmann::json match,
                            UniqueMatch(api, kPolicies, "name", id_or_name, "policy"));
  // The list leaves out the settings; the single read has them.
  return api.Get(std::string(kPolicies) + "/" + match.value("id", std::string()));
}

Result<nlohmann::json> FindRole(AdminApi& api, std::string_view id_or_name) {
  OPENLAPS_ASSIGN_OR_RETURN(nlohmann::json roles,
                            api.GetAll("/beta/deviceManagement/roleDefinitions"));
  for (const auto& role : roles["value"]) {
    if (role.value("id", "") == id_or_name || role.value("displayName", "") == id_or_name) {
      return role;
    }
  }
  return NotFoundError("no role named '" + std::string(id_or_name) + "'; see lapsctl role list");
}

}  // namespace openlaps::cli
