#include "http/message.h"

#include <gtest/gtest.h>
