// Fuzz harness: a scenario file plus --set overrides, validated exactly as `dsim run FILE
// --set k=v ...` does (sim::parse_json_source, then cli::load_document: ConfigSource::apply_set
// for each override and sim::parse_scenario with every registered protocol and the faults
// section). Nothing is run. One property on top: the canonical form a trace header records
// (Scenario::resolved) must load again as `dsim check` loads it, or traces would be unreadable.
//
// Input: the scenario text, then optionally a line "--set" followed by one override per line
// ("duration=50ms", "protocol.bugs=[\"late_reply\"]"). A line "--set" cannot occur in valid
// JSON, so every scenario file is a valid input as it is.
// Rejection (return 0): sim::InputError, the documented error for bad scenarios.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "sim/json_source.h"
#include "tests/fuzz/fuzz_support.h"
#include "protocols/registry.h"
#include "tools/cli/runner.h"

using namespace dsim;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text = fuzz::as_text(data, size);
  std::string_view document = text;
  std::vector<std::string> sets;
  const std::vector<std::string_view> lines = fuzz::lines_of(text);
  for (size_t i = 0; i < lines.size(); ++i) {
    if (lines[i] != "--set") continue;
    document = text.substr(0, static_cast<size_t>(lines[i].data() - text.data()));
    for (size_t k = i + 1; k < lines.size(); ++k) sets.emplace_back(lines[k]);
    break;
  }
  sim::Scenario scenario;
  try {
    scenario = cli::load_document(sim::parse_json_source(document, "fuzz.json"), sets);
  } catch (const sim::InputError&) {
    return 0;
  }
  sim::JsonDocument header;  // as sim::read_trace rebuilds the scenario from a trace header
  header.value = scenario.resolved;
  header.origin = "resolved";
  try {
    (void)scenario.resolved.dump();  // what the trace header holds
    sim::parse_scenario(sim::ConfigSource(std::move(header)), protocols::registry(), cli::sections());
  } catch (const sim::InputError& e) {
    std::fprintf(stderr, "the resolved scenario does not load again: %s\n%s\n", e.what(), scenario.resolved.dump().c_str());
    std::abort();
  }
  return 0;
}
