#include "server/password_pool.h"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/execution.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <utility>

#include "crypto/csprng.h"
#include "crypto/hashing.h"

namespace openlaps::server {

namespace asio = boost::asio;

namespace {

// Argon2id threads run at a lower CPU priority than the I/O threads: on a
// small machine they share cores, and a flood of guesses must lose to
// everything else. Once per pool thread (Linux nice is per thread).
void LowerThisThreadsPriority() {
  thread_local bool lowered = false;
  if (lowered) return;
  lowered = true;
  (void)::setpriority(PRIO_PROCESS, static_cast<id_t>(::syscall(SYS_gettid)), 10);
}

}  // namespace

Result<std::unique_ptr<PasswordPool>> PasswordPool::Create(int threads, int queue) {
  if (threads < 1 || queue < 0) return InvalidArgumentError("bad password pool size");
  // The dummy's password is random and forgotten: nothing can match it.
  core::SecretString password(crypto::RandomToken(24));
  auto dummy = crypto::HashAdminPassword(password);
  if (!dummy.ok()) return dummy.status();
  return std::unique_ptr<PasswordPool>(new PasswordPool(threads, queue, std::move(dummy).value()));
}

PasswordPool::PasswordPool(int threads, int queue, std::string dummy_hash)
    : pool_(static_cast<std::size_t>(threads)),
      capacity_(threads + queue),
      dummy_hash_(std::move(dummy_hash)) {}

PasswordPool::~PasswordPool() { pool_.join(); }

template <typename T, typename Fn>
asio::awaitable<Result<T>> PasswordPool::Run(Fn fn) {
  // Admitted here, on the caller's thread, and released when the result is
  // back there: the bound holds however the pool's threads are scheduled.
  if (admitted_.fetch_add(1) >= capacity_) {
    admitted_.fetch_sub(1);
    co_return UnavailableError("too many sign-ins are being checked; try again shortly");
  }
  auto initiation = [this, fn = std::move(fn)](auto handler) mutable {
    auto home = asio::prefer(asio::get_associated_executor(handler),
                             asio::execution::outstanding_work.tracked);
    asio::post(pool_, [this, fn = std::move(fn), handler = std::move(handler),
                       home = std::move(home)]() mutable {
      LowerThisThreadsPriority();
      Result<T> result = fn();
      asio::post(home, [this, handler = std::move(handler), result = std::move(result)]() mutable {
        admitted_.fetch_sub(1);
        std::move(handler)(std::move(result));
      });
    });
  };
  co_return co_await asio::async_initiate<const asio::use_awaitable_t<>, void(Result<T>)>(
      std::move(initiation), asio::use_awaitable);
}

asio::awaitable<Result<bool>> PasswordPool::Verify(std::optional<std::string> hash,
                                                   core::SecretString password) {
  return Run<bool>(
      [this, hash = std::move(hash), password = std::move(password)]() -> Result<bool> {
        verifications_.fetch_add(1);
        if (!hash) {
          dummy_verifications_.fetch_add(1);
          (void)crypto::VerifyAdminPassword(dummy_hash_, password);
          return false;
        }
        return crypto::VerifyAdminPassword(*hash, password);
      });
}

asio::awaitable<Result<std::string>> PasswordPool::Hash(core::SecretString password) {
  return Run<std::string>(
      [password = std::move(password)]() { return crypto::HashAdminPassword(password); });
}

}  // namespace openlaps::server
