// Random identifiers for the `guid` fields of store records.
#ifndef OPENLAPS_STORE_GUID_H_
#define OPENLAPS_STORE_GUID_H_

#include <string>
#include <string_view>

namespace openlaps::store {

// An RFC 4122 version 4 UUID from the CSPRNG, lowercase:
// "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx" with y in [89ab]. Thread-safe.
std::string NewGuid();

// A stable UUID named by `name` (the same name, the same UUID): the first
// 16 bytes of BLAKE2b(name) in RFC 9562's version 8 layout. For identifiers
// derived from another, such as a device's directory object id.
std::string GuidFromName(std::string_view name);

}  // namespace openlaps::store

#endif  // OPENLAPS_STORE_GUID_H_
