#include "core/policy_json.h"
