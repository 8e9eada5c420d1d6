// Fuzz harness: check::parse_porcupine_kv, Porcupine's key-value EDN histories
// (`dsim check-history FILE --format porcupine`), then the linearizability check with every
// model (history_check.h).
//
// Input: the history file's bytes.
// Rejection (return 0): check::HistoryError (malformed line, impossible event order) and
// check::ModelError (an operation a model cannot read). Known bugs skipped (fuzz_support.h):
// integers beyond int64, strings that are not UTF-8.
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
    history = check::parse_porcupine_kv(in);
  } catch (const check::HistoryError&) {
    return 0;
  }
  fuzz::check_with_every_model(history);
  return 0;
}
