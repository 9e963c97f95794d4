#include "server/password_pool.h"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <vector>

#include "crypto/hashing.h"
#include "testing/status_matchers.h"

namespace openlaps::server {
namespace {

namespace asio = boost::asio;

// Runs `body` as a coroutine on a fresh single-threaded io_context.
template <typename Body>
void RunCoroutine(Body body) {
  asio::io_context io;
  asio::co_spawn(io, std::move(body), asio::detached);
  io.run();
}

TEST(PasswordPoolTest, VerifiesRightAndWrongPasswordsAgainstARealHash) {
  ASSERT_OK_AND_ASSIGN(auto pool, PasswordPool::Create(1, 4));
  core::SecretString password("correct horse battery");
  ASSERT_OK_AND_ASSIGN(std::string hash, crypto::HashAdminPassword(password));
  std::vector<Result<bool>> results;
  RunCoroutine([&]() -> asio::awaitable<void> {
    results.push_back(co_await pool->Verify(hash, password.Clone()));
    results.push_back(co_await pool->Verify(hash, core::SecretString("wrong")));
  });
  ASSERT_EQ(results.size(), 2u);
  EXPECT_TRUE(*results[0]);
  EXPECT_FALSE(*results[1]);
  EXPECT_EQ(pool->verifications(), 2);
  EXPECT_EQ(pool->dummy_verifications(), 0);
}

TEST(PasswordPoolTest, AnUnknownAccountCostsOneArgon2idVerificationToo) {
  ASSERT_OK_AND_ASSIGN(auto pool, PasswordPool::Create(1, 4));
  Result<bool> result = false;
  RunCoroutine([&]() -> asio::awaitable<void> {
    result = co_await pool->Verify(std::nullopt, core::SecretString("anything"));
  });
  ASSERT_OK(result);
  EXPECT_FALSE(*result);
  EXPECT_EQ(pool->verifications(), 1);
  EXPECT_EQ(pool->dummy_verifications(), 1);
}

TEST(PasswordPoolTest, RefusesAtOnceWhenFull) {
  // One thread, no queue: while the first job runs, a second is refused.
  // Both coroutines start before the first job's result can come back to
  // this single-threaded context, so the order is deterministic.
  ASSERT_OK_AND_ASSIGN(auto pool, PasswordPool::Create(1, 0));
  std::vector<Status> statuses(3);
  asio::io_context io;
  for (int i = 0; i < 2; ++i) {
    asio::co_spawn(
        io,
        [&, i]() -> asio::awaitable<void> {
          statuses[i] = (co_await pool->Verify(std::nullopt, core::SecretString("x"))).status();
        },
        asio::detached);
  }
  io.run();
  EXPECT_OK(statuses[0]);
  EXPECT_TRUE(statuses[1].IsUnavailable()) << statuses[1];
  EXPECT_EQ(pool->verifications(), 1);
  // Room again once the first is done.
  io.restart();
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        statuses[2] = (co_await pool->Verify(std::nullopt, core::SecretString("x"))).status();
      },
      asio::detached);
  io.run();
  EXPECT_OK(statuses[2]);
}

TEST(PasswordPoolTest, HashesOffTheCallersThread) {
  ASSERT_OK_AND_ASSIGN(auto pool, PasswordPool::Create(2, 0));
  Result<std::string> hash = std::string();
  RunCoroutine([&]() -> asio::awaitable<void> {
    hash = co_await pool->Hash(core::SecretString("a long enough password"));
  });
  ASSERT_OK(hash);
  EXPECT_TRUE(crypto::VerifyAdminPassword(*hash, core::SecretString("a long enough password")));
}

}  // namespace
}  // namespace openlaps::server
