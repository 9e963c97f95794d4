#include "agent/platform/linux/linux_account_backend.h"

#include <crypt.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <optional>
#include <vector>

#include "agent/platform/linux/account_database.h"
#include "os/durable_file.h"
#include "os/file_descriptor.h"
#include "os/os_error.h"

namespace openlaps::agent {

namespace {

constexpr std::string_view kYescryptPrefix = "$y$";
constexpr std::string_view kSha512Prefix = "$6$";
constexpr char kLockMarker = '!';

Status AccountNotFound(std::string_view name) {
  return NotFoundError("account '" + std::string(name) + "' not found");
}

// The fcntl write lock lckpwdf takes on .pwd.lock; closing the descriptor
// (when this dies) drops it.
class ShadowLock {
 public:
  static Result<std::unique_ptr<ShadowLock>> Acquire(const std::filesystem::path& path) {
    os::UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600));
    if (!fd.valid()) return os::PosixError("open " + path.string(), errno);
    struct flock lock {};
    lock.l_type = F_WRLCK;
    lock.l_whence = SEEK_SET;
    while (::fcntl(fd.get(), F_SETLKW, &lock) != 0) {
      if (errno != EINTR) return os::PosixError("lock " + path.string(), errno);
    }
    return std::unique_ptr<ShadowLock>(new ShadowLock(std::move(fd)));
  }

 private:
  explicit ShadowLock(os::UniqueFd fd) : fd_(std::move(fd)) {}
  os::UniqueFd fd_;
};

// crypt(3)'s working area: 32 KiB, so on the heap, zeroed after use because
// it held the password.
class CryptArea {
 public:
  CryptArea() : data_(std::make_unique<crypt_data>()) {}
  ~CryptArea() { core::SecureZero(data_.get(), sizeof(crypt_data)); }
  CryptArea(const CryptArea&) = delete;
  CryptArea& operator=(const CryptArea&) = delete;

  // The hash of `password` with `setting` (a salt or a full hash); nullopt
  // when libcrypt refuses (unknown method, malformed setting).
  std::optional<std::string> Hash(const core::SecretString& password, const char* setting) {
    // crypt wants a C string; SecretString keeps the copy zeroed.
    core::SecretString terminated = password.Clone();
    terminated.Append('\0');
    const char* out =
        crypt_rn(terminated.Reveal().data(), setting, data_.get(), sizeof(crypt_data));
    if (out == nullptr || out[0] == '*') return std::nullopt;
    return std::string(out);
  }

 private:
  std::unique_ptr<crypt_data> data_;
};

Result<std::string> NewHash(const core::SecretString& password) {
  char salt[CRYPT_GENSALT_OUTPUT_SIZE];
  if (crypt_gensalt_rn(kYescryptPrefix.data(), 0, nullptr, 0, salt, sizeof salt) == nullptr &&
      crypt_gensalt_rn(kSha512Prefix.data(), 0, nullptr, 0, salt, sizeof salt) == nullptr) {
    return InternalError("libcrypt supports neither yescrypt nor SHA-512 crypt");
  }
  CryptArea area;
  std::optional<std::string> hash = area.Hash(password, salt);
  if (!hash) return InternalError("libcrypt could not hash the password");
  return std::move(*hash);
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  }
  return diff == 0;
}

}  // namespace

std::string UnixUserSid(std::int64_t uid) { return "S-1-22-1-" + std::to_string(uid); }

LinuxAccountBackend::LinuxAccountBackend(Options options, const core::Clock& clock)
    : options_(std::move(options)), clock_(clock) {}

Result<ManagedAccount> LinuxAccountBackend::FindAccount(std::string_view name) {
  OPENLAPS_ASSIGN_OR_RETURN(std::string passwd,
                            os::ReadWholeFile(passwd_path(), kMaxAccountFileBytes));
  OPENLAPS_ASSIGN_OR_RETURN(std::optional<PasswdEntry> entry, FindPasswdEntry(passwd, name));
  if (entry) return ManagedAccount{std::string(entry->name), entry->uid, UnixUserSid(entry->uid)};
  if (name.empty()) return NotFoundError("no built-in administrator (uid 0) found");
  return AccountNotFound(name);
}

