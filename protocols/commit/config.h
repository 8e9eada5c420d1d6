// A commit protocol node's configuration: the base timeout, the workload's no-vote probability
// (participants draw it) and the protocol's known-bug switches; config_params() declares the
// one protocol parameter, `timeout`, with the help text of the protocol that uses it.
#pragma once

#include <string>

#include "sim/declare.h"
#include "sim/time.h"

namespace dsim::commit {

template <class Bugs>
struct Config {
  sim::Duration timeout = sim::Duration::millis(100);
  double vote_no = 0;  // the workload's (commit::Workload::vote_no), set by the node factory
  Bugs bugs;
};

template <class Bugs>
sim::ParamTable<Config<Bugs>> config_params(std::string timeout_help) {
  return {sim::param("timeout", &Config<Bugs>::timeout, std::move(timeout_help))};
}

}  // namespace dsim::commit
