// The `dsim` subcommands. Each add_* registers its options on the CLI11 app and returns a
// function that runs it, returning the process exit code (0 as expected, 1 an unexpected
// violation, 2 bad input; InputError is turned into exit 2 by main; check-history also 3 unknown).
#pragma once

#include <functional>

#include <CLI/CLI.hpp>

namespace dsim::cli {

using Command = std::function<int()>;
Command add_run(CLI::App& app);
Command add_check(CLI::App& app);
Command add_check_history(CLI::App& app);
Command add_list(CLI::App& app);
Command add_bench(CLI::App& app);
Command add_sweep(CLI::App& app);
Command add_replay(CLI::App& app);
Command add_shrink(CLI::App& app);
Command add_test(CLI::App& app);
Command add_log(CLI::App& app);
Command add_state(CLI::App& app);
Command add_step(CLI::App& app);
Command add_view(CLI::App& app);
Command add_export(CLI::App& app);

}  // namespace dsim::cli
