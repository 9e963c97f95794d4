// Password and passphrase generation for every PasswordComplexity (1-8),
// with the exact alphabets of Windows LAPS and the EFF word lists.
//
// Characters and words are chosen uniformly through Random::Uniform (no
// modulo bias); a password built from several character sets holds at least
// one character of each (positions for the guaranteed characters are chosen
// uniformly too). Passphrases are capitalised words with no separator.
#ifndef OPENLAPS_CORE_PASSWORD_GENERATOR_H_
#define OPENLAPS_CORE_PASSWORD_GENERATOR_H_

#include <span>
#include <string_view>
#include <vector>

#include "core/policy_settings.h"
#include "core/random.h"
#include "core/secret.h"
#include "core/status.h"

namespace openlaps::core {

struct PasswordSpec {
  int complexity = 4;        // 1-8
  int length = 14;           // characters, complexity 1-5 (8-64)
  int passphrase_words = 6;  // words, complexity 6-8 (3-10)

  static PasswordSpec FromSettings(const LapsSettings& settings);
};

// The character sets of complexity 1-5, in the order of LAPS-REFERENCE.md
// §2; empty for 6-8.
std::span<const std::string_view> CharacterSetsFor(int complexity);
// The word list of complexity 6-8; empty for 1-5.
std::span<const std::string_view> WordListFor(int complexity);

// InvalidArgument when the spec is out of range.
Result<SecretString> GeneratePassword(const PasswordSpec& spec, Random& random);

// Entropy in bits of a password from this spec (for docs and the console).
double PasswordEntropyBits(const PasswordSpec& spec);

}  // namespace openlaps::core

#endif  // OPENLAPS_CORE_PASSWORD_GENERATOR_H_
