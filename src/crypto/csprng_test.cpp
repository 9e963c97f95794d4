#include "crypto/csprng.h"

#include <gtest/gtest.h>
