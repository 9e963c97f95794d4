// Random identifiers for the `guid` fields of store records.
#ifndef OPENLAPS_STORE_GUID_H_
#define OPENLAPS_STORE_GUID_H_

#include <string>

namespace openlaps::store {

// An RFC 4122 version 4 UUID from the CSPRNG, lowercase:
// "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx" with y in [89ab]. Thread-safe.
std::string NewGuid();

}  // namespace openlaps::store

#endif  // OPENLAPS_STORE_GUID_H_
