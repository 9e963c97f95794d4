#include "core/secret.h"

#include <gtest/gtest.h>
