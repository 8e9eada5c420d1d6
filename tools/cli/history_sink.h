// `dsim run --history FILE`: the run's client history (every client invoke/ok/fail/info) in
// the dsim format `dsim check-history` reads, written as the run goes through an OutputFile
// (all or nothing: renamed into place only when the run completes). Processes are numbered as
// the `linearizable` invariant numbers them (check::ClientHistory), so `check-history FILE`
// reaches the invariant's verdict and names the same processes.
#pragma once

#include <string>
#include <vector>

#include "sim/check/client_history.h"
#include "sim/trace.h"
#include "tools/cli/output.h"

namespace dsim::cli {

class HistorySink final : public sim::TraceSink {
 public:
  // `names`: the topology's node names. Opens the file (throws InputError when it cannot).
  HistorySink(const std::string& path, std::vector<std::string> names);
  void on_event(const sim::TraceEvent& ev) override;
  // Renames the complete file into place.
  void commit() { file_.commit(); }

 private:
  OutputFile file_;
  check::ClientHistory clients_;
  std::string line_;
};

}  // namespace dsim::cli
