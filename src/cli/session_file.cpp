#include "cli/session_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>

#include "core/bounded_json.h"
#include "core/secret.h"

namespace openlaps::cli {

namespace {

constexpr mode_t kDirMode = 0700;
constexpr mode_t kFileMode = 0600;
constexpr std::size_t kMaxFileSize = 64 * 1024;

Status PosixError(const std::string& what, int error) {
  std::string message = what + ": " + std::strerror(error);
  if (error == ENOENT) return NotFoundError(std::move(message));
  if (error == EACCES || error == EPERM) return PermissionDeniedError(std::move(message));
  return InternalError(std::move(message));
}

// Closes the descriptor on every path out.
class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  ~FileDescriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  int get() const { return fd_; }
  int Release() { return std::exchange(fd_, -1); }

 private:
  int fd_;
};

Status WriteAll(int fd, std::string_view data, const std::string& path) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return PosixError("writing " + path, errno);
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return Status::Ok();
}

Status MakePrivateDir(const std::filesystem::path& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return InternalError("creating " + dir.string() + ": " + ec.message());
  if (::chmod(dir.c_str(), kDirMode) != 0) return PosixError("chmod " + dir.string(), errno);
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
  std::filesystem::path temp = dir / (std::string(kSessionFileName) + ".tmp");
  ::unlink(temp.c_str());
  FileDescriptor fd(
      ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, kFileMode));
  if (fd.get() < 0) return PosixError("creating " + temp.string(), errno);
  // The umask can only remove bits; make sure nothing else was ever set.
  if (::fchmod(fd.get(), kFileMode) != 0) return PosixError("chmod " + temp.string(), errno);
  Status written = WriteAll(fd.get(), text, temp.string());
  core::SecureZero(text.data(), text.size());
  OPENLAPS_RETURN_IF_ERROR(written);
  if (::fsync(fd.get()) != 0) return PosixError("fsync " + temp.string(), errno);
  if (::close(fd.Release()) != 0) return PosixError("closing " + temp.string(), errno);
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    return PosixError("renaming " + temp.string(), errno);
  }
  return Status::Ok();
}

Result<StoredSession> LoadSession(const std::filesystem::path& dir) {
  std::filesystem::path path = dir / kSessionFileName;
  FileDescriptor fd(::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  if (fd.get() < 0) return PosixError("reading " + path.string(), errno);
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return PosixError("stat " + path.string(), errno);
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
    if (n < 0) return PosixError("reading " + path.string(), errno);
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
    return PosixError("removing " + path.string(), errno);
  }
  return Status::Ok();
}

}  // namespace openlaps::cli
