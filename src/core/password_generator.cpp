#include "core/password_generator.h"

#include <array>
#include <cassert>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>

#include "core/wordlists.h"

namespace openlaps::core {
namespace {

constexpr int kMinComplexity = 1;
constexpr int kMaxComplexity = 8;
constexpr int kFirstPassphraseComplexity = 6;
constexpr int kMinLength = 8;
constexpr int kMaxLength = 64;
constexpr int kMinWords = 3;
constexpr int kMaxWords = 10;

// LAPS-REFERENCE.md §2, character for character.
constexpr std::string_view kUpper = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
constexpr std::string_view kLower = "abcdefghijklmnopqrstuvwxyz";
constexpr std::string_view kDigits = "0123456789";
constexpr std::string_view kSpecials = ",.-+;!#&@{}[]$/()%";
constexpr std::string_view kReadableUpper = "ABCDEFGHJKLMNPRSTUVWXYZ";
constexpr std::string_view kReadableLower = "abcdefghijkmnpqrstuvwxyz";
constexpr std::string_view kReadableDigits = "23456789";
constexpr std::string_view kReadableSpecials = "!#%+@:=?*";

constexpr std::array<std::string_view, 1> kComplexity1 = {kUpper};
constexpr std::array<std::string_view, 2> kComplexity2 = {kUpper, kLower};
constexpr std::array<std::string_view, 3> kComplexity3 = {kUpper, kLower, kDigits};
constexpr std::array<std::string_view, 4> kComplexity4 = {kUpper, kLower, kDigits, kSpecials};
constexpr std::array<std::string_view, 4> kComplexity5 = {kReadableUpper, kReadableLower,
                                                          kReadableDigits, kReadableSpecials};
[[maybe_unused]] constexpr std::size_t kMaxSets = 4;  // checked by assert only
// The sets of one complexity are disjoint, so their union is the concatenation.
constexpr std::size_t kMaxAlphabet = 128;

std::size_t UnionSize(std::span<const std::string_view> sets) {
  std::size_t size = 0;
  for (std::string_view set : sets) size += set.size();
  return size;
}

char PickFrom(std::string_view set, Random& random) {
  return set[random.Uniform(static_cast<std::uint32_t>(set.size()))];
}

Status Validate(const PasswordSpec& spec) {
  if (spec.complexity < kMinComplexity || spec.complexity > kMaxComplexity) {
    return InvalidArgumentError("PasswordComplexity must be 1-8, got " +
                                std::to_string(spec.complexity));
  }
  if (spec.complexity >= kFirstPassphraseComplexity) {
    if (spec.passphrase_words < kMinWords || spec.passphrase_words > kMaxWords) {
      return InvalidArgumentError("PassphraseLength must be 3-10 words, got " +
                                  std::to_string(spec.passphrase_words));
    }
  } else if (spec.length < kMinLength || spec.length > kMaxLength) {
    return InvalidArgumentError("PasswordLength must be 8-64 characters, got " +
                                std::to_string(spec.length));
  }
  return Status::Ok();
}

SecretString GenerateFromSets(std::span<const std::string_view> sets, int length, Random& random) {
  assert(!sets.empty() && sets.size() <= kMaxSets);
  const auto n = static_cast<std::size_t>(length);

  std::array<char, kMaxAlphabet> alphabet_buffer{};
  std::size_t alphabet_size = 0;
  for (std::string_view set : sets) {
    set.copy(alphabet_buffer.data() + alphabet_size, set.size());
    alphabet_size += set.size();
  }
  const std::string_view alphabet(alphabet_buffer.data(), alphabet_size);

  // Choose where each set's guaranteed character goes before writing
  // anything: the first |sets| steps of a Fisher-Yates shuffle of the
  // positions give a uniformly random ordered choice of distinct positions.
  // The result has the distribution of "one character per set plus uniform
  // characters, shuffled", but is written once, left to right, so no
  // intermediate copy of the password ever exists.
  std::array<std::uint8_t, kMaxLength> positions{};
  for (std::size_t i = 0; i < n; ++i) positions[i] = static_cast<std::uint8_t>(i);
  constexpr int kFromUnion = -1;
  std::array<int, kMaxLength> set_at{};
  set_at.fill(kFromUnion);
  if (sets.size() > 1) {
    for (std::size_t k = 0; k < sets.size(); ++k) {
      const std::size_t j = k + random.Uniform(static_cast<std::uint32_t>(n - k));
      std::swap(positions[k], positions[j]);
      set_at[positions[k]] = static_cast<int>(k);
    }
  }

  SecretString password;
  // One allocation: SecretString holds at least a page, far more than 64.
  for (std::size_t i = 0; i < n; ++i) {
    const std::string_view from =
        set_at[i] == kFromUnion ? alphabet : sets[static_cast<std::size_t>(set_at[i])];
    password.Append(PickFrom(from, random));
  }
  return password;
}

SecretString GeneratePassphrase(std::span<const std::string_view> words, int count,
                                Random& random) {
  constexpr char kCaseOffset = 'a' - 'A';
  SecretString passphrase;
  for (int i = 0; i < count; ++i) {
    const std::string_view word = words[random.Uniform(static_cast<std::uint32_t>(words.size()))];
    const char first = word.front();
    passphrase.Append(first >= 'a' && first <= 'z' ? static_cast<char>(first - kCaseOffset)
                                                   : first);
    passphrase.Append(word.substr(1));
  }
  return passphrase;
}

}  // namespace

PasswordSpec PasswordSpec::FromSettings(const LapsSettings& settings) {
  return PasswordSpec{
      .complexity = settings.password_complexity,
      .length = settings.password_length,
      .passphrase_words = settings.passphrase_length,
  };
}

std::span<const std::string_view> CharacterSetsFor(int complexity) {
  switch (complexity) {
    case 1:
      return kComplexity1;
    case 2:
      return kComplexity2;
    case 3:
      return kComplexity3;
    case 4:
      return kComplexity4;
    case 5:
      return kComplexity5;
    default:
      return {};
  }
}

std::span<const std::string_view> WordListFor(int complexity) {
  switch (complexity) {
    case 6:
      return EffLargeWordList();
    case 7:
      return EffShortWordList1();
    case 8:
      return EffShortWordList2();
    default:
      return {};
  }
}

Result<SecretString> GeneratePassword(const PasswordSpec& spec, Random& random) {
  OPENLAPS_RETURN_IF_ERROR(Validate(spec));
  if (spec.complexity >= kFirstPassphraseComplexity) {
    return GeneratePassphrase(WordListFor(spec.complexity), spec.passphrase_words, random);
  }
  return GenerateFromSets(CharacterSetsFor(spec.complexity), spec.length, random);
}

double PasswordEntropyBits(const PasswordSpec& spec) {
  if (spec.complexity >= kFirstPassphraseComplexity) {
    const std::size_t words = WordListFor(spec.complexity).size();
    return words == 0 ? 0.0 : spec.passphrase_words * std::log2(static_cast<double>(words));
  }
  const std::size_t alphabet = UnionSize(CharacterSetsFor(spec.complexity));
  // Ignores the one-of-each-set rule, which costs well under a bit at the
  // default length (about 88.1 instead of 88.5 bits at complexity 4).
  return alphabet == 0 ? 0.0 : spec.length * std::log2(static_cast<double>(alphabet));
}

}  // namespace openlaps::core
