// Fuzz harness: a trace file read back as `dsim check TRACE` reads it: sim::read_trace with
// every registered protocol and the faults section, the scenario's invariants built from the
// header and fed every event, then finished at the recorded end time.
//
// Input: the trace file's bytes (JSON Lines: header, events, end record). read_trace takes a
// path, so the input goes through a memfd (fuzz_support.h).
// Rejection (return 0): sim::InputError, the documented error for unreadable, truncated or
// garbled traces. Known bugs skipped (fuzz_support.h): numbers beyond a double, floats in
// integer fields, times near the int64 limits.
#include <memory>

#include "protocols/registry.h"
#include "sim/invariant.h"
#include "sim/jsonl.h"
#include "tests/fuzz/fuzz_support.h"
#include "tools/cli/runner.h"

using namespace dsim;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static fuzz::InputFile file;
  const std::string_view text = fuzz::as_text(data, size);
  // Kept alive as in tools/cli/check.cc: the invariants point into the scenario and topology.
  std::unique_ptr<sim::Scenario> scenario;
  std::unique_ptr<sim::Topology> topology;
  std::unique_ptr<sim::InvariantSet> invariants;
  try {
    const sim::TraceReadResult read = sim::read_trace(
        file.write(text), protocols::registry(), cli::sections(),
        [&](const sim::Scenario& s) {
          scenario = std::make_unique<sim::Scenario>(s);
          topology = std::make_unique<sim::Topology>(s.topology());
          invariants = std::make_unique<sim::InvariantSet>(*topology);
          cli::add_invariants(*scenario, *invariants);
        },
        [&](const sim::TraceEvent& ev) { invariants->on_event(ev); });
    invariants->finish(sim::Time::from_ns(read.footer.end_ns));
    (void)invariants->results();
  } catch (const sim::InputError&) {
  }
  return 0;
}
