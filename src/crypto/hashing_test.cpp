#include "crypto/hashing.h"

#include <gtest/gtest.h>
