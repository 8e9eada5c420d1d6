#include "tools/cli/history_sink.h"

namespace dsim::cli {

HistorySink::HistorySink(const std::string& path, std::vector<std::string> names)
    : file_(path), clients_(std::move(names)) {}

void HistorySink::on_event(const sim::TraceEvent& ev) {
  const auto e = clients_.on_event(ev);
  if (!e) return;
  line_ = check::to_dsim_line(*e);
  line_ += '\n';
  file_.write(line_);
}

}  // namespace dsim::cli
