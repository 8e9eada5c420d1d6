// Small formatting helpers for the command line's human-readable output.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace dsim::cli {

std::string with_commas(uint64_t n);             // 1234567 -> "1,234,567"
std::string rate(double per_second);             // "5.23M", "812k", "950"
std::string shell_quote(const std::string& s);   // safe for copy-paste into a shell
// The exact command line that reproduces a run.
std::string reproduce_command(const std::string& scenario_path, uint64_t seed, const std::vector<std::string>& sets);
// Peak resident memory of this process so far, in KiB (getrusage).
long peak_rss_kib();

}  // namespace dsim::cli
