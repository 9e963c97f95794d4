#include "os/os_error.h"

#include <gtest/gtest.h>

#include <cerrno>

namespace openlaps::os {
namespace {

TEST(PosixErrorTest, NamesTheContextAndTheSystemsText) {
  Status status = PosixError("open /x", ENOENT);
  EXPECT_EQ(status.code(), StatusCode::kNotFound);
  EXPECT_EQ(status.message(), "open /x: No such file or directory");
}

TEST(PosixErrorTest, CodesTellTheCallerWhatToDo) {
  EXPECT_EQ(PosixError("x", EACCES).code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(PosixError("x", EPERM).code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(PosixError("x", EEXIST).code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(PosixError("x", ENOSPC).code(), StatusCode::kUnavailable);
  EXPECT_EQ(PosixError("x", EMFILE).code(), StatusCode::kUnavailable);
  EXPECT_EQ(PosixError("x", EIO).code(), StatusCode::kInternal);
}

}  // namespace
}  // namespace openlaps::os
