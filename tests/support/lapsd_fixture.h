// What most tests against a real lapsd start from: a lapsd on a fresh data
// directory and a session of its first administrator. Needs LAPSD_PATH (the
// test targets define it).
#ifndef OPENLAPS_TESTS_SUPPORT_LAPSD_FIXTURE_H_
#define OPENLAPS_TESTS_SUPPORT_LAPSD_FIXTURE_H_

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>

#include "crypto/csprng.h"
#include "support/lapsd_process.h"

namespace openlaps::testing {

class LapsdFixture : public ::testing::Test {
 protected:
  // A fatal failure when lapsd does not start or the sign-in fails: callers
  // check HasFatalFailure() before going on.
  void StartLapsdWithRoot(const std::string& prefix) {
    data_dir_ =
        std::filesystem::path(::testing::TempDir()) / (prefix + "-" + crypto::RandomToken(6));
    std::filesystem::create_directories(data_dir_);
    lapsd_ = std::make_unique<LapsdProcess>(LAPSD_PATH, data_dir_);
    ASSERT_TRUE(lapsd_->Start().ok()) << lapsd_->Log();
    auto root = AdminSession::LoginInitial(lapsd_->base_url(), data_dir_);
    ASSERT_TRUE(root.ok()) << root.status();
    root_ = std::move(root).value();
  }
  void TearDown() override {
    if (lapsd_) lapsd_->Stop();
    if (!data_dir_.empty()) std::filesystem::remove_all(data_dir_);
  }

  std::filesystem::path data_dir_;
  std::unique_ptr<LapsdProcess> lapsd_;
  std::unique_ptr<AdminSession> root_;
};

}  // namespace openlaps::testing

#endif  // OPENLAPS_TESTS_SUPPORT_LAPSD_FIXTURE_H_
