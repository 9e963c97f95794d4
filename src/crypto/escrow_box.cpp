#include "crypto/escrow_box.h"
