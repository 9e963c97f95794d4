#include "agent/active_directory/windows_laps_attributes.h"

#include <algorithm>
#include <charconv>

#include "crypto/encoding.h"
#include "crypto/hashing.h"

namespace openlaps::agent::ad {

namespace {

// Seconds from 1601-01-01 to 1970-01-01.
constexpr std::int64_t kEpochDifferenceSeconds = 11'644'473'600;
constexpr std::int64_t kTicksPerSecond = 10'000'000;

// JSON string content: quotes, backslashes and control characters escaped.
void AppendJsonEscaped(core::SecretString& out, std::string_view text) {
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out.Append('\\');
      out.Append(c);
    } else if (byte < 0x20) {
      constexpr std::string_view kHex = "0123456789abcdef";
      out.Append("\\u00");
      out.Append(kHex[byte >> 4]);
      out.Append(kHex[byte & 0xf]);
    } else {
      out.Append(c);
    }
  }
}

}  // namespace

std::int64_t ToFileTime(core::Timestamp t) {
  return (t.time_since_epoch().count() + kEpochDifferenceSeconds) * kTicksPerSecond;
}

core::Timestamp FromFileTime(std::int64_t filetime) {
  return core::Timestamp(
      std::chrono::seconds(filetime / kTicksPerSecond - kEpochDifferenceSeconds));
}

std::string FormatExpiration(core::Timestamp t) { return std::to_string(ToFileTime(t)); }

Result<core::Timestamp> ParseExpiration(std::string_view text) {
  std::int64_t filetime = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), filetime);
  if (text.empty() || error != std::errc() || end != text.data() + text.size() || filetime < 0) {
    return InvalidArgumentError("a password expiration time must be a FILETIME in decimal");
  }
  return FromFileTime(filetime);
}

core::SecretString PasswordDocument(std::string_view account, core::Timestamp updated,
                                    const core::SecretString& password) {
  core::SecretString document;
  document.Append(R"({"n":")");
  AppendJsonEscaped(document, account);
  document.Append(R"(","t":")");
  std::array<char, 20> hex{};
  const auto written = std::to_chars(hex.data(), hex.data() + hex.size(), ToFileTime(updated), 16);
  document.Append(std::string_view(hex.data(), written.ptr));
  document.Append(R"(","p":")");
  AppendJsonEscaped(document, password.Reveal());
  document.Append(R"("})");
  return document;
}

PasswordVersion PasswordVersionFor(std::string_view rotation_id) {
  const crypto::Digest digest = crypto::Blake2b(crypto::AsBytes(rotation_id));
  PasswordVersion version{};
  std::copy_n(digest.begin(), version.size(), version.begin());
  // An RFC 4122 version 4 layout, as a random GUID has.
  version[7] = static_cast<std::uint8_t>((version[7] & 0x0f) | 0x40);
  version[8] = static_cast<std::uint8_t>((version[8] & 0x3f) | 0x80);
  return version;
}

}  // namespace openlaps::agent::ad
