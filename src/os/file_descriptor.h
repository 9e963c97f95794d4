// An owned POSIX file descriptor, closed on every path out of a scope, and
// writing a whole buffer to one.
#ifndef OPENLAPS_OS_FILE_DESCRIPTOR_H_
#define OPENLAPS_OS_FILE_DESCRIPTOR_H_

#include <unistd.h>

#include <filesystem>
#include <string_view>
#include <utility>

#include "core/status.h"

namespace openlaps::os {

class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.Release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    if (this != &other) {
      Reset();
      fd_ = other.Release();
    }
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { Reset(); }

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  // Gives the descriptor up without closing it.
  int Release() { return std::exchange(fd_, -1); }
  // Closes now and returns close()'s result: a writer must check it, since
  // close reports delayed write errors.
  int Close() { return ::close(Release()); }

 private:
  void Reset() {
    if (fd_ >= 0) ::close(Release());
  }

  int fd_ = -1;
};

// Writes all of `data` to `fd`, retrying short writes and EINTR; errors
// name `path`.
Status WriteAll(int fd, std::string_view data, const std::filesystem::path& path);

}  // namespace openlaps::os

#endif  // OPENLAPS_OS_FILE_DESCRIPTOR_H_
