// What happens when a signal ends dsim. SIGINT, SIGTERM, SIGHUP, SIGQUIT and SIGPIPE first
// remove every partial output file (registered by OutputFile), then end the process as the
// signal would have (so a shell still sees "interrupted"). Only async-signal-safe calls run
// in the handler: unlink() over a fixed table of paths, then raise().
//
// A command that can stop cleanly (sweep) turns on graceful mode: the first SIGINT, SIGTERM
// or SIGHUP only records the signal; the command stops starting new work, finishes the
// simulations in progress and writes what it has. A second signal ends the process at once.
#pragma once

namespace dsim::cli {

void install_signal_handlers();
// Registers a partial file to remove if a signal ends the process; returns its slot.
// Throws InputError when too many outputs are open at once (there are 32 slots).
int register_partial(const char* path);
void unregister_partial(int slot);

void set_graceful(bool on);
// The signal that asked a graceful command to stop, or 0.
int interrupted_by();

}  // namespace dsim::cli
