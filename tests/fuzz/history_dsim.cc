// Fuzz harness: check::parse_dsim_history, dsim's JSON Lines history format
// (`dsim check-history FILE`, `--format dsim`), then the linearizability check with every
// model (history_check.h).
//
// Input: the history file's bytes.
// Rejection (return 0): check::HistoryError (malformed line, impossible event order) and
// check::ModelError (an operation a model cannot read). Known bug skipped (fuzz_support.h):
// numbers beyond a double.
#include <sstream>
#include <string>

#include "tests/fuzz/fuzz_support.h"
#include "tests/fuzz/history_check.h"

using namespace dsim;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text = fuzz::as_text(data, size);
  std::istringstream in{std::string(text)};
  check::History history;
  try {
    history = check::parse_dsim_history(in);
  } catch (const check::HistoryError&) {
    return 0;
  }
  fuzz::check_with_every_model(history);
  return 0;
}
