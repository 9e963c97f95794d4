#include "cli/session_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>

#include "core/bounded_json.h"
#include "core/secret.h"
#include "os/durable_file.h"
#include "os/file_descriptor.h"
#include "os/os_error.h"

namespace openlaps::cli {

namespace {

constexpr mode_t kDirMode = 0700;
constexpr mode_t kFileMode = 0600;
constexpr std::size_t kMaxFileSize = 64 * 1024;

Status MakePrivateDir(const std::filesystem::path& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return InternalError("creating " + dir.string() + ": " + ec.message());
  if (::chmod(dir.c_str(), kDirMode) != 0) return os::PosixError("chmod " + dir.string(), errno);
  return Status::Ok();
}

}  // namespace

std::optional<std::filesystem::path> DefaultConfigDir(const std::optional<std::string>& xdg,
                                                      const std::optional<std::string>& home) {
  if (xdg && !xdg->empty() && (*xdg)[0] == '/') return std::filesystem::path(*xdg) / "openlaps";
  if (home && !home->empty()) return std::filesystem::path(*home) / ".config" / "openlaps";
  return std::nullopt;
}

Status SaveSession(const std::filesystem::path& dir, const StoredSession& session) {
  OPENLAPS_RETURN_IF_ERROR(MakePrivateDir(dir));
  nlohmann::json body = {{"server", session.server},
                         {"token", session.token},
                         {"expirationDateTime", session.expires},
                         {"userName", session.user}};
  std::string text = body.dump(2) + "\n";
  std::filesystem::path path = dir / kSessionFileName;
  os::DurableWriteOptions options;
  options.mode = kFileMode;
  Status written = os::WriteFileDurably(path, text, options);
  core::SecureZero(text.data(), text.size());
  return written;
}

Result<StoredSession> LoadSession(const std::filesystem::path& dir) {
  std::filesystem::path path = dir / kSessionFileName;
  os::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  if (fd.get() < 0) return os::PosixError("reading " + path.string(), errno);
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return os::PosixError("stat " + path.string(), errno);
  if ((st.st_mode & 077) != 0) {
    return FailedPreconditionError(path.string() +
                                   " is readable by other users; remove it and log in again");
  }
  if (!S_ISREG(st.st_mode) || st.st_size > static_cast<off_t>(kMaxFileSize)) {
    return FailedPreconditionError(path.string() + " is not a lapsctl session file");
  }
  std::string text(static_cast<std::size_t>(st.st_size), '\0');
  std::size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::read(fd.get(), text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return os::PosixError("reading " + path.string(), errno);
    if (n == 0) break;
    done += static_cast<std::size_t>(n);
  }
  text.resize(done);
  nlohmann::json body = core::ParseBoundedJsonOrDiscarded(text);
  core::SecureZero(text.data(), text.size());
  auto field = [&](const char* name) {
    auto it = body.find(name);
    return it != body.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  if (!body.is_object() || field("server").empty() || field("token").empty()) {
    return FailedPreconditionError(path.string() + " is not a lapsctl session file");
  }
  return StoredSession{field("server"), field("token"), field("expirationDateTime"),
                       field("userName")};
}

Status RemoveSession(const std::filesystem::path& dir) {
  std::filesystem::path path = dir / kSessionFileName;
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
    return os::PosixError("removing " + path.string(), errno);
  }
  return Status::Ok();
}

}  // namespace openlaps::cli
