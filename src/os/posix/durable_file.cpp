// POSIX implementation of durable_file.h.
#include "os/durable_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "os/file_descriptor.h"
#include "os/os_error.h"

namespace openlaps::os {

namespace {

Status FsyncDirectoryOf(const std::filesystem::path& file) {
  std::filesystem::path dir = file.parent_path();
  if (dir.empty()) dir = ".";
  UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0) return PosixError("open " + dir.string(), errno);
  if (::fsync(fd.get()) != 0) return PosixError("fsync " + dir.string(), errno);
  return Status::Ok();
}

Status WriteTemp(const std::filesystem::path& temp, std::string_view contents,
                 const DurableWriteOptions& options) {
  // O_EXCL after an unlink: a stale temp from a crash is replaced, never
  // followed through a symlink.
  ::unlink(temp.c_str());
  UniqueFd fd(::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
                     options.mode & 07777));
  if (fd.get() < 0) return PosixError("create " + temp.string(), errno);
  // The umask may have narrowed the mode; the caller's mode is the contract.
  if (::fchmod(fd.get(), options.mode & 07777) != 0) {
    return PosixError("chmod " + temp.string(), errno);
  }
  if (options.owner) {
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) return PosixError("stat " + temp.string(), errno);
    if ((st.st_uid != options.owner->uid || st.st_gid != options.owner->gid) &&
        ::fchown(fd.get(), options.owner->uid, options.owner->gid) != 0) {
      return PosixError("chown " + temp.string(), errno);
    }
  }
  OPENLAPS_RETURN_IF_ERROR(WriteAll(fd.get(), contents, temp));
  if (::fsync(fd.get()) != 0) return PosixError("fsync " + temp.string(), errno);
  if (fd.Close() != 0) return PosixError("close " + temp.string(), errno);
  return Status::Ok();
}

// rename() replaces an existing target atomically; link() refuses one
// (EEXIST), which is how a key file is created without ever clobbering one
// another process wrote first.
Status MoveIntoPlace(const std::filesystem::path& temp, const std::filesystem::path& target,
                     IfExists if_exists) {
  if (if_exists == IfExists::kReplace) {
    if (::rename(temp.c_str(), target.c_str()) != 0) {
      return PosixError("rename " + temp.string() + " to " + target.string(), errno);
    }
    return Status::Ok();
  }
  if (::link(temp.c_str(), target.c_str()) != 0) {
    return PosixError("create " + target.string(), errno);
  }
  ::unlink(temp.c_str());
  return Status::Ok();
}

// kKeep is for files several processes may race to create (a key): each
// writes its own temporary file, so one never links another's half-written
// one into place.
std::filesystem::path DefaultTempPath(const std::filesystem::path& target,
                                      const DurableWriteOptions& options) {
  if (options.if_exists == IfExists::kKeep) {
    return target.string() + "." + std::to_string(::getpid()) + ".tmp";
  }
  return target.string() + ".tmp";
}

}  // namespace

Status WriteAll(int fd, std::string_view data, const std::filesystem::path& path) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return PosixError("write " + path.string(), errno);
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return Status::Ok();
}

Status WriteFileDurably(const std::filesystem::path& target, std::string_view contents,
                        const DurableWriteOptions& options) {
  std::filesystem::path temp =
      options.temp_path.empty() ? DefaultTempPath(target, options) : options.temp_path;
  Status written = WriteTemp(temp, contents, options);
  if (written.ok()) written = MoveIntoPlace(temp, target, options.if_exists);
  if (!written.ok()) {
    ::unlink(temp.c_str());
    return written;
  }
  return FsyncDirectoryOf(target);
}

Status RemoveFileDurably(const std::filesystem::path& target) {
  if (::unlink(target.c_str()) != 0) {
    if (errno == ENOENT) return Status::Ok();
    return PosixError("remove " + target.string(), errno);
  }
  return FsyncDirectoryOf(target);
}

Result<std::string> ReadWholeFile(const std::filesystem::path& path, std::size_t max_bytes) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return PosixError("open " + path.string(), errno);
  std::string out;
  char buffer[8192];
  for (;;) {
    ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
    if (n < 0) {
      if (errno == EINTR) continue;
      return PosixError("read " + path.string(), errno);
    }
    if (n == 0) break;
    if (static_cast<std::size_t>(n) > max_bytes - out.size()) {
      return FailedPreconditionError(path.string() + " is longer than " +
                                     std::to_string(max_bytes) + " bytes");
    }
    out.append(buffer, static_cast<std::size_t>(n));
  }
  return out;
}

}  // namespace openlaps::os
