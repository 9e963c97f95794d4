#include "core/secret.h"

#include <gtest/gtest.h>

#include <array>
#include <sstream>
#include <string>
#include <type_traits>
#include <utility>

namespace openlaps::core {
namespace {

TEST(SecretStringTest, DefaultIsEmpty) {
  SecretString secret;
  EXPECT_TRUE(secret.empty());
  EXPECT_EQ(secret.size(), 0u);
  EXPECT_EQ(secret.Reveal(), "");
}

TEST(SecretStringTest, RoundTripsContent) {
  const std::string bytes("p@ss\0word", 9);  // embedded NUL survives
  SecretString secret(bytes);
  EXPECT_EQ(secret.size(), 9u);
  EXPECT_EQ(secret.Reveal(), bytes);
}

TEST(SecretStringTest, IsMoveOnly) {
  static_assert(!std::is_copy_constructible_v<SecretString>);
  static_assert(!std::is_copy_assignable_v<SecretString>);
  static_assert(std::is_nothrow_move_constructible_v<SecretString>);
  static_assert(std::is_nothrow_move_assignable_v<SecretString>);
}

TEST(SecretStringTest, MoveConstructionEmptiesTheSource) {
  SecretString source("hunter2");
  SecretString target(std::move(source));
  EXPECT_EQ(target.Reveal(), "hunter2");
  EXPECT_TRUE(source.empty());  // NOLINT(bugprone-use-after-move): the contract under test
  EXPECT_EQ(source.Reveal(), "");
}

TEST(SecretStringTest, MoveAssignmentEmptiesTheSourceAndReplacesTheTarget) {
  SecretString source("new-password");
  SecretString target("old-password");
  target = std::move(source);
  EXPECT_EQ(target.Reveal(), "new-password");
  EXPECT_TRUE(source.empty());  // NOLINT(bugprone-use-after-move)
  // The moved-from object is usable again.
  source.Append("again");
  EXPECT_EQ(source.Reveal(), "again");
}

TEST(SecretStringTest, SelfMoveAssignmentKeepsContent) {
  SecretString secret("same");
  SecretString& alias = secret;
  secret = std::move(alias);
  EXPECT_EQ(secret.Reveal(), "same");
}

TEST(SecretStringTest, AppendGrowthKeepsContent) {
  SecretString secret;
  std::string expected;
  // Far past one page, so the buffer is reallocated several times.
  for (int i = 0; i < 20000; ++i) {
    const char c = static_cast<char>('a' + i % 26);
    secret.Append(c);
    expected.push_back(c);
  }
  for (int i = 0; i < 100; ++i) {
    secret.Append("0123456789");
    expected += "0123456789";
  }
  EXPECT_EQ(secret.size(), expected.size());
  EXPECT_EQ(secret.Reveal(), expected);
}

TEST(SecretStringTest, AppendOfItsOwnContentSurvivesReallocation) {
  SecretString secret(std::string(3000, 'x'));
  secret.Append(secret.Reveal());  // grows past one page while reading itself
  EXPECT_EQ(secret.Reveal(), std::string(6000, 'x'));
}

TEST(SecretStringTest, ClearEmptiesAndAllowsReuse) {
  SecretString secret("something");
  secret.Clear();
  EXPECT_TRUE(secret.empty());
  EXPECT_EQ(secret.Reveal(), "");
  secret.Append('z');
  EXPECT_EQ(secret.Reveal(), "z");
}

TEST(SecretStringTest, StreamingPrintsPlaceholderNeverContent) {
  SecretString secret("CorrectHorseBatteryStaple");
  std::ostringstream out;
  out << "password=" << secret;
  EXPECT_EQ(out.str(), "password=[secret]");
  EXPECT_EQ(out.str().find("Correct"), std::string::npos);

  std::ostringstream empty_out;
  empty_out << SecretString();
  EXPECT_EQ(empty_out.str(), "[secret]");  // emptiness is not revealed either
}

TEST(SecretStringTest, CloneIsAnIndependentEqualCopy) {
  SecretString original("abc");
  SecretString copy = original.Clone();
  EXPECT_EQ(copy.Reveal(), "abc");
  EXPECT_TRUE(copy == original);
  copy.Append('d');
  EXPECT_EQ(original.Reveal(), "abc");
  EXPECT_EQ(copy.Reveal(), "abcd");
  EXPECT_FALSE(copy == original);
  EXPECT_TRUE(SecretString().Clone().empty());
}

TEST(SecretStringTest, EqualityComparesContent) {
  EXPECT_TRUE(SecretString("same") == SecretString("same"));
  EXPECT_FALSE(SecretString("same") == SecretString("sane"));
  EXPECT_FALSE(SecretString("same") == SecretString("same!"));
  EXPECT_TRUE(SecretString() == SecretString(""));
}

// Released buffers are kept for reuse (see secret.cpp), which lets a test
// look at what a destroyed secret left behind: the next secret receives the
// same page, and everything past its own content must be zero.
bool AllZeroAfter(const SecretString& secret, std::size_t from, std::size_t to) {
  const char* data = secret.Reveal().data();
  for (std::size_t i = from; i < to; ++i) {
    if (data[i] != 0) return false;
  }
  return true;
}

TEST(SecretStringTest, DestructionZeroesTheBuffer) {
  const std::string content(100, 'S');
  const char* old_buffer = nullptr;
  {
    SecretString secret(content);
    old_buffer = secret.Reveal().data();
  }
  SecretString next("n");
  if (next.Reveal().data() != old_buffer) GTEST_SKIP() << "page not reused";
  EXPECT_TRUE(AllZeroAfter(next, 1, content.size()));
}

TEST(SecretStringTest, ReallocationZeroesTheOldBuffer) {
  SecretString secret(std::string(3000, 'S'));
  const char* old_buffer = secret.Reveal().data();
  secret.Append(std::string(3000, 'T'));  // past one page: moves
  ASSERT_NE(secret.Reveal().data(), old_buffer);
  SecretString next("n");
  if (next.Reveal().data() != old_buffer) GTEST_SKIP() << "page not reused";
  EXPECT_TRUE(AllZeroAfter(next, 1, 3000));
}

TEST(SecureZeroTest, ZeroesEveryByte) {
  std::array<unsigned char, 64> buffer;
  buffer.fill(0xAB);
  SecureZero(buffer.data(), buffer.size());
  for (unsigned char b : buffer) EXPECT_EQ(b, 0);
  SecureZero(nullptr, 0);  // allowed no-op
}

}  // namespace
}  // namespace openlaps::core
