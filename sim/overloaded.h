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

// The types a role never receives, named one by one (no catch-all): put `ignored<A, B>{}` in
// an overloaded{...}, and a new message type still fails to compile until it is placed.
template <class T>
struct ignored_one {
  void operator()(const T&) const {}
};
template <class... Ts>
struct ignored : ignored_one<Ts>... {
  using ignored_one<Ts>::operator()...;
};
}  // namespace dsim::sim
