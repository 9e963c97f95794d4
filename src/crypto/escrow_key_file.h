// lapsd's escrow key pair on disk.
#ifndef OPENLAPS_CRYPTO_ESCROW_KEY_FILE_H_
#define OPENLAPS_CRYPTO_ESCROW_KEY_FILE_H_

#include <filesystem>

#include "core/status.h"
#include "crypto/escrow_box.h"

namespace openlaps::crypto {

// The escrow key file: 64 raw bytes (secret then public), mode 0600.
// Creates it (and refuses to overwrite) when absent; refuses a file whose
// mode lets group or others read it.
Result<BoxKeyPair> LoadOrCreateBoxKeyFile(const std::filesystem::path& path);

}  // namespace openlaps::crypto

#endif  // OPENLAPS_CRYPTO_ESCROW_KEY_FILE_H_
