// `dsim view`: a recorded run as one self-contained HTML page, a space-time diagram with the
// checkers' verdicts, the nodes' states and the client history (tools/view/ holds the page's
// HTML, CSS and JavaScript, embedded into the binary at build time).
//
// The page carries the run in three compressed blocks (raw DEFLATE, base64 in <script>
// elements, inflated by the browser's DecompressionStream), so that a million events fit in
// about 30 bytes each and the page draws before it has read every detail:
//   - columns: every event's kind, node, peer, name, time and the send it belongs to, read
//     at load (what the diagram needs);
//   - chunks of kViewChunk events: each event's text and the node states at the chunk's
//     start with the changes inside it, inflated when the view first needs them;
//   - the client history (operations, and for a linearizability violation the
//     counterexample), inflated when its panel opens.
// The page's format is internal to one dsim binary (the page and its data are written
// together): nothing else reads it.
#pragma once

#include <cstddef>
#include <string>

#include "tools/cli/trace_text.h"

namespace dsim::cli {

inline constexpr size_t kViewChunk = 4096;

struct ViewPageStats {
  size_t events = 0;
  size_t bytes = 0;          // of the whole page
  size_t column_bytes = 0;   // compressed, before base64
  size_t chunk_bytes = 0;
  size_t history_bytes = 0;
  size_t operations = 0;     // client operations in the history panel
};

// The page for `trace`. `title` heads it (default: the scenario's name and seed).
std::string view_page(const LoadedTrace& trace, const std::string& title = "", ViewPageStats* stats = nullptr);

// "view: run.html (33237 events, 1.2 MB, 36.1 bytes per event)", for stderr.
std::string view_summary(const std::string& path, const ViewPageStats& stats);

}  // namespace dsim::cli
