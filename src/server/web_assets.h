// The web console's static files (web/), embedded into lapsd at build time by
// cmake/EmbedWeb.cmake, and the HTTP response that serves one of them: the
// right Content-Type, a strict Content-Security-Policy (scripts and styles
// only from lapsd itself, nothing inline, no framing) and revalidated caching
// by ETag.
//
// Thread safety: immutable static data and pure functions.
#ifndef OPENLAPS_SERVER_WEB_ASSETS_H_
#define OPENLAPS_SERVER_WEB_ASSETS_H_

#include <optional>
#include <span>
#include <string_view>

#include "http/message.h"

namespace openlaps::server {

struct WebAsset {
  std::string_view path;    // relative to web/: "index.html", "js/app.js"
  std::string_view body;    // the file's bytes
  std::string_view sha256;  // hex digest of body, the ETag
};

// Every embedded file (generated source).
std::span<const WebAsset> EmbeddedWebAssets();

// By file extension; "application/octet-stream" for anything unknown.
std::string_view ContentTypeFor(std::string_view path);

// The Content-Security-Policy every console response carries.
std::string_view ConsoleContentSecurityPolicy();

// 200 with the body, or 304 without one when `if_none_match` names the
// asset's current ETag.
http::Response WebAssetResponse(const WebAsset& asset, std::optional<std::string> if_none_match);

}  // namespace openlaps::server

#endif  // OPENLAPS_SERVER_WEB_ASSETS_H_