Status LinuxAccountBackend::SetPassword(const ManagedAccount& account,
                                        const core::SecretString& password) {
  if (password.empty() || password.Reveal().find('\0') != std::string_view::npos) {
    return InvalidArgumentError("a password must be non-empty and hold no NUL character");
  }
  // Hash before locking: yescrypt is slow on purpose, the lock blocks passwd(1).
  OPENLAPS_ASSIGN_OR_RETURN(std::string hash, NewHash(password));

  std::lock_guard<std::mutex> guard(write_mu_);
  OPENLAPS_ASSIGN_OR_RETURN(auto lock, ShadowLock::Acquire(lock_path()));
  if (options_.while_locked) options_.while_locked();

  std::filesystem::path shadow = shadow_path();
  OPENLAPS_ASSIGN_OR_RETURN(std::string text, os::ReadWholeFile(shadow, kMaxAccountFileBytes));
  Result<ShadowEntry> entry = FindShadowEntry(text, account.name);
  if (entry.status().IsNotFound()) {
    auto found = FindAccount(account.name);
    if (!found.ok()) return found.status();
    return FailedPreconditionError("account '" + account.name + "' has no shadow entry");
  }
  if (!entry.ok()) return entry.status();
  struct stat st {};
  if (::stat(shadow.c_str(), &st) != 0) return os::PosixError("stat " + shadow.string(), errno);

  std::string_view old_hash = entry->fields[1];
  bool locked = old_hash.size() > 1 && old_hash[0] == kLockMarker && old_hash[1] == '$';
  auto days = std::chrono::floor<std::chrono::days>(clock_.Now()).time_since_epoch().count();
  std::string line;
  for (std::size_t i = 0; i < entry->fields.size(); ++i) {
    if (i > 0) line += ':';
    if (i == 1) {
      if (locked) line += kLockMarker;
      line += hash;
    } else if (i == 2) {
      line += std::to_string(days);
    } else {
      line += entry->fields[i];
    }
  }
  std::string updated =
      text.substr(0, entry->offset) + line + text.substr(entry->offset + entry->line.size());
  os::DurableWriteOptions write;
  write.mode = st.st_mode & 07777;
  write.owner = os::FileOwner{st.st_uid, st.st_gid};
  write.temp_path = options_.root / "etc/nshadow";
  return os::WriteFileDurably(shadow, updated, write);
}

Result<bool> LinuxAccountBackend::VerifyPassword(const ManagedAccount& account,
                                                 const core::SecretString& password) {
  OPENLAPS_ASSIGN_OR_RETURN(std::string text,
                            os::ReadWholeFile(shadow_path(), kMaxAccountFileBytes));
  Result<ShadowEntry> entry = FindShadowEntry(text, account.name);
  if (entry.status().IsNotFound()) return AccountNotFound(account.name);
  if (!entry.ok()) return entry.status();
  std::string stored(entry->fields[1]);
  if (!stored.empty() && stored[0] == kLockMarker) stored.erase(0, 1);
  if (stored.empty() || stored[0] != '$' || password.empty()) return false;
  CryptArea area;
  std::optional<std::string> computed = area.Hash(password, stored.c_str());
  return computed.has_value() && ConstantTimeEquals(*computed, stored);
}

Result<ManagedAccount> LinuxAccountBackend::CreateAccount(const AccountCreation& creation) {
  return Status(StatusCode::kUnimplemented, "automatic account management (creating '" +
                                                creation.name + "') is not yet supported on Linux");
}

Result<std::unique_ptr<AccountBackend>> CreatePlatformAccountBackend(
    const std::filesystem::path& root, const core::Clock& clock) {
  LinuxAccountBackend::Options options;
  options.root = root;
  std::error_code ec;
  if (!std::filesystem::is_regular_file(options.root / "etc/passwd", ec)) {
    return NotFoundError("no account database at " + (options.root / "etc/passwd").string());
  }
  return std::unique_ptr<AccountBackend>(
      std::make_unique<LinuxAccountBackend>(std::move(options), clock));
}

}  // namespace openlaps::agent
