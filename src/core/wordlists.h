// The EFF passphrase word lists, embedded at build time from
// data/wordlists/ (CC BY 3.0 US, Electronic Frontier Foundation).
#ifndef OPENLAPS_CORE_WORDLISTS_H_
#define OPENLAPS_CORE_WORDLISTS_H_

#include <span>
#include <string_view>

namespace openlaps::core {

std::span<const std::string_view> EffLargeWordList();   // 7776 words
std::span<const std::string_view> EffShortWordList1();  // 1296 words
std::span<const std::string_view> EffShortWordList2();  // 1296 words

}  // namespace openlaps::core

#endif  // OPENLAPS_CORE_WORDLISTS_H_
