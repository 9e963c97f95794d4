#include "core/password_generator.h"

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "core/wordlists.h"
#include "crypto/csprng.h"
#include "testing/sequence_random.h"
#include "testing/status_matchers.h"

namespace openlaps::core {
namespace {

using ::openlaps::testing::SequenceRandom;

constexpr int kSamplesPerComplexity = 20000;

std::string Concat(std::span<const std::string_view> sets) {
  std::string out;
  for (std::string_view set : sets) out += set;
  return out;
}

// Index of the set holding `c`, or -1.
int SetOf(std::span<const std::string_view> sets, char c) {
  for (std::size_t k = 0; k < sets.size(); ++k) {
    if (sets[k].find(c) != std::string_view::npos) return static_cast<int>(k);
  }
  return -1;
}

// Splits "CorrectHorseBattery" into "correct", "horse", "battery"; an empty
// result when the text does not start with a capital.
std::vector<std::string> SplitWords(std::string_view text) {
  std::vector<std::string> words;
  for (char c : text) {
    if (c >= 'A' && c <= 'Z') {
      words.emplace_back(1, static_cast<char>(c - 'A' + 'a'));
    } else if (words.empty()) {
      return {};
    } else {
      words.back().push_back(c);
    }
  }
  return words;
}

// Chi-square statistic of observed counts against expected counts.
double ChiSquare(const std::vector<double>& observed, const std::vector<double>& expected) {
  double chi = 0;
  for (std::size_t i = 0; i < observed.size(); ++i) {
    const double d = observed[i] - expected[i];
    chi += d * d / expected[i];
  }
  return chi;
}

// A deliberately generous bound (about six standard deviations above the
// mean of a chi-square with `dof` degrees of freedom); the input is seeded,
// so the test is deterministic either way.
double GenerousChiSquareBound(std::size_t dof) {
  const auto k = static_cast<double>(dof);
  return k + 6.0 * std::sqrt(2.0 * k);
}

TEST(PasswordGeneratorTest, CharacterSetsAreExactlyTheReferenceAlphabets) {
  using Sets = std::vector<std::string_view>;
  auto sets = [](int c) {
    auto s = CharacterSetsFor(c);
    return Sets(s.begin(), s.end());
  };
  EXPECT_EQ(sets(1), (Sets{"ABCDEFGHIJKLMNOPQRSTUVWXYZ"}));
  EXPECT_EQ(sets(2), (Sets{"ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz"}));
  EXPECT_EQ(sets(3),
            (Sets{"ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz", "0123456789"}));
  EXPECT_EQ(sets(4), (Sets{"ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz", "0123456789",
                           ",.-+;!#&@{}[]$/()%"}));
  EXPECT_EQ(sets(5),
            (Sets{"ABCDEFGHJKLMNPRSTUVWXYZ", "abcdefghijkmnpqrstuvwxyz", "23456789", "!#%+@:=?*"}));
  for (int c : {0, 6, 7, 8, 9}) EXPECT_TRUE(CharacterSetsFor(c).empty()) << c;
}

TEST(PasswordGeneratorTest, UnionSizesMatchTheReference) {
  EXPECT_EQ(Concat(CharacterSetsFor(1)).size(), 26u);
  EXPECT_EQ(Concat(CharacterSetsFor(2)).size(), 52u);
  EXPECT_EQ(Concat(CharacterSetsFor(3)).size(), 62u);
  EXPECT_EQ(Concat(CharacterSetsFor(4)).size(), 80u);
  EXPECT_EQ(Concat(CharacterSetsFor(5)).size(), 64u);
}

TEST(PasswordGeneratorTest, SetsOfAComplexityAreDisjointWithoutDuplicates) {
  for (int complexity = 1; complexity <= 5; ++complexity) {
    const std::string all = Concat(CharacterSetsFor(complexity));
    const std::unordered_set<char> unique(all.begin(), all.end());
    EXPECT_EQ(unique.size(), all.size()) << "complexity " << complexity;
  }
}

TEST(PasswordGeneratorTest, WordListsHaveTheEffSizes) {
  EXPECT_EQ(WordListFor(6).size(), 7776u);
  EXPECT_EQ(WordListFor(7).size(), 1296u);
  EXPECT_EQ(WordListFor(8).size(), 1296u);
  EXPECT_EQ(WordListFor(6).data(), EffLargeWordList().data());
  EXPECT_EQ(WordListFor(7).data(), EffShortWordList1().data());
  EXPECT_EQ(WordListFor(8).data(), EffShortWordList2().data());
  for (int c : {0, 1, 5, 9}) EXPECT_TRUE(WordListFor(c).empty()) << c;
}

class CharacterPasswordTest : public ::testing::TestWithParam<int> {};

TEST_P(CharacterPasswordTest, EverySampleHasLengthAlphabetAndEverySet) {
  const int complexity = GetParam();
  const auto sets = CharacterSetsFor(complexity);
  const std::string alphabet = Concat(sets);
  // Set index per byte, -1 outside the alphabet: keeps 280,000 checks cheap.
  std::array<int, 256> set_of{};
  set_of.fill(-1);
  for (int byte = 0; byte < 256; ++byte) set_of[byte] = SetOf(sets, static_cast<char>(byte));
  crypto::CsprngRandom random;
  const PasswordSpec spec{.complexity = complexity, .length = 14};
  std::array<int, 256> seen{};
  for (int i = 0; i < kSamplesPerComplexity; ++i) {
    ASSERT_OK_AND_ASSIGN(SecretString password, GeneratePassword(spec, random));
    const std::string_view text = password.Reveal();
    ASSERT_EQ(text.size(), 14u);
    std::array<int, 4> per_set{};
    for (char c : text) {
      const auto byte = static_cast<unsigned char>(c);
      const int set = set_of[byte];
      ASSERT_GE(set, 0) << "character outside the alphabet of complexity " << complexity;
      ++per_set[static_cast<std::size_t>(set)];
      ++seen[byte];
    }
    for (std::size_t k = 0; k < sets.size(); ++k) {
      ASSERT_GT(per_set[k], 0) << "no character of set " << sets[k];
    }
  }
  // With 280,000 characters every one of at most 80 is bound to appear.
  for (char c : alphabet) EXPECT_GT(seen[static_cast<unsigned char>(c)], 0) << c;
}

TEST_P(CharacterPasswordTest, ExtremeLengthsHoldEverySet) {
  const int complexity = GetParam();
  const auto sets = CharacterSetsFor(complexity);
  crypto::CsprngRandom random;
  for (int length : {8, 9, 63, 64}) {
    for (int i = 0; i < 500; ++i) {
      ASSERT_OK_AND_ASSIGN(SecretString password,
                           GeneratePassword({.complexity = complexity, .length = length}, random));
      ASSERT_EQ(password.size(), static_cast<std::size_t>(length));
      std::array<bool, 4> present{};
      for (char c : password.Reveal()) {
        const int set = SetOf(sets, c);
        ASSERT_GE(set, 0);
        present[static_cast<std::size_t>(set)] = true;
      }
      for (std::size_t k = 0; k < sets.size(); ++k) ASSERT_TRUE(present[k]) << sets[k];
    }
  }
}

// Character frequencies follow the generator's exact distribution: each
// set's guaranteed character is uniform within its set, every other
// character uniform over the union.
TEST_P(CharacterPasswordTest, CharacterFrequenciesPassChiSquare) {
  const int complexity = GetParam();
  const auto sets = CharacterSetsFor(complexity);
  const std::string alphabet = Concat(sets);
  constexpr int kLength = 14;
  constexpr int kPasswords = 20000;
  SequenceRandom random({}, /*seed=*/20260301 + static_cast<std::uint64_t>(complexity));
  std::map<char, double> counts;
  for (int i = 0; i < kPasswords; ++i) {
    ASSERT_OK_AND_ASSIGN(SecretString password,
                         GeneratePassword({.complexity = complexity, .length = kLength}, random));
    for (char c : password.Reveal()) ++counts[c];
  }
  const double guaranteed = sets.size() > 1 ? static_cast<double>(sets.size()) : 0.0;
  std::vector<double> observed;
  std::vector<double> expected;
  for (char c : alphabet) {
    const auto set_size =
        static_cast<double>(sets[static_cast<std::size_t>(SetOf(sets, c))].size());
    const double per_password = (guaranteed > 0 ? 1.0 / set_size : 0.0) +
                                (kLength - guaranteed) / static_cast<double>(alphabet.size());
    observed.push_back(counts[c]);
    expected.push_back(per_password * kPasswords);
  }
  EXPECT_LT(ChiSquare(observed, expected), GenerousChiSquareBound(alphabet.size() - 1));
}

INSTANTIATE_TEST_SUITE_P(Complexity1To5, CharacterPasswordTest, ::testing::Range(1, 6));

// If the guaranteed characters sat at fixed positions (say the first four),
// position 0 would always be an upper-case letter. Instead every position
// has the same class distribution: P(set k) = 1/L + (L - |sets|)/L * |k|/|U|.
TEST(PasswordGeneratorTest, GuaranteedCharactersHaveNoFixedPositions) {
  constexpr int kLength = 8;
  constexpr int kPasswords = 40000;
  const auto sets = CharacterSetsFor(4);
  const double union_size = static_cast<double>(Concat(sets).size());
  SequenceRandom random({}, /*seed=*/7);
  std::array<std::array<int, 4>, kLength> class_at{};
  for (int i = 0; i < kPasswords; ++i) {
    ASSERT_OK_AND_ASSIGN(SecretString password,
                         GeneratePassword({.complexity = 4, .length = kLength}, random));
    for (std::size_t pos = 0; pos < kLength; ++pos) {
      ++class_at[pos][static_cast<std::size_t>(SetOf(sets, password.Reveal()[pos]))];
    }
  }
  for (std::size_t pos = 0; pos < kLength; ++pos) {
    for (std::size_t k = 0; k < sets.size(); ++k) {
      const double expected = 1.0 / kLength + (kLength - 4.0) / kLength *
                                                  static_cast<double>(sets[k].size()) / union_size;
      const double frequency = static_cast<double>(class_at[pos][k]) / kPasswords;
      EXPECT_NEAR(frequency, expected, 0.015) << "position " << pos << " set " << sets[k];
    }
  }
}

TEST(PasswordGeneratorTest, SameRandomSequenceGivesSamePassword) {
  SequenceRandom a({}, 42);
  SequenceRandom b({}, 42);
  SequenceRandom c({}, 43);
  ASSERT_OK_AND_ASSIGN(SecretString pa, GeneratePassword({}, a));
  ASSERT_OK_AND_ASSIGN(SecretString pb, GeneratePassword({}, b));
  ASSERT_OK_AND_ASSIGN(SecretString pc, GeneratePassword({}, c));
  EXPECT_TRUE(pa == pb);
  EXPECT_FALSE(pa == pc);
}

// Every draw is Uniform(bound) with the whole set as bound: a Random that
// always returns bound - 1 yields the last character or word of the set.
TEST(PasswordGeneratorTest, UsesTheFullRangeOfEachSet) {
  class MaxRandom final : public Random {
   public:
    std::uint32_t Uniform(std::uint32_t upper_bound) override { return upper_bound - 1; }
  };
  MaxRandom max;
  ASSERT_OK_AND_ASSIGN(SecretString upper, GeneratePassword({.complexity = 1, .length = 8}, max));
  EXPECT_EQ(upper.Reveal(), "ZZZZZZZZ");
  ASSERT_OK_AND_ASSIGN(SecretString words,
                       GeneratePassword({.complexity = 8, .passphrase_words = 3}, max));
  const std::string last(EffShortWordList2().back());
  std::string capitalised = last;
  capitalised[0] = static_cast<char>(capitalised[0] - 'a' + 'A');
  EXPECT_EQ(words.Reveal(), capitalised + capitalised + capitalised);
}

class PassphraseTest : public ::testing::TestWithParam<int> {};

TEST_P(PassphraseTest, EverySampleHasCapitalisedWordsFromTheRightList) {
  const int complexity = GetParam();
  const auto list = WordListFor(complexity);
  const std::unordered_set<std::string_view> words(list.begin(), list.end());
  crypto::CsprngRandom random;
  for (int i = 0; i < kSamplesPerComplexity; ++i) {
    ASSERT_OK_AND_ASSIGN(
        SecretString phrase,
        GeneratePassword({.complexity = complexity, .passphrase_words = 6}, random));
    const std::vector<std::string> split = SplitWords(phrase.Reveal());
    ASSERT_EQ(split.size(), 6u) << "not six capitalised words";
    for (const std::string& word : split) {
      ASSERT_TRUE(words.contains(word)) << "word not in list " << complexity;
    }
  }
}

TEST_P(PassphraseTest, WordCountFollowsTheSpec) {
  const int complexity = GetParam();
  crypto::CsprngRandom random;
  for (int count = 3; count <= 10; ++count) {
    ASSERT_OK_AND_ASSIGN(
        SecretString phrase,
        GeneratePassword({.complexity = complexity, .passphrase_words = count}, random));
    EXPECT_EQ(SplitWords(phrase.Reveal()).size(), static_cast<std::size_t>(count));
  }
}

TEST_P(PassphraseTest, WordFrequenciesPassChiSquare) {
  const int complexity = GetParam();
  const auto list = WordListFor(complexity);
  std::unordered_map<std::string, double> counts;
  constexpr int kWordsPerPhrase = 10;
  // About 25 draws per word.
  const int phrases = static_cast<int>(list.size()) * 25 / kWordsPerPhrase;
  SequenceRandom random({}, /*seed=*/99 + static_cast<std::uint64_t>(complexity));
  for (int i = 0; i < phrases; ++i) {
    ASSERT_OK_AND_ASSIGN(
        SecretString phrase,
        GeneratePassword({.complexity = complexity, .passphrase_words = kWordsPerPhrase}, random));
    for (const std::string& word : SplitWords(phrase.Reveal())) ++counts[word];
  }
  const double expected_each =
      static_cast<double>(phrases) * kWordsPerPhrase / static_cast<double>(list.size());
  std::vector<double> observed;
  for (std::string_view word : list) observed.push_back(counts[std::string(word)]);
  const std::vector<double> expected(list.size(), expected_each);
  EXPECT_LT(ChiSquare(observed, expected), GenerousChiSquareBound(list.size() - 1));
}

INSTANTIATE_TEST_SUITE_P(Complexity6To8, PassphraseTest, ::testing::Range(6, 9));

struct BadSpecCase {
  PasswordSpec spec;
  std::string_view why;
};

class InvalidSpecTest : public ::testing::TestWithParam<BadSpecCase> {};

TEST_P(InvalidSpecTest, IsInvalidArgument) {
  SequenceRandom random;
  const auto result = GeneratePassword(GetParam().spec, random);
  ASSERT_FALSE(result.ok()) << GetParam().why;
  EXPECT_TRUE(result.status().IsInvalidArgument()) << result.status();
}

INSTANTIATE_TEST_SUITE_P(
    OutOfRange, InvalidSpecTest,
    ::testing::Values(BadSpecCase{{.complexity = 0}, "complexity 0"},
                      BadSpecCase{{.complexity = 9}, "complexity 9"},
                      BadSpecCase{{.complexity = -4}, "negative complexity"},
                      BadSpecCase{{.complexity = 4, .length = 7}, "length 7"},
                      BadSpecCase{{.complexity = 1, .length = 65}, "length 65"},
                      BadSpecCase{{.complexity = 5, .length = 0}, "length 0"},
                      BadSpecCase{{.complexity = 6, .passphrase_words = 2}, "2 words"},
                      BadSpecCase{{.complexity = 8, .passphrase_words = 11}, "11 words"},
                      BadSpecCase{{.complexity = 7, .passphrase_words = -1}, "negative words"}));

TEST(PasswordGeneratorTest, BoundariesAndIrrelevantFieldsAreAccepted) {
  SequenceRandom random;
  EXPECT_OK(GeneratePassword({.complexity = 4, .length = 8}, random));
  EXPECT_OK(GeneratePassword({.complexity = 4, .length = 64}, random));
  EXPECT_OK(GeneratePassword({.complexity = 6, .passphrase_words = 3}, random));
  EXPECT_OK(GeneratePassword({.complexity = 6, .passphrase_words = 10}, random));
  // PasswordLength only applies to 1-5, PassphraseLength only to 6-8.
  EXPECT_OK(GeneratePassword({.complexity = 6, .length = 0, .passphrase_words = 6}, random));
  EXPECT_OK(GeneratePassword({.complexity = 3, .length = 14, .passphrase_words = 0}, random));
}

TEST(PasswordGeneratorTest, SpecFromSettings) {
  LapsSettings settings;
  settings.password_complexity = 7;
  settings.password_length = 20;
  settings.passphrase_length = 4;
  const PasswordSpec spec = PasswordSpec::FromSettings(settings);
  EXPECT_EQ(spec.complexity, 7);
  EXPECT_EQ(spec.length, 20);
  EXPECT_EQ(spec.passphrase_words, 4);

  const PasswordSpec defaults = PasswordSpec::FromSettings(LapsSettings{});
  EXPECT_EQ(defaults.complexity, 4);
  EXPECT_EQ(defaults.length, 14);
  EXPECT_EQ(defaults.passphrase_words, 6);
}

TEST(PasswordGeneratorTest, EntropyMatchesTheReferenceFigures) {
  // LAPS-REFERENCE.md §2: 14 chars at complexity 4 ≈ 89 bits, 6 long words ≈ 78.
  EXPECT_NEAR(PasswordEntropyBits({.complexity = 4, .length = 14}), 14 * std::log2(80.0), 1e-9);
  EXPECT_NEAR(PasswordEntropyBits({.complexity = 4, .length = 14}), 88.5, 0.1);
  EXPECT_NEAR(PasswordEntropyBits({.complexity = 6, .passphrase_words = 6}), 77.5, 0.1);
  EXPECT_NEAR(PasswordEntropyBits({.complexity = 1, .length = 10}), 10 * std::log2(26.0), 1e-9);
  EXPECT_DOUBLE_EQ(PasswordEntropyBits({.complexity = 5, .length = 14}), 84.0);  // 64 = 2^6
  EXPECT_NEAR(PasswordEntropyBits({.complexity = 7, .passphrase_words = 6}), 62.04, 0.01);
  EXPECT_NEAR(PasswordEntropyBits({.complexity = 8, .passphrase_words = 3}), 31.02, 0.01);
  EXPECT_EQ(PasswordEntropyBits({.complexity = 0}), 0.0);
}

}  // namespace
}  // namespace openlaps::core
