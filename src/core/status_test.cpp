#include "core/status.h"

#include <gtest/gtest.h>

#include <memory>
#include <sstream>
#include <string>
#include <utility>

#include "testing/status_matchers.h"

namespace openlaps {
namespace {

TEST(StatusTest, DefaultIsOk) {
  const Status status;
  EXPECT_TRUE(status.ok());
  EXPECT_EQ(status.code(), StatusCode::kOk);
  EXPECT_EQ(status.message(), "");
  EXPECT_EQ(status.ToString(), "OK");
  EXPECT_EQ(Status::Ok(), status);
}

TEST(StatusTest, CarriesCodeAndMessage) {
  const Status status = NotFoundError("device 42 not found");
  EXPECT_FALSE(status.ok());
  EXPECT_EQ(status.code(), StatusCode::kNotFound);
  EXPECT_EQ(status.message(), "device 42 not found");
  EXPECT_EQ(status.ToString(), "NOT_FOUND: device 42 not found");
}

TEST(StatusTest, StreamsItsString) {
  std::ostringstream out;
  out << PermissionDeniedError("no Read.All") << "|" << Status::Ok();
  EXPECT_EQ(out.str(), "PERMISSION_DENIED: no Read.All|OK");
}

TEST(StatusTest, EachHelperMakesItsCodeAndPredicate) {
  struct Case {
    Status status;
    StatusCode code;
    std::string_view name;
    bool (Status::*predicate)() const;
  };
  const Case cases[] = {
      {InvalidArgumentError("m"), StatusCode::kInvalidArgument, "INVALID_ARGUMENT",
       &Status::IsInvalidArgument},
      {NotFoundError("m"), StatusCode::kNotFound, "NOT_FOUND", &Status::IsNotFound},
      {AlreadyExistsError("m"), StatusCode::kAlreadyExists, "ALREADY_EXISTS",
       &Status::IsAlreadyExists},
      {PermissionDeniedError("m"), StatusCode::kPermissionDenied, "PERMISSION_DENIED",
       &Status::IsPermissionDenied},
      {UnauthenticatedError("m"), StatusCode::kUnauthenticated, "UNAUTHENTICATED",
       &Status::IsUnauthenticated},
      {FailedPreconditionError("m"), StatusCode::kFailedPrecondition, "FAILED_PRECONDITION",
       &Status::IsFailedPrecondition},
      {UnavailableError("m"), StatusCode::kUnavailable, "UNAVAILABLE", &Status::IsUnavailable},
      {InternalError("m"), StatusCode::kInternal, "INTERNAL", nullptr},
      {DataLossError("m"), StatusCode::kDataLoss, "DATA_LOSS", nullptr},
  };
  bool (Status::*const all_predicates[])() const = {
      &Status::IsInvalidArgument,  &Status::IsNotFound,        &Status::IsAlreadyExists,
      &Status::IsPermissionDenied, &Status::IsUnauthenticated, &Status::IsFailedPrecondition,
      &Status::IsUnavailable};
  for (const Case& c : cases) {
    SCOPED_TRACE(std::string(c.name));
    EXPECT_EQ(c.status.code(), c.code);
    EXPECT_FALSE(c.status.ok());
    EXPECT_EQ(StatusCodeName(c.code), c.name);
    EXPECT_EQ(c.status.ToString(), std::string(c.name) + ": m");
    // Exactly the matching predicate is true.
    for (auto predicate : all_predicates) {
      EXPECT_EQ((c.status.*predicate)(), predicate == c.predicate);
    }
  }
}

TEST(StatusTest, EveryCodeHasAName) {
  EXPECT_EQ(StatusCodeName(StatusCode::kOk), "OK");
  EXPECT_EQ(StatusCodeName(StatusCode::kAborted), "ABORTED");
  EXPECT_EQ(StatusCodeName(StatusCode::kResourceExhausted), "RESOURCE_EXHAUSTED");
  EXPECT_EQ(StatusCodeName(StatusCode::kDeadlineExceeded), "DEADLINE_EXCEEDED");
  EXPECT_EQ(StatusCodeName(StatusCode::kUnimplemented), "UNIMPLEMENTED");
}

TEST(StatusTest, EqualityComparesCodeAndMessage) {
  EXPECT_EQ(NotFoundError("a"), NotFoundError("a"));
  EXPECT_NE(NotFoundError("a"), NotFoundError("b"));
  EXPECT_NE(NotFoundError("a"), InternalError("a"));
  EXPECT_NE(NotFoundError(""), Status::Ok());
}

TEST(ResultTest, HoldsAValue) {
  Result<int> result = 42;
  EXPECT_TRUE(result.ok());
  EXPECT_TRUE(static_cast<bool>(result));
  EXPECT_EQ(result.value(), 42);
  EXPECT_EQ(*result, 42);
  EXPECT_TRUE(result.status().ok());
  *result = 7;
  EXPECT_EQ(result.value(), 7);
}

TEST(ResultTest, HoldsAnError) {
  Result<int> result = NotFoundError("nope");
  EXPECT_FALSE(result.ok());
  EXPECT_FALSE(static_cast<bool>(result));
  EXPECT_EQ(result.status(), NotFoundError("nope"));
}

TEST(ResultTest, ArrowAndMoveOnlyValues) {
  Result<std::string> text = std::string("abc");
  EXPECT_EQ(text->size(), 3u);

  Result<std::unique_ptr<int>> owned = std::make_unique<int>(5);
  ASSERT_TRUE(owned.ok());
  std::unique_ptr<int> taken = std::move(owned).value();
  ASSERT_NE(taken, nullptr);
  EXPECT_EQ(*taken, 5);
}

Status FailIf(bool fail) { return fail ? InvalidArgumentError("bad") : Status::Ok(); }

Result<int> Half(int n) {
  if (n % 2 != 0) return InvalidArgumentError("odd");
  return n / 2;
}

Status Chain(bool fail, int* reached) {
  OPENLAPS_RETURN_IF_ERROR(FailIf(fail));
  *reached = 1;
  return Status::Ok();
}

Result<int> Quarter(int n) {
  OPENLAPS_ASSIGN_OR_RETURN(int half, Half(n));
  OPENLAPS_ASSIGN_OR_RETURN(int quarter, Half(half));
  return quarter;
}

TEST(StatusMacrosTest, ReturnIfErrorStopsOnError) {
  int reached = 0;
  EXPECT_EQ(Chain(true, &reached), InvalidArgumentError("bad"));
  EXPECT_EQ(reached, 0);
  EXPECT_OK(Chain(false, &reached));
  EXPECT_EQ(reached, 1);
}

TEST(StatusMacrosTest, AssignOrReturnPropagatesOrAssigns) {
  ASSERT_OK_AND_ASSIGN(int quarter, Quarter(12));
  EXPECT_EQ(quarter, 3);
  EXPECT_EQ(Quarter(6).status(), InvalidArgumentError("odd"));  // 6 -> 3 is odd
  EXPECT_EQ(Quarter(5).status(), InvalidArgumentError("odd"));
}

}  // namespace
}  // namespace openlaps
