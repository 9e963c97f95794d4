#include "crypto/hashing.h"
