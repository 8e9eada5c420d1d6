// 128-bit integers for exact time arithmetic (clock drift, Lemire's method). A GCC/Clang
// extension; __extension__ keeps -Wpedantic quiet about it in one place.
#pragma once

namespace dsim::sim {
__extension__ typedef __int128 int128;
__extension__ typedef unsigned __int128 uint128;
}  // namespace dsim::sim
