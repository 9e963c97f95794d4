#include "core/secret.h"
