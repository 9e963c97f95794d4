#include "core/policy_validation.h"
