#include "crypto/csprng.h"
