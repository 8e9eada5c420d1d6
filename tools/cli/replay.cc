// `dsim replay TRACE`: re-runs the scenario and seed recorded in a trace's header and compares
// the new run with the file event by event; on any difference it names the first divergent
// event in both versions and stops the run there. The file is validated in full first (header,
// sequence numbers, times, end record and its digest), so a garbled, truncated or edited trace
// is bad input (exit 2), never reported as a divergence. A trace written by another build is
// refused unless asked.
#include <cstdio>
#include <fstream>

#include "protocols/registry.h"
#include "sim/jsonl.h"
#include "sim/printable.h"
#include "tools/cli/commands.h"
#include "tools/cli/format.h"
#include "tools/cli/runner.h"

namespace dsim::cli {
namespace {

// Thrown by the Comparer to end the run at the first difference.
struct Diverged {};

// Compares each event of the new run with the next line of the recorded trace.
class Comparer final : public sim::TraceSink {
 public:
  Comparer(std::ifstream& in, const sim::Topology& topology, uint64_t recorded)
      : in_(in), topology_(topology), recorded_events_(recorded) {}
  void on_event(const sim::TraceEvent& ev) override {
    line_.clear();
    sim::format_trace_event(ev, topology_, line_);
    std::string recorded;
    // State records are for people, not events (see sim/trace.h): compare events only.
    bool more = compared_ < recorded_events_;
    while (more && (more = static_cast<bool>(std::getline(in_, recorded))) && recorded.starts_with("{\"ev\":\"state\"")) {
    }
    if (!more) {
      diverge(ev.seq, "(the recorded trace ends here)", line_);
    }
    ++compared_;
    if (recorded != line_) diverge(ev.seq, recorded, line_);
  }
  [[noreturn]] void diverge(uint64_t seq, std::string recorded, std::string replayed) {
    seq_ = seq;
    recorded_ = std::move(recorded);
    replayed_ = std::move(replayed);
    throw Diverged{};
  }
  uint64_t compared_ = 0;
  uint64_t seq_ = 0;
  std::string recorded_, replayed_;

 private:
  std::ifstream& in_;
  const sim::Topology& topology_;
  uint64_t recorded_events_;
  std::string line_;
};

}  // namespace

Command add_replay(CLI::App& app) {
  auto file = std::make_shared<std::string>();
  auto allow = std::make_shared<bool>(false);
  CLI::App* cmd = app.add_subcommand("replay", "Re-run a trace's scenario and seed and compare event by event");
  cmd->add_option("trace", *file, "trace written by 'dsim run --trace'")->required();
  cmd->add_flag("--allow-other-build", *allow, "replay a trace written by another build (with a warning)");
  cmd->footer(
      "Examples:\n"
      "  dsim run scenarios/pingmesh/nemesis.json --trace /tmp/run.jsonl && dsim replay /tmp/run.jsonl\n"
      "Exit code: 0 identical, 1 the runs diverge (the first divergent event is printed), 2 bad input\n"
      "(unreadable, truncated, garbled or edited trace: the file is validated in full before replaying).");
  return [file, allow]() -> int {
    // 1. The whole file, strictly: a bad trace is bad input, not a divergence.
    const sim::TraceReadResult read =
        sim::read_trace(*file, protocols::registry(), sections(), [](const sim::Scenario&) {}, [](const sim::TraceEvent&) {});
    const std::string& build = read.header.build;
    if (build != build_id()) {
      if (!*allow)
        throw sim::InputError(*file + ": written by build " + sim::printable(build, 40) + ", this is build " + build_id() +
                              "; events may legitimately differ (use --allow-other-build to replay anyway)");
      std::fprintf(stderr, "dsim: warning: trace written by build %s, replaying with build %s\n",
                   sim::printable(build, 40).c_str(), build_id().c_str());
    }
    // 2. The same run again, compared line by line; it stops at the first difference.
    sim::JsonDocument doc;
    doc.value = read.header.scenario;
    doc.origin = *file + ":1 (trace header)";
    const sim::Scenario scenario = load_document(std::move(doc), {});
    const sim::Topology topology = scenario.topology();
    std::ifstream in(*file, std::ios::binary);
    std::string header_line;
    if (!in || !std::getline(in, header_line)) throw sim::InputError(*file + ": cannot read trace");
    Comparer compare(in, topology, read.footer.records);
    RunRequest req;
    req.scenario = &scenario;
    req.extra_sinks.push_back(&compare);
    bool diverged = false;
    RunOutcome out;
    try {
      out = execute(req);
    } catch (const Diverged&) {
      diverged = true;
    }
    if (!diverged && compare.compared_ < read.footer.records) {
      std::string rest;
      std::getline(in, rest);
      diverged = true;
      compare.seq_ = compare.compared_;
      compare.recorded_ = rest;
      compare.replayed_ = "(the replayed run ends here)";
    }
    if (diverged) {
      std::printf("DIVERGED at trace event #%llu (scenario %s, seed %llu)\n", static_cast<unsigned long long>(compare.seq_),
                  scenario.name.c_str(), static_cast<unsigned long long>(scenario.seed));
      std::printf("  recorded: %s\n  replayed: %s\n", compare.recorded_.c_str(), compare.replayed_.c_str());
      return 1;
    }
    if (!read.footer.digest.empty() && read.footer.digest != out.digest) {
      // Every event matched, so the end record alone differs: it was not written by this run.
      std::printf("DIVERGED at the end record: the recorded digest %s, the replayed run's %s\n",
                  read.footer.digest.c_str(), out.digest.c_str());
      return 1;
    }
    std::printf("replay: identical (%s events, digest %s)\n", with_commas(out.stats.trace_records).c_str(), out.digest.c_str());
    return 0;
  };
}

}  // namespace dsim::cli
