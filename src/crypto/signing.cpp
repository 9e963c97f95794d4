#include "crypto/signing.h"
