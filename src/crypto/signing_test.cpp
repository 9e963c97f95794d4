#include "crypto/signing.h"

#include <gtest/gtest.h>
