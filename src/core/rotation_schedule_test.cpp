#include "core/rotation_schedule.h"

#include <gtest/gtest.h>
