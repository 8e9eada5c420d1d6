// 2PC's parameters and the node configuration built from them.
#pragma once

#include "protocols/commit/config.h"
#include "protocols/twopc/bugs.h"

namespace dsim::twopc {

// One base timeout drives every wait: the coordinator's wait for votes, a working
// participant's wait for the vote request (twice it), a prepared participant's wait for the
// decision before it asks (then backing off to 8x), and the coordinator's resend interval.
using Config = commit::Config<Bugs>;

}  // namespace dsim::twopc
