#include "server/failure_coalescer.h"

#include <gtest/gtest.h>

#include <chrono>

namespace openlaps::server {
namespace {

core::Timestamp T(std::int64_t seconds) { return core::Timestamp(std::chrono::seconds(seconds)); }

store::AuditEvent Failure(const std::string& source, const std::string& activity) {
  store::AuditEvent event;
  event.actor_type = "anonymous";
  event.actor_name = source;
  event.activity = activity;
  event.target_id = "device-guid";
  return event;
}

TEST(FailureCoalescerTest, WritesTheFirstAtOnceAndCountsTheRestUntilTheIntervalEnds) {
  FailureCoalescer coalescer(std::chrono::seconds(60), 100);
  EXPECT_TRUE(coalescer.Record("a", Failure("10.0.0.1", "Sign in"), T(100)));
  for (int i = 0; i < 999; ++i) {
    EXPECT_FALSE(coalescer.Record("a", Failure("10.0.0.1", "Sign in"), T(100 + i % 50)));
  }
  EXPECT_TRUE(coalescer.TakeDue(T(159)).empty());  // the interval is still open
  std::vector<FailureCoalescer::Summary> due = coalescer.TakeDue(T(160));
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].count, 999);
  EXPECT_EQ(due[0].first, T(100));
  EXPECT_EQ(due[0].last, T(100 + 998 % 50));  // the last one recorded
  EXPECT_EQ(due[0].event.actor_name, "10.0.0.1");
  EXPECT_EQ(coalescer.tracked(), 0u);
  // A new interval starts with a row of its own.
  EXPECT_TRUE(coalescer.Record("a", Failure("10.0.0.1", "Sign in"), T(161)));
}

TEST(FailureCoalescerTest, KeysAreCountedApart) {
  FailureCoalescer coalescer(std::chrono::seconds(60), 100);
  EXPECT_TRUE(coalescer.Record("a", Failure("10.0.0.1", "Sign in"), T(0)));
  EXPECT_TRUE(coalescer.Record("b", Failure("10.0.0.2", "Sign in"), T(0)));
  EXPECT_FALSE(coalescer.Record("a", Failure("10.0.0.1", "Sign in"), T(1)));
  EXPECT_FALSE(coalescer.Record("b", Failure("10.0.0.2", "Sign in"), T(1)));
  EXPECT_FALSE(coalescer.Record("b", Failure("10.0.0.2", "Sign in"), T(2)));
  std::vector<FailureCoalescer::Summary> all = coalescer.TakeAll();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].count + all[1].count, 3);
}

TEST(FailureCoalescerTest, AQuietIntervalLeavesNothingToWrite) {
  FailureCoalescer coalescer(std::chrono::seconds(60), 100);
  EXPECT_TRUE(coalescer.Record("a", Failure("10.0.0.1", "Sign in"), T(0)));
  EXPECT_TRUE(coalescer.TakeDue(T(60)).empty());
  EXPECT_EQ(coalescer.tracked(), 0u);
  EXPECT_TRUE(coalescer.TakeAll().empty());
}

TEST(FailureCoalescerTest, MemoryStaysBoundedWhateverTheSourcesVary) {
  FailureCoalescer coalescer(std::chrono::seconds(60), 10);
  int written = 0;
  for (int i = 0; i < 10000; ++i) {
    if (coalescer.Record("source-" + std::to_string(i), Failure(std::to_string(i), "Enroll"),
                         T(0))) {
      ++written;
    }
  }
  EXPECT_EQ(coalescer.tracked(), 11u);  // the cap and one overflow key
  EXPECT_EQ(written, 11);
  std::vector<FailureCoalescer::Summary> all = coalescer.TakeAll();
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].count, 10000 - 11);
  EXPECT_EQ(all[0].event.actor_name, FailureCoalescer::kOverflowSource);
  EXPECT_EQ(all[0].event.target_id, "");
}

}  // namespace
}  // namespace openlaps::server
