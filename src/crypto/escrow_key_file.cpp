// POSIX only (chosen by CMake): the key file is lapsd's, and lapsd runs on
// Linux.
#include "crypto/escrow_key_file.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <string>

#include "crypto/locked_buffer.h"
#include "crypto/sodium.h"
#include "os/durable_file.h"
#include "os/file_descriptor.h"
#include "os/os_error.h"

namespace openlaps::crypto {
namespace {

static_assert(crypto_scalarmult_BYTES == kBoxPublicKeySize);
static_assert(crypto_scalarmult_SCALARBYTES == kBoxSecretKeySize);

constexpr std::size_t kKeyFileSize = kBoxSecretKeySize + kBoxPublicKeySize;
constexpr mode_t kKeyFileMode = 0600;
constexpr mode_t kGroupOtherBits = 077;

const std::uint8_t* AsUnsigned(std::string_view s) {
  return reinterpret_cast<const std::uint8_t*>(s.data());
}

// Appends rather than `"'" + s + "'"`, which GCC 12 at -O3 misreads as an
// overlapping copy (-Wrestrict, a known false positive).
std::string Quoted(const std::filesystem::path& path) {
  std::string quoted(1, '\'');
  quoted.append(path.string());
  quoted.push_back('\'');
  return quoted;
}

std::string OctalMode(mode_t mode) {
  char text[8];
  std::snprintf(text, sizeof(text), "%04o", static_cast<unsigned>(mode & 07777));
  return text;
}

Status ReadExactly(int fd, std::uint8_t* data, std::size_t size,
                   const std::filesystem::path& path) {
  while (size > 0) {
    const ssize_t got = ::read(fd, data, size);
    if (got < 0) {
      if (errno == EINTR) continue;
      return os::PosixError("cannot read escrow key file " + Quoted(path), errno);
    }
    if (got == 0) {
      return DataLossError("escrow key file " + Quoted(path) + " is shorter than it claimed");
    }
    data += got;
    size -= static_cast<std::size_t>(got);
  }
  return Status::Ok();
}

// Writes a fresh key pair; AlreadyExists when another process won the race.
// The file appears whole or not at all (os::IfExists::kKeep), so a crash
// never leaves a torn key that every later start would refuse.
Result<BoxKeyPair> CreateKeyFile(const std::filesystem::path& path) {
  BoxKeyPair keys = BoxKeyPair::Generate();
  LockedBuffer contents(kKeyFileSize);
  if (!contents.ok()) {
    return Status(StatusCode::kResourceExhausted,
                  "cannot allocate locked memory for the escrow key");
  }
  std::copy_n(AsUnsigned(keys.secret_key.Reveal()), kBoxSecretKeySize, contents.data());
  std::copy(keys.public_key.begin(), keys.public_key.end(), contents.data() + kBoxSecretKeySize);
  os::DurableWriteOptions options;
  options.mode = kKeyFileMode;
  options.if_exists = os::IfExists::kKeep;
  Status written = os::WriteFileDurably(path, contents.view(), options);
  if (!written.ok()) {
    return Status(written.code(),
                  "cannot create escrow key file " + Quoted(path) + ": " + written.message());
  }
  return keys;
}

Result<BoxKeyPair> LoadKeyFile(os::UniqueFd fd, const std::filesystem::path& path) {
  struct stat info {};
  if (::fstat(fd.get(), &info) != 0) {
    return os::PosixError("cannot stat escrow key file " + Quoted(path), errno);
  }
  if (!S_ISREG(info.st_mode)) {
    return FailedPreconditionError("escrow key file " + Quoted(path) + " is not a regular file");
  }
  if ((info.st_mode & kGroupOtherBits) != 0) {
    return FailedPreconditionError("escrow key file " + Quoted(path) + " has mode " +
                                   OctalMode(info.st_mode) +
                                   "; it must not be accessible to group or others (chmod 600)");
  }
  if (info.st_size != static_cast<off_t>(kKeyFileSize)) {
    return DataLossError("escrow key file " + Quoted(path) + " has " +
                         std::to_string(info.st_size) + " bytes, expected " +
                         std::to_string(kKeyFileSize));
  }

  LockedBuffer contents(kKeyFileSize);
  if (!contents.ok()) {
    return Status(StatusCode::kResourceExhausted,
                  "cannot allocate locked memory for the escrow key");
  }
  OPENLAPS_RETURN_IF_ERROR(ReadExactly(fd.get(), contents.data(), kKeyFileSize, path));

  BoxKeyPair keys;
  std::copy_n(contents.data() + kBoxSecretKeySize, kBoxPublicKeySize, keys.public_key.begin());
  BoxPublicKey derived{};
  if (crypto_scalarmult_base(derived.data(), contents.data()) != 0 ||
      sodium_memcmp(derived.data(), keys.public_key.data(), kBoxPublicKeySize) != 0) {
    return DataLossError("escrow key file " + Quoted(path) +
                         " is corrupt: its public key does not match its secret key");
  }
  keys.secret_key = core::SecretString(contents.view().substr(0, kBoxSecretKeySize));
  return keys;
}

}  // namespace

Result<BoxKeyPair> LoadOrCreateBoxKeyFile(const std::filesystem::path& path) {
  EnsureSodium();
  // Two tries: if another process creates the file between our failed open
  // and our O_EXCL create, load what it wrote instead of failing.
  for (int attempt = 0; attempt < 2; ++attempt) {
    os::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (fd.valid()) return LoadKeyFile(std::move(fd), path);
    if (errno != ENOENT)
      return os::PosixError("cannot open escrow key file " + Quoted(path), errno);
    Result<BoxKeyPair> created = CreateKeyFile(path);
    if (created.ok() || created.status().code() != StatusCode::kAlreadyExists) return created;
  }
  return FailedPreconditionError("escrow key file " + Quoted(path) +
                                 " keeps appearing and disappearing");
}

}  // namespace openlaps::crypto
