// dsim: the command line. Parses arguments, dispatches to a subcommand, and turns user-input
// errors into one line on stderr with exit code 2.
#include <cstdio>
#include <map>

#include "sim/json_source.h"
#include "sim/printable.h"
#include "tools/cli/commands.h"
#include "tools/cli/signals.h"

namespace {

// Every error line passes through here: control characters escaped, length bounded, so a
// hostile value echoed in a message can neither break the one-line promise nor flood.
int input_error(const std::string& what) {
  std::fprintf(stderr, "dsim: %s\n", dsim::sim::printable(what, 2000).c_str());
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  dsim::cli::install_signal_handlers();
  CLI::App app{"dsim: a deterministic simulator for distributed systems.\n"
               "Runs protocols (pingmesh, ...) over a simulated network, records a trace, and checks invariants."};
  app.require_subcommand(1);
  app.footer("Examples:\n"
             "  dsim run scenarios/pingmesh/basic.json\n"
             "  dsim run scenarios/pingmesh/basic.json --seed 7 --trace out.jsonl --set nodes=20\n"
             "  dsim check out.jsonl\n"
             "  dsim log out.jsonl --story\n"
             "  dsim state out.jsonl --at 2.5s\n"
             "  dsim view out.jsonl -o run.html\n"
             "  dsim export out.jsonl --format perfetto -o out.json\n"
             "  dsim check-history history.jsonl --model kv\n"
             "  dsim list\n"
             "  dsim bench pingmesh --nodes 1000 --duration 10s\n"
             "  dsim sweep scenarios/pingmesh/nemesis.json --seeds 1:1000\n"
             "  dsim shrink scenarios/teaching/byzantine-pingmesh.json --seed 1\n"
             "  dsim test scenarios/ --seeds 5 --junit results.xml\n"
             "Run 'dsim <command> --help' for a command's options.");
  std::map<std::string, dsim::cli::Command> commands{
      {"run", dsim::cli::add_run(app)},
      {"check", dsim::cli::add_check(app)},
      {"check-history", dsim::cli::add_check_history(app)},
      {"list", dsim::cli::add_list(app)},
      {"bench", dsim::cli::add_bench(app)},
      {"sweep", dsim::cli::add_sweep(app)},
      {"replay", dsim::cli::add_replay(app)},
      {"shrink", dsim::cli::add_shrink(app)},
      {"test", dsim::cli::add_test(app)},
      {"log", dsim::cli::add_log(app)},
      {"state", dsim::cli::add_state(app)},
      {"step", dsim::cli::add_step(app)},
      {"view", dsim::cli::add_view(app)},
      {"export", dsim::cli::add_export(app)},
  };
  // The first word that is not an option must be a command; name it if it is not one.
  if (argc >= 2 && argv[1][0] != '-' && !commands.count(argv[1])) {
    std::string known;
    for (const auto& [name, cmd] : commands) known += (known.empty() ? "" : ", ") + name;
    return input_error("unknown command \"" + dsim::sim::printable(argv[1], 40) + "\" (commands: " + known +
                       "; see 'dsim --help')");
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    const std::string sub = app.get_subcommands().empty() ? "" : " " + app.get_subcommands()[0]->get_name();
    return input_error(std::string(e.what()) + " (see 'dsim" + sub + " --help')");
  } catch (const dsim::sim::InputError& e) {  // a strict option value (tools/cli/args.h)
    return input_error(e.what());
  }
  try {
    for (CLI::App* sub : app.get_subcommands()) return commands.at(sub->get_name())();
  } catch (const dsim::sim::InputError& e) {
    return input_error(e.what());
  } catch (const std::bad_alloc&) {
    return input_error("out of memory (is the input far larger than expected?)");
  } catch (const std::exception& e) {
    // Not an input error we know of: say so in one line rather than abort.
    std::fprintf(stderr, "dsim: internal error: %s (please report it with the command line)\n",
                 dsim::sim::printable(e.what(), 500).c_str());
    return 70;
  }
  return 2;
}
