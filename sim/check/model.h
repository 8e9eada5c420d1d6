// What a sequential specification ("model") is to the linearizability checker, and Model,
// the type-erased handle the public API takes. A concrete model is a small value type:
//
//   struct CounterModel {
//     static constexpr std::string_view name = "counter";
//     using State = int64_t;                       // cheap to copy, compare and hash
//     using StateHash = std::hash<int64_t>;        // any hash functor over State
//     struct Input { ... };                        // an operation, pre-digested once
//     State init() const;
//     // nullopt: the operation constrains nothing and is dropped (a failed write, an
//     // indeterminate read). Throws ModelError for an operation the model cannot read.
//     std::optional<Input> prepare(const Operation&, Interner&) const;
//     // Is `in` legal in `s`? If so, it MUST write the state after it to `next`. An indeterminate
//     // input (Input built from an info op) must be legal in EVERY state: "never happened"
//     // is then the same as "happened last" (see search.h).
//     bool step(const State& s, const Input& in, State& next) const;
//     std::string describe(const State&, const Interner&) const;  // for counterexamples
//   };
//
// Guarantees: Model is immutable and safe to share between threads; each check builds its
// own Interner. Partitioning (P-compositionality, Herlihy & Wing 1990: "a history is
// linearizable iff each object's subhistory is"): a model may declare
// `static std::string partition(const Operation&)`; without one, distinct keys are
// independent objects and the partition of an operation is its key.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "sim/check/history.h"
#include "sim/check/search.h"

namespace dsim::check {

class ModelError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Maps JSON values to small integer ids for one check (id 0 is null), so states compare and
// hash as integers. Not shared between checks.
class Interner {
 public:
  uint32_t id(const json& value);
  const json& value(uint32_t id) const { return values_[id]; }

 private:
  std::unordered_map<std::string, uint32_t> ids_{{"null", 0}};
  std::vector<json> values_{json()};
};

template <class M>
concept SequentialModel = requires(const M m, const Operation& op, Interner& interner,
                                   const typename M::State& s, const typename M::Input& in,
                                   typename M::State& next) {
  { M::name } -> std::convertible_to<std::string_view>;
  { m.init() } -> std::same_as<typename M::State>;
  { m.prepare(op, interner) } -> std::same_as<std::optional<typename M::Input>>;
  { m.step(s, in, next) } -> std::same_as<bool>;
  { m.describe(s, std::as_const(interner)) } -> std::same_as<std::string>;
  { typename M::StateHash{}(s) } -> std::convertible_to<uint64_t>;
  { s == s } -> std::convertible_to<bool>;
};

class Model {
 public:
  template <SequentialModel M>
  explicit Model(M model) : impl_(std::make_shared<Impl<M>>(std::move(model))) {}

  std::string_view name() const { return impl_->name(); }
  // The partition (object) an operation belongs to: M::partition(op) when the model declares
  // one, else the operation's key.
  std::string partition(const Operation& op) const { return impl_->partition(op); }
  // Starts a (resumable) search over the operations of one partition alone. The outcome's
  // op indices index `ops`, which must outlive the search.
  std::unique_ptr<PartitionSearch> start_partition(const std::vector<const Operation*>& ops,
                                                   const SearchLimits& limits) const {
    return impl_->start_partition(ops, limits);
  }

 private:
  struct Concept {
    virtual ~Concept() = default;
    virtual std::string_view name() const = 0;
    virtual std::string partition(const Operation& op) const = 0;
    virtual std::unique_ptr<PartitionSearch> start_partition(
        const std::vector<const Operation*>& ops, const SearchLimits& limits) const = 0;
  };
  template <class M>
  struct Impl;
  std::shared_ptr<const Concept> impl_;
};

// The search for one partition of model M: owns the interned values and the prepared inputs,
// and maps the outcome's operation indices back to the caller's.
template <class M>
class ModelPartitionSearch final : public PartitionSearch {
 public:
  ModelPartitionSearch(const M& model, const std::vector<const Operation*>& ops,
                       const SearchLimits& limits) {
    std::vector<SearchOp<typename M::Input>> kept;
    kept.reserve(ops.size());
    for (uint32_t i = 0; i < ops.size(); ++i) {
      std::optional<typename M::Input> in = model.prepare(*ops[i], interner_);
      if (!in) continue;  // constrains nothing (a failed write, an indeterminate read)
      kept.push_back({ops[i]->call, ops[i]->ret, std::move(*in)});
      original_.push_back(i);
    }
    searcher_.emplace(model, std::move(kept), limits, Describe{&model, &interner_});
  }

  bool run(uint64_t max_steps) override {
    if (searcher_->done()) return true;
    if (!searcher_->run(max_steps)) return false;
    SearchOutcome& out = searcher_->outcome();
    for (uint32_t& i : out.longest) i = original_[i];
    for (uint32_t& i : out.pending) i = original_[i];
    if (out.verdict == Verdict::not_linearizable) out.blocked = original_[out.blocked];
    return true;
  }
  const SearchOutcome& outcome() const override { return searcher_->outcome(); }

 private:
  struct Describe {
    const M* model;
    const Interner* interner;
    std::string operator()(const typename M::State& s) const { return model->describe(s, *interner); }
  };
  Interner interner_;
  std::vector<uint32_t> original_;  // kept index -> index in the caller's ops
  std::optional<Searcher<M, Describe>> searcher_;
};

template <class M>
struct Model::Impl final : Model::Concept {
  explicit Impl(M m) : model(std::move(m)) {}
  std::string_view name() const override { return M::name; }
  std::string partition(const Operation& op) const override {
    if constexpr (requires { M::partition(op); }) return M::partition(op);
    else return op.key;
  }
  std::unique_ptr<PartitionSearch> start_partition(const std::vector<const Operation*>& ops,
                                                   const SearchLimits& limits) const override {
    return std::make_unique<ModelPartitionSearch<M>>(model, ops, limits);
  }
  M model;
};

}  // namespace dsim::check
