#include "core/effective_policy.h"
