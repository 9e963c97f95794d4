#include <sys/mman.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

#include "core/locked_pages.h"
#include "core/secret.h"

namespace openlaps::core {

std::size_t PageSize() {
  static const std::size_t kPageSize = [] {
    const long size = sysconf(_SC_PAGESIZE);
    return size > 0 ? static_cast<std::size_t>(size) : std::size_t{4096};
  }();
  return kPageSize;
}

void* AllocateLockedPages(std::size_t bytes) {
  void* memory = std::aligned_alloc(PageSize(), bytes);
  if (memory == nullptr) return nullptr;
  // Best effort: RLIMIT_MEMLOCK may refuse, and the secret is still zeroed.
  (void)mlock(memory, bytes);
  return memory;
}

void FreeLockedPages(void* pages, std::size_t bytes) {
  (void)munlock(pages, bytes);
  std::free(pages);
}

void SecureZero(void* data, std::size_t size) {
  if (data == nullptr || size == 0) return;
  explicit_bzero(data, size);
}

}  // namespace openlaps::core
