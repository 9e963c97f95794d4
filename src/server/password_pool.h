// PasswordPool: runs Argon2id (crypto::VerifyAdminPassword and
// HashAdminPassword) on threads of its own, so a flood of sign-ins cannot
// occupy lapsd's I/O threads and slow every other request. Bounded: at most
// `threads + queue` jobs are admitted at once; one more is refused at once
// (Unavailable) instead of waiting without bound.
//
// Constant work: Verify without a hash (unknown or disabled account) checks
// the password against a dummy hash made once at start with the same
// parameters, so a wrong user name costs what a wrong password costs.
//
// Thread-safe. Awaited from request coroutines: the result resumes the
// caller on its own executor.
#ifndef OPENLAPS_SERVER_PASSWORD_POOL_H_
#define OPENLAPS_SERVER_PASSWORD_POOL_H_

#include <atomic>
#include <boost/asio/thread_pool.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "core/secret.h"
#include "core/status.h"
#include "http/detail/awaitable.h"

namespace openlaps::server {

class PasswordPool {
 public:
  // threads >= 1, queue >= 0.
  static Result<std::unique_ptr<PasswordPool>> Create(int threads, int queue);
  PasswordPool(const PasswordPool&) = delete;
  PasswordPool& operator=(const PasswordPool&) = delete;
  ~PasswordPool();  // waits for running jobs

  // True when `password` matches `hash`; with no hash, verifies against the
  // dummy hash and answers false. Unavailable when the pool is full.
  boost::asio::awaitable<Result<bool>> Verify(std::optional<std::string> hash,
                                              core::SecretString password);
  // An Argon2id hash of `password`. Unavailable when the pool is full.
  boost::asio::awaitable<Result<std::string>> Hash(core::SecretString password);

  // True while the pool admits nothing more: a caller may refuse before any
  // other work (a racing Verify still checks for itself).
  bool full() const { return admitted_.load() >= capacity_; }

  // Argon2id verifications run so far, and how many of them used the dummy
  // hash (tests observe constant work through these).
  std::int64_t verifications() const { return verifications_.load(); }
  std::int64_t dummy_verifications() const { return dummy_verifications_.load(); }

 private:
  PasswordPool(int threads, int queue, std::string dummy_hash);
  template <typename T, typename Fn>
  boost::asio::awaitable<Result<T>> Run(Fn fn);

  boost::asio::thread_pool pool_;
  const int capacity_;
  const std::string dummy_hash_;
  std::atomic<int> admitted_{0};
  std::atomic<std::int64_t> verifications_{0};
  std::atomic<std::int64_t> dummy_verifications_{0};
};

}  // namespace openlaps::server

#endif  // OPENLAPS_SERVER_PASSWORD_POOL_H_
