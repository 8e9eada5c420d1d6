// The three answers a history checker can give. `unknown` is an honest "ran out of budget",
// never a guess.
#pragma once

#include <string>

namespace dsim::check {

enum class Verdict { linearizable, not_linearizable, unknown };

// "linearizable", "not-linearizable", "unknown" (the spelling of the corpus' verdicts.tsv).
std::string to_string(Verdict verdict);

}  // namespace dsim::check
