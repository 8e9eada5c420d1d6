// `dsim replay TRACE`: re-runs the scenario and seed recorded in a trace's header and compares
// the new run with the file event by event; on any difference it names the first divergent
// event in both versions. A trace written by another build is refused unless asked.
#include <cstdio>
#include <fstream>

#include "tools/cli/commands.h"
#include "tools/cli/format.h"
#include "tools/cli/runner.h"

namespace dsim::cli {
namespace {

// Compares each event of the new run with the next line of the recorded trace.
class Comparer final : public sim::TraceSink {
 public:
  Comparer(std::ifstream& in, const sim::Topology& topology) : in_(in), topology_(topology) {}
  void on_event(const sim::TraceEvent& ev) override {
    if (diverged_) return;
    line_.clear();
    sim::format_trace_event(ev, topology_, line_);
    std::string recorded;
    if (!std::getline(in_, recorded) || recorded.rfind("{\"digest\"", 0) == 0 || recorded.find("\"end\":true") != std::string::npos) {
      diverged_ = true;
      recorded_ = "(the recorded trace ends here)";
      replayed_ = line_;
      seq_ = ev.seq;
      return;
    }
    if (recorded != line_) {
      diverged_ = true;
      recorded_ = recorded;
      replayed_ = line_;
      seq_ = ev.seq;
    }
  }
  bool diverged_ = false;
  uint64_t seq_ = 0;
  std::string recorded_, replayed_;

 private:
  std::ifstream& in_;
  const sim::Topology& topology_;
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
      "Exit code: 0 identical, 1 the runs diverge (the first divergent event is printed), 2 bad input.");
  return [file, allow]() -> int {
    std::ifstream in(*file, std::ios::binary);
    if (!in) throw sim::InputError(*file + ": cannot read trace");
    std::string header_line;
    std::getline(in, header_line);
    nlohmann::json header;
    try {
      header = nlohmann::json::parse(header_line);
    } catch (const nlohmann::json::exception&) {
      throw sim::InputError(*file + ":1: not a dsim trace (no header line)");
    }
    if (!header.is_object() || !header.contains("dsim_trace") || !header.contains("scenario") || !header.contains("build"))
      throw sim::InputError(*file + ":1: not a dsim trace (no header line)");
    const std::string build = header.at("build").get<std::string>();
    if (build != build_id()) {
      if (!*allow)
        throw sim::InputError(*file + ": written by build " + build + ", this is build " + build_id() +
                              "; events may legitimately differ (use --allow-other-build to replay anyway)");
      std::fprintf(stderr, "dsim: warning: trace written by build %s, replaying with build %s\n", build.c_str(),
                   build_id().c_str());
    }
    sim::JsonDocument doc;
    doc.value = header.at("scenario");
    doc.origin = *file + ":1 (trace header)";
    const sim::Scenario scenario = load_document(std::move(doc), {});
    const sim::Topology topology = scenario.topology();
    Comparer compare(in, topology);
    RunRequest req;
    req.scenario = &scenario;
    req.extra_sinks.push_back(&compare);
    const RunOutcome out = execute(req);
    if (!compare.diverged_) {
      std::string rest;
      if (std::getline(in, rest) && rest.find("\"end\":true") == std::string::npos) {
        compare.diverged_ = true;
        compare.seq_ = out.stats.trace_records;
        compare.recorded_ = rest;
        compare.replayed_ = "(the replayed run ends here)";
      } else if (!rest.empty()) {
        const auto footer = nlohmann::json::parse(rest, nullptr, false);
        if (!footer.is_discarded() && footer.value("digest", "") != out.digest)
          std::printf("note: digest %s differs from the recorded %s\n", out.digest.c_str(),
                      footer.value("digest", "").c_str());
      }
    }
    if (compare.diverged_) {
      std::printf("DIVERGED at trace event #%llu (scenario %s, seed %llu)\n", static_cast<unsigned long long>(compare.seq_),
                  scenario.name.c_str(), static_cast<unsigned long long>(scenario.seed));
      std::printf("  recorded: %s\n  replayed: %s\n", compare.recorded_.c_str(), compare.replayed_.c_str());
      return 1;
    }
    std::printf("replay: identical (%s events, digest %s)\n", with_commas(out.stats.trace_records).c_str(), out.digest.c_str());
    return 0;
  };
}

}  // namespace dsim::cli
