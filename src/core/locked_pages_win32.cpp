#include <windows.h>

#include "core/locked_pages.h"
#include "core/secret.h"

namespace openlaps::core {

std::size_t PageSize() {
  static const std::size_t kPageSize = [] {
    SYSTEM_INFO info;
    GetSystemInfo(&info);
    return static_cast<std::size_t>(info.dwPageSize);
  }();
  return kPageSize;
}

void* AllocateLockedPages(std::size_t bytes) {
  void* memory = VirtualAlloc(nullptr, bytes, MEM_COMMIT | MEM_RESERVE, PAGE_READWRITE);
  if (memory == nullptr) return nullptr;
  // Best effort, as mlock: the working-set quota may refuse.
  (void)VirtualLock(memory, bytes);
  return memory;
}

void FreeLockedPages(void* pages, std::size_t bytes) {
  (void)VirtualUnlock(pages, bytes);
  (void)VirtualFree(pages, 0, MEM_RELEASE);
}

void SecureZero(void* data, std::size_t size) {
  if (data == nullptr || size == 0) return;
  SecureZeroMemory(data, size);
}

}  // namespace openlaps::core
