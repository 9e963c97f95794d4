// Whole pages kept out of swap, for secrets: the one platform-specific part
// of SecretString (locked_pages_posix.cpp or locked_pages_win32.cpp, chosen
// by CMake).
#ifndef OPENLAPS_CORE_LOCKED_PAGES_H_
#define OPENLAPS_CORE_LOCKED_PAGES_H_

#include <cstddef>

namespace openlaps::core {

std::size_t PageSize();

// `bytes` (a multiple of PageSize()) page-aligned, locked in memory as far as
// the system allows (a refused lock still leaves a usable, zeroed-on-free
// buffer); nullptr when out of memory.
void* AllocateLockedPages(std::size_t bytes);
// Unlocks and frees what AllocateLockedPages returned; the caller has zeroed it.
void FreeLockedPages(void* pages, std::size_t bytes);

}  // namespace openlaps::core

#endif  // OPENLAPS_CORE_LOCKED_PAGES_H_
