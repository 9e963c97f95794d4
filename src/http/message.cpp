#include "http/message.h"
