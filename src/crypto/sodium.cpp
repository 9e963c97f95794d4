#include "crypto/sodium.h"
