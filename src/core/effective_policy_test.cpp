#include "core/effective_policy.h"

#include <gtest/gtest.h>
