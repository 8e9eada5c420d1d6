// A protocol's parameters and known-bug switches, each declared once: a name, the member of a
// plain config struct it sets, a help text and (for numbers) bounds or (for strings) the
// choices. The default is whatever the default-constructed struct holds. From that one table
// come the ParamSpec list the registry validates scenarios with (and `dsim list` prints), and
// the parsing of resolved Params back into the struct:
//
//   struct Config { sim::Duration heartbeat = sim::Duration::millis(50); bool pre_vote = true; };
//   sim::ParamTable<Config> table{
//       sim::param("heartbeat", &Config::heartbeat, "leader heartbeat interval"),
//       sim::param("pre_vote", &Config::pre_vote, "PreVote before a real election"),
//   };
//   spec.params = table.specs();              // validation, defaults, `dsim list`
//   Config c = table.parse(config.params);    // in the node factory
//
// The parameter's type follows from the member's: bool is a boolean, an integer type an integer
// (bounds required, read back in the member's own type), double a number (bounds required),
// Duration a duration, two Duration members a duration range [min, max], and any other type a
// string whose choices map to values of it (usually an enum). Bug switches are bool members of
// a Bugs struct (BugTable): the registry's BugSpec list and the struct from a scenario's
// "protocol.bugs".
#pragma once

#include <concepts>
#include <functional>
#include <initializer_list>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/assert.h"
#include "sim/params.h"
#include "sim/registry.h"
#include "sim/time.h"

namespace dsim::sim {

// One declared parameter of struct C. Build it with param(...).
template <class C>
struct Param {
  ParamSpec spec;                                     // everything but the default
  std::function<nlohmann::json(const C&)> value;      // the member's value in scenario syntax
  std::function<void(const Params&, C&)> read;        // sets the member from resolved params
};

// A duration parameter must be at least this long unless its declaration says otherwise.
inline constexpr Duration kShortestDurationParam = Duration::micros(1);

template <class C>
Param<C> param(std::string name, bool C::*member, std::string help) {
  return {ParamSpec{name, ParamType::boolean, nullptr, std::move(help), -1e18, 1e18, {}},
          [member](const C& c) { return nlohmann::json(c.*member); },
          [name, member](const Params& p, C& c) { c.*member = p.boolean(name); }};
}

template <class C, class Int>
  requires std::integral<Int> && (!std::same_as<Int, bool>)
Param<C> param(std::string name, Int C::*member, std::string help, std::type_identity_t<Int> min,
               std::type_identity_t<Int> max) {
  return {ParamSpec{name, ParamType::integer, nullptr, std::move(help), static_cast<double>(min),
                    static_cast<double>(max), {}},
          [member](const C& c) { return nlohmann::json(c.*member); },
          [name, member](const Params& p, C& c) { c.*member = static_cast<Int>(p.integer(name)); }};
}

template <class C>
Param<C> param(std::string name, double C::*member, std::string help, double min, double max) {
  return {ParamSpec{name, ParamType::number, nullptr, std::move(help), min, max, {}},
          [member](const C& c) { return nlohmann::json(c.*member); },
          [name, member](const Params& p, C& c) { c.*member = p.number(name); }};
}

template <class C>
Param<C> param(std::string name, Duration C::*member, std::string help, Duration min = kShortestDurationParam) {
  return {ParamSpec{name, ParamType::duration, nullptr, std::move(help), static_cast<double>(min.ns()), 1e18, {}},
          [member](const C& c) { return nlohmann::json(format_duration(c.*member)); },
          [name, member](const Params& p, C& c) { c.*member = p.duration(name); }};
}

// A range ["150ms", "300ms"] read into two members (min, max); `min` bounds both ends.
template <class C>
Param<C> param(std::string name, Duration C::*lo, Duration C::*hi, std::string help,
               Duration min = kShortestDurationParam) {
  return {ParamSpec{name, ParamType::duration_range, nullptr, std::move(help), static_cast<double>(min.ns()), 1e18, {}},
          [lo, hi](const C& c) { return nlohmann::json::array({format_duration(c.*lo), format_duration(c.*hi)}); },
          [name, lo, hi](const Params& p, C& c) { std::tie(c.*lo, c.*hi) = p.duration_range(name); }};
}

// A free-form string parameter (any value; the protocol's check_params judges it).
template <class C>
Param<C> param(std::string name, std::string C::*member, std::string help) {
  return {ParamSpec{name, ParamType::string, nullptr, std::move(help), -1e18, 1e18, {}},
          [member](const C& c) { return nlohmann::json(c.*member); },
          [name, member](const Params& p, C& c) { c.*member = p.string(name); }};
}

// A string parameter with a fixed set of choices, each naming one value of the member's type.
template <class C, class V>
Param<C> param(std::string name, V C::*member, std::string help,
               std::vector<std::pair<std::string, std::type_identity_t<V>>> choices) {
  std::vector<std::string> names;
  for (const auto& [n, v] : choices) names.push_back(n);
  return {ParamSpec{name, ParamType::string, nullptr, std::move(help), -1e18, 1e18, std::move(names)},
          [member, choices](const C& c) {
            for (const auto& [n, v] : choices)
              if (v == c.*member) return nlohmann::json(n);
            DSIM_ASSERT(false, "a string parameter's value has no choice naming it");
            return nlohmann::json();
          },
          [name, member, choices](const Params& p, C& c) {
            const std::string chosen = p.string(name);
            for (const auto& [n, v] : choices)
              if (n == chosen) c.*member = v;
          }};
}

// The parameters of struct C, in the order `dsim list` shows them.
template <class C>
class ParamTable {
 public:
  ParamTable(std::initializer_list<Param<C>> params) : params_(params) {
    for (const auto& p : params_) {
      const nlohmann::json d = p.value(C{});
      if (p.spec.type == ParamType::integer || p.spec.type == ParamType::number)
        DSIM_ASSERT(d.get<double>() >= p.spec.min && d.get<double>() <= p.spec.max, "a default is out of its bounds");
    }
  }

  // The registry's declaration: each parameter with the default-constructed struct's value.
  std::vector<ParamSpec> specs() const {
    std::vector<ParamSpec> out;
    for (const auto& p : params_) {
      out.push_back(p.spec);
      out.back().default_value = p.value(C{});
    }
    return out;
  }

  // Sets every declared member of `c` from resolved params (a Params the registry validated
  // against specs(), so every name is present and in range).
  void read(const Params& params, C& c) const {
    for (const auto& p : params_) p.read(params, c);
  }
  C parse(const Params& params) const {
    C c;
    read(params, c);
    return c;
  }

 private:
  std::vector<Param<C>> params_;
};

// One known-bug switch: a bool member of the protocol's Bugs struct.
template <class B>
struct BugSwitch {
  std::string name;
  bool B::*member;
  std::string help;
};

template <class B>
class BugTable {
 public:
  BugTable(std::initializer_list<BugSwitch<B>> switches) : switches_(switches) {}

  std::vector<BugSpec> specs() const {
    std::vector<BugSpec> out;
    for (const auto& s : switches_) out.push_back({s.name, s.help});
    return out;
  }
  // The switches a scenario's "protocol.bugs" turned on (names the registry validated).
  B parse(const ProtocolConfig& config) const {
    B b{};
    for (const auto& s : switches_) b.*s.member = config.has_bug(s.name);
    return b;
  }

 private:
  std::vector<BugSwitch<B>> switches_;
};

}  // namespace dsim::sim
