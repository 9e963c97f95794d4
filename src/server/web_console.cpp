// The web console: its embedded files at / (web/, see web_assets.h), and the
// one thing it needs that the Graph API has no place for, the policy setting
// definitions with their ranges and help text, so the policy form is drawn
// from the same table the server validates against.
#include "server/web_console.h"

#include "core/policy_settings.h"
#include "server/graph_response.h"
#include "server/web_assets.h"

namespace openlaps::server {

namespace {

std::string_view ApplicabilityName(core::Applicability applies) {
  switch (applies) {
    case core::Applicability::kAlways:
      return "always";
    case core::Applicability::kActiveDirectoryOnly:
      return "activeDirectoryOnly";
    case core::Applicability::kPasswordComplexity:
      return "passwordComplexity";
    case core::Applicability::kPassphraseComplexity:
      return "passphraseComplexity";
    case core::Applicability::kAutomaticAccount:
      return "automaticAccount";
    case core::Applicability::kNotAutomaticAccount:
      return "notAutomaticAccount";
  }
  return "always";
}

std::string_view TypeName(core::SettingType type) {
  switch (type) {
    case core::SettingType::kInt:
      return "integer";
    case core::SettingType::kBool:
      return "boolean";
    case core::SettingType::kString:
      return "string";
  }
  return "string";
}

nlohmann::json SettingDefinitionsJson() {
  nlohmann::json value = nlohmann::json::array();
  for (const core::SettingSpec& spec : core::AllSettingSpecs()) {
    nlohmann::json def = {{"key", spec.json_key},
                          {"cspName", spec.csp_name},
                          {"type", TypeName(spec.type)},
                          {"appliesWhen", ApplicabilityName(spec.applies)},
                          {"help", spec.help}};
    std::visit([&](const auto& v) { def["default"] = v; }, spec.default_value);
    if (spec.type == core::SettingType::kInt) {
      def["min"] = spec.min;
      def["max"] = spec.max;
      if (!spec.allowed.empty()) {
        def["allowed"] = std::vector<std::int64_t>(spec.allowed.begin(), spec.allowed.end());
      }
    } else if (spec.type == core::SettingType::kString && spec.max > 0) {
      def["maxLength"] = spec.max;
    }
    value.push_back(std::move(def));
  }
  return {{"value", std::move(value)}};
}

}  // namespace

void WebConsole::RegisterRoutes(RouteRegistry& routes) {
  for (const WebAsset& asset : EmbeddedWebAssets()) {
    auto serve = [&asset](Call& call) -> Result<http::Response> {
      return WebAssetResponse(asset, call.request.Header("If-None-Match"));
    };
    // Hash routing (#/devices/...) keeps every console page at "/", so no
    // unknown path ever needs to fall back to index.html.
    if (asset.path == "index.html") routes.Add("GET", "/", Auth::kNone, "", serve);
    routes.Add("GET", "/" + std::string(asset.path), Auth::kNone, "", serve);
  }
  routes.Add(
      "GET", "/api/v1/policySettingDefinitions", Auth::kAdmin, "",
      [](Call&) -> Result<http::Response> { return JsonResponse(200, SettingDefinitionsJson()); });
}

}  // namespace openlaps::server
