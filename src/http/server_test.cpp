#include "http/server.h"

#include <gtest/gtest.h>
