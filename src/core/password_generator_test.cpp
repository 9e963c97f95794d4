#include "core/password_generator.h"

#include <gtest/gtest.h>
