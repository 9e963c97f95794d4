#include "core/rotation_schedule.h"
