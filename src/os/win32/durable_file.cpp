// Win32 implementation of durable_file.h: the data is flushed with
// FlushFileBuffers and moved into place with MoveFileExW
// (MOVEFILE_WRITE_THROUGH returns only once the rename is on disk, which is
// what fsync of the directory gives on POSIX). Permission bits and owners do
// not apply: a file takes the ACL of its directory (the agent's state
// directory is SYSTEM and Administrators only).
#include "os/durable_file.h"

#include <windows.h>

#include <algorithm>
#include <utility>

#include "os/win32/win32_error.h"

namespace openlaps::os {
namespace {

class UniqueHandle {
 public:
  explicit UniqueHandle(HANDLE handle) : handle_(handle) {}
  UniqueHandle(const UniqueHandle&) = delete;
  UniqueHandle& operator=(const UniqueHandle&) = delete;
  ~UniqueHandle() { Close(); }
  HANDLE get() const { return handle_; }
  bool valid() const { return handle_ != INVALID_HANDLE_VALUE; }
  bool Close() {
    if (!valid()) return true;
    return CloseHandle(std::exchange(handle_, INVALID_HANDLE_VALUE)) != 0;
  }

 private:
  HANDLE handle_;
};

Status WriteTemp(const std::filesystem::path& temp, std::string_view contents) {
  // CREATE_NEW after a delete: a stale temp from a crash is replaced, and a
  // reparse point planted there is removed, never followed.
  DeleteFileW(temp.c_str());
  UniqueHandle file(CreateFileW(temp.c_str(), GENERIC_WRITE, 0, nullptr, CREATE_NEW,
                                FILE_ATTRIBUTE_NORMAL | FILE_FLAG_OPEN_REPARSE_POINT, nullptr));
  if (!file.valid()) return Win32Error("create " + temp.string(), GetLastError());
  while (!contents.empty()) {
    const DWORD chunk = static_cast<DWORD>(std::min<std::size_t>(contents.size(), 1U << 30));
    DWORD written = 0;
    if (!WriteFile(file.get(), contents.data(), chunk, &written, nullptr)) {
      return Win32Error("write " + temp.string(), GetLastError());
    }
    contents.remove_prefix(written);
  }
  if (!FlushFileBuffers(file.get())) return Win32Error("flush " + temp.string(), GetLastError());
  if (!file.Close()) return Win32Error("close " + temp.string(), GetLastError());
  return Status::Ok();
}

std::filesystem::path DefaultTempPath(const std::filesystem::path& target,
                                      const DurableWriteOptions& options) {
  std::filesystem::path temp = target;
  if (options.if_exists == IfExists::kKeep) {
    temp += ".";  // two appends: "." + string trips GCC 12's -Wrestrict
    temp += std::to_string(GetCurrentProcessId());
  }
  temp += ".tmp";
  return temp;
}

}  // namespace

Status WriteFileDurably(const std::filesystem::path& target, std::string_view contents,
                        const DurableWriteOptions& options) {
  std::filesystem::path temp =
      options.temp_path.empty() ? DefaultTempPath(target, options) : options.temp_path;
  Status written = WriteTemp(temp, contents);
  if (written.ok()) {
    // Without MOVEFILE_REPLACE_EXISTING an existing target is refused
    // (ERROR_ALREADY_EXISTS): kKeep never clobbers a key another wrote.
    DWORD flags = MOVEFILE_WRITE_THROUGH;
    if (options.if_exists == IfExists::kReplace) flags |= MOVEFILE_REPLACE_EXISTING;
    if (!MoveFileExW(temp.c_str(), target.c_str(), flags)) {
      const DWORD error = GetLastError();
      written = Win32Error(
          (options.if_exists == IfExists::kKeep ? "create " : "rename " + temp.string() + " to ") +
              target.string(),
          error);
    }
  }
  if (!written.ok()) DeleteFileW(temp.c_str());
  return written;
}

Status RemoveFileDurably(const std::filesystem::path& target) {
  if (!DeleteFileW(target.c_str())) {
    const DWORD error = GetLastError();
    if (error == ERROR_FILE_NOT_FOUND || error == ERROR_PATH_NOT_FOUND) return Status::Ok();
    return Win32Error("remove " + target.string(), error);
  }
  return Status::Ok();
}

Result<std::string> ReadWholeFile(const std::filesystem::path& path, std::size_t max_bytes) {
  UniqueHandle file(CreateFileW(path.c_str(), GENERIC_READ, FILE_SHARE_READ, nullptr, OPEN_EXISTING,
                                FILE_ATTRIBUTE_NORMAL, nullptr));
  if (!file.valid()) return Win32Error("open " + path.string(), GetLastError());
  std::string out;
  char buffer[8192];
  for (;;) {
    DWORD got = 0;
    if (!ReadFile(file.get(), buffer, sizeof buffer, &got, nullptr)) {
      return Win32Error("read " + path.string(), GetLastError());
    }
    if (got == 0) break;
    if (got > max_bytes - out.size()) {
      return FailedPreconditionError(path.string() + " is longer than " +
                                     std::to_string(max_bytes) + " bytes");
    }
    out.append(buffer, got);
  }
  return out;
}

}  // namespace openlaps::os
