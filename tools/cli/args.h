// Numbers on the command line, read strictly and the same way everywhere: decimal digits only
// (no sign: "-1" is not quietly 2^64-1; no leading zero: CLI11 would read "010" as octal 8;
// no spaces, no fractions), within [min, max]; anything else is one line naming the flag
// and the value.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <CLI/CLI.hpp>

namespace dsim::cli {

// Throws InputError "<flag> <text>: <why>".
uint64_t parse_number(std::string_view text, std::string_view flag, uint64_t min, uint64_t max);

// An option whose value goes through parse_number (T: an unsigned integer or std::optional of one).
template <class T>
CLI::Option* add_number(CLI::App* cmd, const std::string& names, T& target, const std::string& help, uint64_t min,
                        uint64_t max) {
  std::string flag = names.substr(names.rfind(',') + 1);
  return cmd
      ->add_option_function<std::string>(
          names,
          [&target, flag, min, max](const std::string& text) {
            const uint64_t v = parse_number(text, flag, min, max);
            if constexpr (requires { target.value(); }) target = static_cast<typename T::value_type>(v);
            else target = static_cast<T>(v);
          },
          help)
      ->type_name("N");
}

}  // namespace dsim::cli
