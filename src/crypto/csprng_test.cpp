#include "crypto/csprng.h"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace openlaps::crypto {
namespace {

TEST(CsprngRandomTest, StaysBelowTheBound) {
  CsprngRandom random;
  for (std::uint32_t bound : {1u, 2u, 3u, 7u, 80u, 7776u, 0x80000001u, 0xFFFFFFFFu}) {
    for (int i = 0; i < 2000; ++i) ASSERT_LT(random.Uniform(bound), bound) << bound;
  }
  EXPECT_EQ(random.Uniform(1), 0u);
}

TEST(CsprngRandomTest, ReachesEveryValueOfASmallRange) {
  CsprngRandom random;
  std::array<int, 10> seen{};
  for (int i = 0; i < 10000; ++i) ++seen[random.Uniform(10)];
  // Expected 1000 each; a fixed or skewed source falls far outside.
  for (int count : seen) {
    EXPECT_GT(count, 800);
    EXPECT_LT(count, 1200);
  }
}

TEST(CsprngRandomTest, IsUsableFromSeveralThreads) {
  std::vector<std::thread> threads;
  std::array<std::uint32_t, 4> sums{};
  for (std::size_t t = 0; t < sums.size(); ++t) {
    threads.emplace_back([&sums, t] {
      CsprngRandom random;
      for (int i = 0; i < 1000; ++i) sums[t] += random.Uniform(100);
    });
  }
  for (auto& thread : threads) thread.join();
  for (std::uint32_t sum : sums) {
    EXPECT_GT(sum, 30000u);  // mean 49,500
    EXPECT_LT(sum, 70000u);
  }
}

TEST(RandomBytesTest, FillsTheBufferAndNeverRepeats) {
  std::array<std::uint8_t, 32> a{};
  std::array<std::uint8_t, 32> b{};
  RandomBytes(a);
  RandomBytes(b);
  EXPECT_NE(a, b);
  EXPECT_NE(a, (std::array<std::uint8_t, 32>{}));
  RandomBytes(std::span<std::uint8_t>());  // empty is fine
}

TEST(RandomTokenTest, IsUrlSafeBase64WithoutPadding) {
  for (std::size_t bytes : {1u, 2u, 3u, 4u, 16u, 32u, 33u}) {
    const std::string token = RandomToken(bytes);
    EXPECT_EQ(token.size(), (bytes * 4 + 2) / 3) << bytes;  // ceil(4n/3), no '='
    for (char c : token) {
      const bool url_safe = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                            (c >= '0' && c <= '9') || c == '-' || c == '_';
      EXPECT_TRUE(url_safe) << "'" << c << "' in " << token;
    }
  }
  EXPECT_EQ(RandomToken(0), "");
}

TEST(RandomTokenTest, UsesTheUrlSafeAlphabetNotTheStandardOne) {
  // Over 8000 characters both '-' and '_' appear, and '+' and '/' never do.
  std::string all;
  for (int i = 0; i < 250; ++i) all += RandomToken(24);
  EXPECT_NE(all.find('-'), std::string::npos);
  EXPECT_NE(all.find('_'), std::string::npos);
  EXPECT_EQ(all.find('+'), std::string::npos);
  EXPECT_EQ(all.find('/'), std::string::npos);
  EXPECT_EQ(all.find('='), std::string::npos);
}

TEST(RandomTokenTest, TokensAreUnique) {
  std::set<std::string> tokens;
  for (int i = 0; i < 1000; ++i) tokens.insert(RandomToken(16));
  EXPECT_EQ(tokens.size(), 1000u);
}

}  // namespace
}  // namespace openlaps::crypto

namespace openlaps::crypto {
namespace {

// A bound just over 2^31 makes the biased alternative (word % bound) pick
// the low half twice as often; rejection sampling keeps halves equal.
TEST(CsprngRandomTest, HasNoModuloBiasNearTheTopOfTheRange) {
  CsprngRandom random;
  constexpr std::uint32_t kBound = (1u << 31) + (1u << 30);  // 3 * 2^30
  constexpr int kDraws = 60000;
  int low = 0;
  for (int i = 0; i < kDraws; ++i) {
    if (random.Uniform(kBound) < kBound / 2) ++low;
  }
  // Uniform: half below kBound/2 (sd ~ 122). word % kBound would put
  // two thirds there.
  EXPECT_NEAR(low, kDraws / 2, 800);
}

}  // namespace
}  // namespace openlaps::crypto
