// Echoing user input in a one-line message: control characters (NUL, newline, escape
// sequences) are escaped as \n, \t, \xNN so a hostile file name or value cannot break the
// line or drive the terminal, and anything longer than `max` bytes is cut (at a UTF-8
// character boundary) with a note of how much was left out.
#pragma once

#include <string>
#include <string_view>

namespace dsim::sim {

std::string printable(std::string_view text, size_t max = 60);

}  // namespace dsim::sim
