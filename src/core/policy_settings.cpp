#include "core/policy_settings.h"
