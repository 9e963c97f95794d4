#include "core/status.h"

#include <gtest/gtest.h>
