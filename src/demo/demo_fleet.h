// A demo fleet for a first look at lapsd (`--demo-fleet N`): a device group,
// a LAPS policy assigned to it, a second policy that conflicts on two
// devices, and N Linux devices that have each backed up a real random
// password sealed to the escrow key. Seeds only an empty store; returns how
// many devices it seeded (0 when the store already had some).
#ifndef OPENLAPS_DEMO_DEMO_FLEET_H_
#define OPENLAPS_DEMO_DEMO_FLEET_H_

#include "core/clock.h"
#include "core/status.h"
#include "crypto/escrow_box.h"
#include "store/store.h"

namespace openlaps::demo {

Result<int> SeedDemoFleet(store::Store& store, const crypto::BoxPublicKey& escrow_key, int devices,
                          const core::Clock& clock);

}  // namespace openlaps::demo

#endif  // OPENLAPS_DEMO_DEMO_FLEET_H_
