#include "core/policy_settings.h"

#include <gtest/gtest.h>
