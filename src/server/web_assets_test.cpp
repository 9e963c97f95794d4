#include "server/web_assets.h"

#include <gtest/gtest.h>

#include <string>

namespace openlaps::server {
namespace {

const WebAsset* Find(std::string_view path) {
  for (const WebAsset& a : EmbeddedWebAssets()) {
    if (a.path == path) return &a;
  }
  return nullptr;
}

TEST(WebAssetsTest, ContentTypesByExtension) {
  EXPECT_EQ(ContentTypeFor("index.html"), "text/html; charset=utf-8");
  EXPECT_EQ(ContentTypeFor("js/app.js"), "text/javascript; charset=utf-8");
  EXPECT_EQ(ContentTypeFor("app.css"), "text/css; charset=utf-8");
  EXPECT_EQ(ContentTypeFor("README"), "application/octet-stream");
}

TEST(WebAssetsTest, TheConsoleIsEmbeddedWithoutInlineScript) {
  const WebAsset* index = Find("index.html");
  ASSERT_NE(index, nullptr);
  ASSERT_NE(Find("js/main.js"), nullptr);
  std::string html(index->body);
  EXPECT_NE(html.find("<script type=\"module\" src=\"js/main.js\"></script>"), std::string::npos);
  // Every <script> has a src: the CSP would refuse an inline one anyway.
  for (std::size_t at = html.find("<script"); at != std::string::npos;
       at = html.find("<script", at + 1)) {
    EXPECT_NE(html.substr(at, html.find('>', at) - at).find("src="), std::string::npos);
  }
  EXPECT_EQ(index->sha256.size(), 64u);
}

TEST(WebAssetsTest, ResponseCarriesTypeCspAndRevalidation) {
  const WebAsset* script = Find("js/main.js");
  ASSERT_NE(script, nullptr);
  http::Response fresh = WebAssetResponse(*script, std::nullopt);
  EXPECT_EQ(fresh.status, 200);
  EXPECT_EQ(fresh.headers["Content-Type"], "text/javascript; charset=utf-8");
  EXPECT_EQ(fresh.body, script->body);
  EXPECT_EQ(fresh.headers["Cache-Control"], "no-cache");
  EXPECT_NE(fresh.headers["Content-Security-Policy"].find("script-src 'self'"), std::string::npos);
  EXPECT_EQ(fresh.headers["Content-Security-Policy"].find("unsafe-inline"), std::string::npos);
  EXPECT_EQ(fresh.headers["X-Content-Type-Options"], "nosniff");

  http::Response cached = WebAssetResponse(*script, fresh.headers["ETag"]);
  EXPECT_EQ(cached.status, 304);
  EXPECT_TRUE(cached.body.empty());
  http::Response stale = WebAssetResponse(*script, std::string("\"old\""));
  EXPECT_EQ(stale.status, 200);
}

}  // namespace
}  // namespace openlaps::server
