// ASSERT_OK / EXPECT_OK for Status and Result<T>, as in leveldb's testutil.
#ifndef OPENLAPS_TESTING_STATUS_MATCHERS_H_
#define OPENLAPS_TESTING_STATUS_MATCHERS_H_

#include <gtest/gtest.h>

#include "core/status.h"

namespace openlaps::testing {

inline const Status& StatusOf(const Status& s) { return s; }
template <typename T>
const Status& StatusOf(const Result<T>& r) {
  return r.status();
}

}  // namespace openlaps::testing

#define EXPECT_OK(expr) EXPECT_EQ(::openlaps::testing::StatusOf(expr), ::openlaps::Status::Ok())
#define ASSERT_OK(expr) ASSERT_EQ(::openlaps::testing::StatusOf(expr), ::openlaps::Status::Ok())
// ASSERT_OK_AND_ASSIGN(auto v, Compute());
#define ASSERT_OK_AND_ASSIGN(lhs, expr) \
  ASSERT_OK_AND_ASSIGN_IMPL(OPENLAPS_CONCAT(_openlaps_t, __LINE__), lhs, expr)
#define ASSERT_OK_AND_ASSIGN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                              \
  ASSERT_OK(tmp);                                 \
  lhs = std::move(tmp).value()

#endif  // OPENLAPS_TESTING_STATUS_MATCHERS_H_
