// The sequential specifications the linearizability checker knows: register, key-value,
// append-only list, set and counter. Each is a small value type following the contract in
// model.h; register_model() etc. wrap them in a Model. Adding a model is one struct here and
// a few dozen lines in models.cc.
// Guarantees: every model accepts an indeterminate (info) operation in every state, as the
// search requires; an operation a model cannot read throws ModelError naming its line.
// Not here: multi-key transactions (Jepsen's list-append), which are not per-key objects.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sim/check/model.h"

namespace dsim::check {

// A read/write/cas register ("get"/"put" accepted as aliases). Starts absent (null).
// read: output is the value read (null = absent). write: input is the value.
// cas: input is [expected, new]; ok = swapped; fail = the register did not hold `expected`
// (kept: a failed cas is an observation); an ok cas whose output is `false` counts as failed.
struct RegisterModel {
  static constexpr std::string_view name = "register";
  using State = uint32_t;  // interned value id, 0 = absent
  struct StateHash {
    uint64_t operator()(State s) const { return s * 0x9e3779b97f4a7c15ULL; }
  };
  enum class Kind : uint8_t { read, write, cas_ok, cas_fail, cas_unknown };
  struct Input {
    Kind kind;
    uint32_t a = 0, b = 0;
  };
  State init() const { return 0; }
  std::optional<Input> prepare(const Operation& op, Interner& interner) const;
  bool step(const State& s, const Input& in, State& next) const;
  std::string describe(const State& s, const Interner& interner) const;
};

// Porcupine's key-value object, one key per partition: get returns the string value ("" when
// never written; a null output reads as ""), put replaces it, append concatenates, cas
// [expected, new] as for the register. Non-string values are compared as their JSON text.
struct KvModel {
  static constexpr std::string_view name = "kv";
  using State = std::string;
  struct StateHash {
    uint64_t operator()(const State& s) const;
  };
  enum class Kind : uint8_t { get, put, append, cas_ok, cas_fail, cas_unknown };
  struct Input {
    Kind kind;
    std::string a, b;
  };
  State init() const { return {}; }
  std::optional<Input> prepare(const Operation& op, Interner& interner) const;
  bool step(const State& s, const Input& in, State& next) const;
  std::string describe(const State& s, const Interner& interner) const;
};

// Hash of a vector of interned ids, for the list and set states.
struct IdVectorHash {
  uint64_t operator()(const std::vector<uint32_t>& v) const;
};

// An append-only list: "append" adds its input at the end; "read" returns the whole list
// as a JSON array (null reads as empty).
struct ListModel {
  static constexpr std::string_view name = "list";
  using State = std::vector<uint32_t>;
  using StateHash = IdVectorHash;
  struct Input {
    bool read = false;
    uint32_t value = 0;            // append
    std::vector<uint32_t> list;    // read
  };
  State init() const { return {}; }
  std::optional<Input> prepare(const Operation& op, Interner& interner) const;
  bool step(const State& s, const Input& in, State& next) const;
  std::string describe(const State& s, const Interner& interner) const;
};

// A grow-only set: "add" inserts its input; "read" returns the contents as a JSON array in
// any order (duplicates ignored).
struct SetModel {
  static constexpr std::string_view name = "set";
  using State = std::vector<uint32_t>;  // sorted interned ids
  using StateHash = IdVectorHash;
  struct Input {
    bool read = false;
    uint32_t value = 0;
    std::vector<uint32_t> members;  // read, sorted
  };
  State init() const { return {}; }
  std::optional<Input> prepare(const Operation& op, Interner& interner) const;
  bool step(const State& s, const Input& in, State& next) const;
  std::string describe(const State& s, const Interner& interner) const;
};

// 128-bit integers for the counter's sums (__extension__: a GCC/Clang type, so -Wpedantic
// stays quiet).
__extension__ typedef __int128 Int128;
__extension__ typedef unsigned __int128 UInt128;

// A counter starting at 0: "add" adds its integer input, "inc" adds 1 (or its input when
// given), "read" returns the integer value. Inputs and reads are int64; the state is 128-bit
// so no sum of fewer than 2^64 of them overflows (a read beyond int64 is simply illegal).
struct CounterModel {
  static constexpr std::string_view name = "counter";
  using State = Int128;
  struct StateHash {
    uint64_t operator()(State s) const {
      const auto u = static_cast<UInt128>(s);
      return (static_cast<uint64_t>(u) ^ static_cast<uint64_t>(u >> 64) * 0xbf58476d1ce4e5b9ULL) *
             0x9e3779b97f4a7c15ULL;
    }
  };
  struct Input {
    bool read = false;
    int64_t value = 0;
  };
  State init() const { return 0; }
  std::optional<Input> prepare(const Operation& op, Interner& interner) const;
  bool step(const State& s, const Input& in, State& next) const;
  std::string describe(const State& s, const Interner& interner) const;
};

Model register_model();
Model kv_model();
Model list_model();
Model set_model();
Model counter_model();
// "register", "kv", "list", "set", "counter"; throws ModelError naming the choices otherwise.
Model model_by_name(std::string_view name);

}  // namespace dsim::check
