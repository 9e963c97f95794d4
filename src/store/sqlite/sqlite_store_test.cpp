#include "store/sqlite/sqlite_store.h"

#include <gtest/gtest.h>
