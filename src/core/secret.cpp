#include "core/secret.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <new>
#include <type_traits>
#include <utility>

#include "core/locked_pages.h"

namespace openlaps::core {
namespace {

constexpr std::string_view kPlaceholder = "[secret]";

// Secrets get whole pages of their own: locking works on pages, so a
// page shared with another secret would be unlocked when the first one goes.
std::size_t RoundUpToPages(std::size_t bytes) {
  const std::size_t page = PageSize();
  return (bytes + page - 1) / page * page;
}

// Locking and unlocking cost microseconds each (Linux drains its page
// lists), more than generating a password. Released one-page buffers are
// therefore kept, zeroed and still locked, for the next secret. The cache is
// bounded and trivially destructible, so secrets destroyed during static
// destruction still find it intact. Its lock is a spin lock: held for a few
// instructions, and (unlike std::mutex on every platform, e.g. mingw's
// winpthreads) constant-initialised and trivially destructible.
class LockedPageCache {
 public:
  char* Take() {
    SpinGuard guard(busy_);
    return count_ == 0 ? nullptr : pages_[--count_];
  }
  // False when full; the caller then releases the page itself.
  bool Put(char* page) {
    SpinGuard guard(busy_);
    if (count_ == pages_.size()) return false;
    pages_[count_++] = page;
    return true;
  }

 private:
  class SpinGuard {
   public:
    explicit SpinGuard(std::atomic_flag& flag) : flag_(flag) {
      while (flag_.test_and_set(std::memory_order_acquire)) flag_.wait(true);
    }
    ~SpinGuard() {
      flag_.clear(std::memory_order_release);
      flag_.notify_one();
    }
    SpinGuard(const SpinGuard&) = delete;
    SpinGuard& operator=(const SpinGuard&) = delete;

   private:
    std::atomic_flag& flag_;
  };

  static constexpr std::size_t kMaxPages = 16;
  std::atomic_flag busy_;
  std::array<char*, kMaxPages> pages_{};
  std::size_t count_ = 0;
};
static_assert(std::is_trivially_destructible_v<LockedPageCache>);
constinit LockedPageCache page_cache;

char* AllocateLocked(std::size_t capacity) {
  if (capacity == PageSize()) {
    if (char* page = page_cache.Take()) return page;
  }
  void* memory = AllocateLockedPages(capacity);
  if (memory == nullptr) throw std::bad_alloc();
  return static_cast<char*>(memory);
}

void ReleaseLocked(char* data, std::size_t capacity) {
  if (data == nullptr) return;
  SecureZero(data, capacity);
  if (capacity == PageSize() && page_cache.Put(data)) return;
  FreeLockedPages(data, capacity);
}

}  // namespace

SecretString::SecretString(std::string_view bytes) { Append(bytes); }

SecretString::~SecretString() { Clear(); }

SecretString::SecretString(SecretString&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)),
      size_(std::exchange(other.size_, 0)),
      capacity_(std::exchange(other.capacity_, 0)) {}

SecretString& SecretString::operator=(SecretString&& other) noexcept {
  if (this != &other) {
    Clear();
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
    capacity_ = std::exchange(other.capacity_, 0);
  }
  return *this;
}

void SecretString::Append(char c) {
  Reserve(size_ + 1);
  data_[size_++] = c;
}

void SecretString::Append(std::string_view bytes) {
  if (bytes.empty()) return;
  // `bytes` may point into this very buffer (s.Append(s.Reveal())); Reserve
  // may move the buffer, so remember where they were.
  const bool aliases = data_ != nullptr && bytes.data() >= data_ && bytes.data() < data_ + size_;
  const std::size_t offset = aliases ? static_cast<std::size_t>(bytes.data() - data_) : 0;
  Reserve(size_ + bytes.size());
  const char* source = aliases ? data_ + offset : bytes.data();
  std::memmove(data_ + size_, source, bytes.size());
  size_ += bytes.size();
}

void SecretString::Clear() {
  ReleaseLocked(data_, capacity_);
  data_ = nullptr;
  size_ = 0;
  capacity_ = 0;
}

void SecretString::Reserve(std::size_t capacity) {
  if (capacity <= capacity_) return;
  const std::size_t new_capacity = RoundUpToPages(std::max(capacity, capacity_ * 2));
  char* fresh = AllocateLocked(new_capacity);
  if (size_ > 0) std::memcpy(fresh, data_, size_);
  ReleaseLocked(data_, capacity_);  // zeroes the old copy before freeing it
  data_ = fresh;
  capacity_ = new_capacity;
}

bool operator==(const SecretString& a, const SecretString& b) {
  if (a.size_ != b.size_) return false;
  // Constant time in the content: no early exit on the first difference.
  unsigned char difference = 0;
  for (std::size_t i = 0; i < a.size_; ++i) {
    difference |= static_cast<unsigned char>(a.data_[i] ^ b.data_[i]);
  }
  return difference == 0;
}

std::ostream& operator<<(std::ostream& os, const SecretString& /*secret*/) {
  return os << kPlaceholder;
}

}  // namespace openlaps::core
