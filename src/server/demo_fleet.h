// A demo fleet for a first look at lapsd (`--demo-fleet N`): a device group,
// a LAPS policy assigned to it, a second policy that conflicts on two
// devices, and N Linux devices that have each backed up a real random
// password sealed to the escrow key. Seeds only an empty store.
#ifndef OPENLAPS_SERVER_DEMO_FLEET_H_
#define OPENLAPS_SERVER_DEMO_FLEET_H_

#include "core/clock.h"
#include "core/status.h"
#include "crypto/escrow_box.h"
#include "store/store.h"

namespace openlaps::server {

Status SeedDemoFleet(store::Store& store, const crypto::BoxPublicKey& escrow_key, int devices,
                     const core::Clock& clock);

}  // namespace openlaps::server

#endif  // OPENLAPS_SERVER_DEMO_FLEET_H_
