// <boost/asio/awaitable.hpp> for Boost 1.74, which uses std::exchange without
// including <utility>. Include this instead of the Boost header directly.
#ifndef OPENLAPS_HTTP_DETAIL_AWAITABLE_H_
#define OPENLAPS_HTTP_DETAIL_AWAITABLE_H_

// clang-format off
#include <utility>
#include <boost/asio/awaitable.hpp>
// clang-format on

#endif  // OPENLAPS_HTTP_DETAIL_AWAITABLE_H_
