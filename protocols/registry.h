// Every protocol dsim knows, registered in one place. Adding a protocol: write its
// protocol_spec() (see protocols/pingmesh/register.cc) and list it in registry.cc.
#pragma once

#include "sim/registry.h"

namespace dsim::protocols {
// The registry, built once and immutable afterwards (safe to share between threads).
const sim::Registry& registry();
}  // namespace dsim::protocols
