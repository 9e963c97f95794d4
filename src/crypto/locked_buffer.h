// crypto-internal: scratch space for plaintext and keys.
#ifndef OPENLAPS_CRYPTO_LOCKED_BUFFER_H_
#define OPENLAPS_CRYPTO_LOCKED_BUFFER_H_

#include <sodium.h>

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace openlaps::crypto {

// Plaintext scratch space that must never be swapped or left behind:
// sodium_malloc locks the pages and guards them; sodium_free zeroes them.
class LockedBuffer {
 public:
  explicit LockedBuffer(std::size_t size)
      : data_(static_cast<std::uint8_t*>(sodium_malloc(size))), size_(size) {}
  ~LockedBuffer() { sodium_free(data_); }
  LockedBuffer(const LockedBuffer&) = delete;
  LockedBuffer& operator=(const LockedBuffer&) = delete;

  bool ok() const { return data_ != nullptr; }
  std::uint8_t* data() { return data_; }
  std::string_view view() const { return {reinterpret_cast<const char*>(data_), size_}; }

 private:
  std::uint8_t* data_;
  std::size_t size_;
};

}  // namespace openlaps::crypto

#endif  // OPENLAPS_CRYPTO_LOCKED_BUFFER_H_
