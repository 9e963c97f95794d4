// What authenticating one device request costs: an Ed25519 signature check
// (what lapsd does today) against a keyed BLAKE2b MAC (the session-key
// alternative DESIGN.md §6 weighs), over a typical check-in payload.
#include <benchmark/benchmark.h>

#include <string>

#include "crypto/csprng.h"
#include "crypto/encoding.h"
#include "crypto/hashing.h"
#include "crypto/request_signing.h"
#include "crypto/signing.h"

namespace {

using namespace openlaps;  // NOLINT: a benchmark's main file

const std::string kBody(300, 'x');  // a check-in body is a few hundred bytes

std::string Payload() {
  return crypto::RequestSigningPayload("POST", "/device/v1/checkin", 1790000000,
                                       "nonce-1234567890abcdef", kBody);
}

void BM_Ed25519Verify(benchmark::State& state) {
  auto keys = crypto::SigningKeyPair::Generate();
  std::string payload = Payload();
  crypto::Signature sig = crypto::Sign(keys, crypto::AsBytes(payload));
  for (auto _ : state) {
    benchmark::DoNotOptimize(crypto::Verify(keys.public_key, crypto::AsBytes(payload), sig));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Ed25519Verify);

void BM_Ed25519Sign(benchmark::State& state) {
  auto keys = crypto::SigningKeyPair::Generate();
  std::string payload = Payload();
  for (auto _ : state) benchmark::DoNotOptimize(crypto::Sign(keys, crypto::AsBytes(payload)));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Ed25519Sign);

void BM_Blake2bMacVerify(benchmark::State& state) {
  std::vector<std::uint8_t> key(32);
  crypto::RandomBytes(key);
  std::string payload = Payload();
  crypto::Digest expected = crypto::Blake2bMac(key, crypto::AsBytes(payload));
  for (auto _ : state) {
    crypto::Digest mac = crypto::Blake2bMac(key, crypto::AsBytes(payload));
    benchmark::DoNotOptimize(crypto::ConstantTimeEquals(mac, expected));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Blake2bMacVerify);

void BM_BuildPayload(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(Payload());
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_BuildPayload);

}  // namespace

BENCHMARK_MAIN();
