// Passwords per second for every PasswordComplexity at the default lengths
// (14 characters, 6 words), with the production CSPRNG.
#include <benchmark/benchmark.h>

#include <cstdlib>

#include "core/password_generator.h"
#include "crypto/csprng.h"

namespace {

void BM_GeneratePassword(benchmark::State& state) {
  const openlaps::core::PasswordSpec spec{.complexity = static_cast<int>(state.range(0))};
  openlaps::crypto::CsprngRandom random;
  for (auto _ : state) {
    auto password = openlaps::core::GeneratePassword(spec, random);
    if (!password.ok()) {
      state.SkipWithError("GeneratePassword failed");
      break;
    }
    benchmark::DoNotOptimize(password->Reveal().data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations());
  state.SetLabel(spec.complexity >= 6 ? "6 words" : "14 chars");
}
BENCHMARK(BM_GeneratePassword)->DenseRange(1, 8)->ArgName("complexity");

}  // namespace

BENCHMARK_MAIN();
