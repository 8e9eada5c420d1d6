// The overloaded{...} visitor idiom: dispatch a message variant with one lambda per type, so
// a message type without a handler fails to compile.
#pragma once

namespace dsim::sim {
template <class... Fs>
struct overloaded : Fs... {
  using Fs::operator()...;
};
template <class... Fs>
overloaded(Fs...) -> overloaded<Fs...>;
}  // namespace dsim::sim
