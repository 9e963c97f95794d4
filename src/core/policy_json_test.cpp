#include "core/policy_json.h"

#include <gtest/gtest.h>
