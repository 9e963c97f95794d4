#include "crypto/encoding.h"

#include <gtest/gtest.h>
