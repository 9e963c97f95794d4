#include "core/password_generator.h"
