// The five models of models.h, and the Interner of model.h. Each model reads an Operation
// once (prepare) into a compact Input, so the search's step function compares integers or
// short strings only.
#include "sim/check/models.h"

#include <algorithm>

#include "sim/check/history_input.h"

#define XXH_INLINE_ALL
#include <xxhash.h>

namespace dsim::check {

uint32_t Interner::id(const json& value) {
  if (value.is_null()) return 0;
  auto [it, inserted] = ids_.try_emplace(value.dump(), static_cast<uint32_t>(values_.size()));
  if (inserted) values_.push_back(value);
  return it->second;
}

namespace {

[[noreturn]] void bad_op(std::string_view model, const Operation& op, const std::string& what) {
  throw ModelError("model " + std::string(model) + ": " + what + " (op " + shown(op.f) + " by process " +
                   std::to_string(op.process) +
                   (op.line ? ", line " + std::to_string(op.line) : std::string()) + ")");
}

bool is_any(const std::string& f, std::initializer_list<const char*> names) {
  for (const char* n : names)
    if (f == n) return true;
  return false;
}

// A cas input [expected, new]; `swapped` false for a failed cas.
enum class CasOutcome { swapped, failed, unknown };
CasOutcome cas_outcome(const Operation& op) {
  if (op.status == Status::info) return CasOutcome::unknown;
  if (op.status == Status::fail || op.output == json(false)) return CasOutcome::failed;
  return CasOutcome::swapped;
}

const json& cas_arg(std::string_view model, const Operation& op, size_t i) {
  if (!op.input.is_array() || op.input.size() != 2)
    bad_op(model, op, "cas input must be [expected, new], got " + shown(op.input.dump()));
  return op.input[i];
}

std::string as_text(const json& v) {
  if (v.is_null()) return {};
  if (v.is_string()) return v.get<std::string>();
  return v.dump();
}

std::vector<uint32_t> id_list(std::string_view model, const Operation& op, const json& v,
                              Interner& interner) {
  std::vector<uint32_t> out;
  if (v.is_null()) return out;
  if (!v.is_array()) bad_op(model, op, "read must return an array, got " + shown(v.dump()));
  for (const json& x : v) out.push_back(interner.id(x));
  return out;
}

std::string describe_ids(const std::vector<uint32_t>& ids, const Interner& interner) {
  json arr = json::array();
  for (uint32_t id : ids) arr.push_back(interner.value(id));
  return arr.dump();
}

}  // namespace

// ---- register ----

std::optional<RegisterModel::Input> RegisterModel::prepare(const Operation& op,
                                                           Interner& interner) const {
  if (is_any(op.f, {"read", "get"})) {
    if (op.status != Status::ok) return std::nullopt;  // an unknown read constrains nothing
    return Input{Kind::read, interner.id(op.output), 0};
  }
  if (is_any(op.f, {"write", "put"})) {
    if (op.status == Status::fail) return std::nullopt;
    return Input{Kind::write, interner.id(op.input), 0};
  }
  if (op.f == "cas") {
    const uint32_t a = interner.id(cas_arg(name, op, 0)), b = interner.id(cas_arg(name, op, 1));
    switch (cas_outcome(op)) {
      case CasOutcome::swapped: return Input{Kind::cas_ok, a, b};
      case CasOutcome::failed: return Input{Kind::cas_fail, a, b};
      case CasOutcome::unknown: return Input{Kind::cas_unknown, a, b};
    }
  }
  bad_op(name, op, "unknown function (expected read, write or cas)");
}

bool RegisterModel::step(const State& s, const Input& in, State& next) const {
  switch (in.kind) {
    case Kind::read: next = s; return s == in.a;
    case Kind::write: next = in.a; return true;
    case Kind::cas_ok: next = in.b; return s == in.a;
    case Kind::cas_fail: next = s; return s != in.a;
    case Kind::cas_unknown: next = (s == in.a) ? in.b : s; return true;
  }
  return false;
}

std::string RegisterModel::describe(const State& s, const Interner& interner) const {
  return s == 0 ? "nil" : interner.value(s).dump();
}

// ---- key-value ----

uint64_t KvModel::StateHash::operator()(const State& s) const { return XXH3_64bits(s.data(), s.size()); }

std::optional<KvModel::Input> KvModel::prepare(const Operation& op, Interner&) const {
  if (is_any(op.f, {"get", "read"})) {
    if (op.status != Status::ok) return std::nullopt;
    return Input{Kind::get, as_text(op.output), {}};
  }
  const bool put = is_any(op.f, {"put", "write"});
  if (put || op.f == "append") {
    if (op.status == Status::fail) return std::nullopt;
    return Input{put ? Kind::put : Kind::append, as_text(op.input), {}};
  }
  if (op.f == "cas") {
    std::string a = as_text(cas_arg(name, op, 0)), b = as_text(cas_arg(name, op, 1));
    switch (cas_outcome(op)) {
      case CasOutcome::swapped: return Input{Kind::cas_ok, std::move(a), std::move(b)};
      case CasOutcome::failed: return Input{Kind::cas_fail, std::move(a), std::move(b)};
      case CasOutcome::unknown: return Input{Kind::cas_unknown, std::move(a), std::move(b)};
    }
  }
  bad_op(name, op, "unknown function (expected get, put, append or cas)");
}

bool KvModel::step(const State& s, const Input& in, State& next) const {
  switch (in.kind) {
    case Kind::get:
      if (s != in.a) return false;
      next = s;
      return true;
    case Kind::put: next = in.a; return true;
    case Kind::append: next.assign(s).append(in.a); return true;
    case Kind::cas_ok:
      if (s != in.a) return false;
      next = in.b;
      return true;
    case Kind::cas_fail:
      if (s == in.a) return false;
      next = s;
      return true;
    case Kind::cas_unknown: next = (s == in.a) ? in.b : s; return true;
  }
  return false;
}

std::string KvModel::describe(const State& s, const Interner&) const { return json(s).dump(); }

// ---- list and set ----

uint64_t IdVectorHash::operator()(const std::vector<uint32_t>& v) const {
  return XXH3_64bits(v.data(), v.size() * sizeof(uint32_t));
}

std::optional<ListModel::Input> ListModel::prepare(const Operation& op, Interner& interner) const {
  if (op.f == "read") {
    if (op.status != Status::ok) return std::nullopt;
    return Input{true, 0, id_list(name, op, op.output, interner)};
  }
  if (op.f == "append") {
    if (op.status == Status::fail) return std::nullopt;
    return Input{false, interner.id(op.input), {}};
  }
  bad_op(name, op, "unknown function (expected append or read)");
}

bool ListModel::step(const State& s, const Input& in, State& next) const {
  if (in.read) {
    next = s;
    return s == in.list;
  }
  next = s;
  next.push_back(in.value);
  return true;
}

std::string ListModel::describe(const State& s, const Interner& interner) const {
  return describe_ids(s, interner);
}

std::optional<SetModel::Input> SetModel::prepare(const Operation& op, Interner& interner) const {
  if (op.f == "read") {
    if (op.status != Status::ok) return std::nullopt;
    std::vector<uint32_t> members = id_list(name, op, op.output, interner);
    std::sort(members.begin(), members.end());
    members.erase(std::unique(members.begin(), members.end()), members.end());
    return Input{true, 0, std::move(members)};
  }
  if (op.f == "add") {
    if (op.status == Status::fail) return std::nullopt;
    return Input{false, interner.id(op.input), {}};
  }
  bad_op(name, op, "unknown function (expected add or read)");
}

bool SetModel::step(const State& s, const Input& in, State& next) const {
  next = s;
  if (in.read) return s == in.members;
  auto it = std::lower_bound(next.begin(), next.end(), in.value);
  if (it == next.end() || *it != in.value) next.insert(it, in.value);
  return true;
}

std::string SetModel::describe(const State& s, const Interner& interner) const {
  return describe_ids(s, interner);
}

// ---- counter ----

std::optional<CounterModel::Input> CounterModel::prepare(const Operation& op, Interner&) const {
  // Values are int64 (read through the checked conversion); sums are exact in 128 bits.
  const auto integer = [&](const json& v, const char* what) {
    const std::optional<int64_t> i = json_integer(v, kInt64Range);
    if (!i) bad_op(name, op, std::string(what) + " an integer in [-2^63, 2^63-1], got " + shown(v.dump()));
    return *i;
  };
  if (op.f == "read") {
    if (op.status != Status::ok) return std::nullopt;
    return Input{true, integer(op.output, "read must return")};
  }
  if (op.f == "add" || op.f == "inc") {
    if (op.status == Status::fail) return std::nullopt;
    if (op.input.is_null() && op.f == "inc") return Input{false, 1};
    return Input{false, integer(op.input, "add and inc need")};
  }
  bad_op(name, op, "unknown function (expected add, inc or read)");
}

bool CounterModel::step(const State& s, const Input& in, State& next) const {
  if (in.read) {
    next = s;
    return s == in.value;
  }
  next = s + in.value;
  return true;
}

std::string CounterModel::describe(const State& s, const Interner&) const {
  // std::to_string has no 128-bit overload: print the digits of the magnitude.
  UInt128 magnitude = s < 0 ? -static_cast<UInt128>(s) : static_cast<UInt128>(s);
  std::string digits;
  do {
    digits.insert(digits.begin(), static_cast<char>('0' + static_cast<int>(magnitude % 10)));
    magnitude /= 10;
  } while (magnitude != 0);
  return s < 0 ? "-" + digits : digits;
}

// ---- factories ----

Model register_model() { return Model(RegisterModel{}); }
Model kv_model() { return Model(KvModel{}); }
Model list_model() { return Model(ListModel{}); }
Model set_model() { return Model(SetModel{}); }
Model counter_model() { return Model(CounterModel{}); }

Model model_by_name(std::string_view name) {
  if (name == RegisterModel::name) return register_model();
  if (name == KvModel::name) return kv_model();
  if (name == ListModel::name) return list_model();
  if (name == SetModel::name) return set_model();
  if (name == CounterModel::name) return counter_model();
  throw ModelError("unknown model '" + std::string(name) +
                   "' (expected register, kv, list, set or counter)");
}

}  // namespace dsim::check
