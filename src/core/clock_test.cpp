#include "core/clock.h"

#include <gtest/gtest.h>
