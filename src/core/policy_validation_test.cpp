#include "core/policy_validation.h"

#include <gtest/gtest.h>
