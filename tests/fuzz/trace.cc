// Fuzz harness: a trace file read back as `dsim check TRACE` reads it (sim::read_trace with
// every registered protocol and the faults section, the scenario's invariants built from the
// header and fed every event, then finished at the recorded end time), then shown as `dsim
// log`, `dsim state` and `dsim step` show it (state records included).
//
// Input: the trace file's bytes (JSON Lines: header, events, end record). read_trace takes a
// path, so the input goes through a memfd (fuzz_support.h).
// Rejection (return 0): sim::InputError, the documented error for unreadable, truncated or
// garbled traces.
#include <memory>

#include "protocols/registry.h"
#include "sim/invariant.h"
#include "sim/jsonl.h"
#include "tests/fuzz/fuzz_support.h"
#include "tools/cli/runner.h"
#include "tools/cli/trace_text.h"

using namespace dsim;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static fuzz::InputFile file;
  const std::string_view text = fuzz::as_text(data, size);
  try {
    // What `dsim check` does (cli::load_trace reads the trace and runs its invariants as
    // tools/cli/check.cc does), then what `dsim log`, `dsim state` and `dsim step` do with an
    // accepted trace: every event as text, the state records folded, the states printed.
    const cli::LoadedTrace t = cli::load_trace(file.write(text));
    cli::StateFold fold(t);
    for (size_t i = 0; i < t.events.size(); ++i) {
      (void)cli::event_text(t, t.events[i]);
      fold.advance_to(i);
      (void)cli::change_lines(t, fold, i);
      (void)cli::handler_end(t, i);
    }
    fold.advance_to(t.events.size());
    static std::FILE* sink = std::fopen("/dev/null", "w");
    cli::print_states(sink, t, fold, sim::Time::from_ns(t.read.footer.end_ns), cli::TimeUnit::ms);
  } catch (const sim::InputError&) {
  }
  return 0;
}
