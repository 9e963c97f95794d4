#include "core/clock.h"
