// What lapsd sets up in the store before serving: the built-in roles,
// brought up to date on every start, and on the very first start (no
// administrator yet) one administrator with a random password, handed over
// in config.initial_admin_file (mode 0600) so it never passes through a log.
#ifndef OPENLAPS_SERVER_FIRST_START_H_
#define OPENLAPS_SERVER_FIRST_START_H_

#include "core/status.h"
#include "server/server_context.h"

namespace openlaps::server {

Status SeedRolesAndFirstAdmin(ServerContext& context);

}  // namespace openlaps::server

#endif  // OPENLAPS_SERVER_FIRST_START_H_
