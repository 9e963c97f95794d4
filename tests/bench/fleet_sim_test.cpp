// The fleet simulator, briefly, against a real lapsd: it must enroll, park
// long-polls, check in, carry out admin rotations and change a policy with
// no failed request, and reuse its fleet file in a second run. The figures
// themselves belong to scripts/bench-fleet.sh, not to this test.
#include <gtest/gtest.h>

#include <iostream>

#include "crypto/csprng.h"
#include "fleet_sim/fleet_simulator.h"
#include "support/lapsd_process.h"

namespace openlaps::fleet {
namespace {

using testing::LapsdProcess;

long CountOf(const std::vector<OpSummary>& ops, const std::string& op) {
  for (const auto& s : ops) {
    if (s.op == op) return s.count;
  }
  return 0;
}

class FleetSimTest : public ::testing::Test {
 protected:
  void SetUp() override {
    data_dir_ =
        std::filesystem::path(::testing::TempDir()) / ("fleet-sim-" + crypto::RandomToken(6));
    std::filesystem::create_directories(data_dir_);
    // At the default log level: LapsdProcess learns the port from an info line.
    lapsd_ = std::make_unique<LapsdProcess>(LAPSD_PATH, data_dir_ / "lapsd");
    ASSERT_TRUE(lapsd_->Start().ok()) << lapsd_->Log();
  }

  void TearDown() override {
    if (HasFailure() && lapsd_) std::cerr << "lapsd log:\n" << lapsd_->Log();
    if (lapsd_) lapsd_->Stop();
    std::filesystem::remove_all(data_dir_);
  }

  SimulatorOptions Options() const {
    SimulatorOptions o;
    o.url = lapsd_->base_url();
    o.admin_file = data_dir_ / "lapsd" / "initial-admin.json";
    o.fleet_file = data_dir_ / "fleet.jsonl";
    o.devices = 40;
    o.concurrency = 4;
    o.long_polls = 6;
    o.rotations = 6;
    o.duration = std::chrono::seconds(2);
    return o;
  }

  std::filesystem::path data_dir_;
  std::unique_ptr<LapsdProcess> lapsd_;
};

TEST_F(FleetSimTest, RunsTheDeviceProtocolWithoutErrors) {
  SimulatorOptions o = Options();
  o.policy_change = true;
  auto report = RunFleetSimulation(o);
  ASSERT_TRUE(report.ok()) << report.status();
  std::cerr << report->ToText();
  EXPECT_EQ(report->errors, 0);
  EXPECT_EQ(report->enrolled, 40);
  EXPECT_EQ(report->parked, 6);
  EXPECT_EQ(CountOf(report->setup, "enroll"), 40);
  EXPECT_EQ(CountOf(report->load, "rotate-to-done"), 6);
  EXPECT_EQ(CountOf(report->load, "escrow-commit"), 6);
  EXPECT_GT(CountOf(report->load, "checkin"), 34);
  EXPECT_EQ(CountOf(report->load, "policy-change"), 2);  // created, then assigned

  // A burst on the saved fleet: no enrollment, one check-in per device,
  // sessions reused from the file, and the policy changed in place.
  o.checkins_per_device = 1;
  o.rotations = 0;
  auto again = RunFleetSimulation(o);
  ASSERT_TRUE(again.ok()) << again.status();
  std::cerr << again->ToText();
  EXPECT_EQ(again->errors, 0);
  EXPECT_EQ(again->enrolled, 0);
  EXPECT_EQ(CountOf(again->load, "session"), 0);
  EXPECT_EQ(CountOf(again->load, "policy-change"), 1);
  EXPECT_EQ(CountOf(again->load, "checkin"), 34);
  EXPECT_EQ(CountOf(again->load, "checkin-woken"), 6);  // the parked ones, woken
}

TEST_F(FleetSimTest, MeasuresAStaticReference) {
  SimulatorOptions o;
  o.url = lapsd_->base_url();
  o.static_target = "/healthz";
  o.duration = std::chrono::seconds(1);
  auto report = RunFleetSimulation(o);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->errors, 0);
  EXPECT_GT(CountOf(report->load, "static-get"), 0);
}

}  // namespace
}  // namespace openlaps::fleet
