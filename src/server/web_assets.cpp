#include "server/web_assets.h"

#include <array>
#include <string>
#include <utility>

namespace openlaps::server {

std::string_view ContentTypeFor(std::string_view path) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 7> kTypes = {{
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".svg", "image/svg+xml"},
      {".json", "application/json"},
      {".ico", "image/x-icon"},
      {".png", "image/png"},
  }};
  for (const auto& [extension, type] : kTypes) {
    if (path.ends_with(extension)) return type;
  }
  return "application/octet-stream";
}

std::string_view ConsoleContentSecurityPolicy() {
  // No inline script or style and no other origin: an injected string in a
  // device name can never run, and the token cannot leave for another host.
  return "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
         "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
}

http::Response WebAssetResponse(const WebAsset& asset, std::optional<std::string> if_none_match) {
  http::Response response;
  std::string etag = "\"" + std::string(asset.sha256) + "\"";
  response.headers["Content-Security-Policy"] = std::string(ConsoleContentSecurityPolicy());
  response.headers["X-Content-Type-Options"] = "nosniff";
  response.headers["X-Frame-Options"] = "DENY";
  response.headers["Referrer-Policy"] = "no-referrer";
  // File names carry no version, so the browser keeps a copy but asks each
  // time whether it is still current; a new lapsd answers with new bytes.
  response.headers["Cache-Control"] = "no-cache";
  response.headers["ETag"] = etag;
  if (if_none_match && *if_none_match == etag) {
    response.status = 304;
    return response;
  }
  response.status = 200;
  response.headers["Content-Type"] = std::string(ContentTypeFor(asset.path));
  response.body = std::string(asset.body);
  return response;
}

}  // namespace openlaps::server
