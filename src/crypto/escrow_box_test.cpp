#include "crypto/escrow_box.h"

#include <gtest/gtest.h>
