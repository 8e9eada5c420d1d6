// Each model's step function on its own, through prepare() as the checker uses it.
#include <gtest/gtest.h>

#include "sim/check/models.h"

namespace dsim::check {
namespace {

Operation op(const std::string& f, json input, json output, Status status = Status::ok) {
  Operation o;
  o.f = f;
  o.input = std::move(input);
  o.output = std::move(output);
  o.status = status;
  return o;
}

// Applies ops in order from the initial state; returns false at the first illegal one.
template <class M>
bool run(const M& model, const std::vector<Operation>& ops, typename M::State* final_state = nullptr) {
  Interner interner;
  typename M::State s = model.init(), next = s;
  for (const Operation& o : ops) {
    auto in = model.prepare(o, interner);
    if (!in) continue;
    if (!model.step(s, *in, next)) return false;
    s = next;
  }
  if (final_state) *final_state = s;
  return true;
}

TEST(RegisterModel, ReadWriteCas) {
  RegisterModel m;
  EXPECT_TRUE(run(m, {op("read", nullptr, nullptr)})) << "starts absent";
  EXPECT_FALSE(run(m, {op("read", nullptr, 0)}));
  EXPECT_TRUE(run(m, {op("write", 1, nullptr), op("read", nullptr, 1)}));
  EXPECT_TRUE(run(m, {op("write", 1, nullptr), op("cas", json::array({1, 2}), nullptr),
                      op("read", nullptr, 2)}));
  EXPECT_FALSE(run(m, {op("write", 1, nullptr), op("cas", json::array({3, 2}), nullptr)}));
  // A failed cas is an observation: legal only if the register did not hold `expected`.
  EXPECT_TRUE(run(m, {op("write", 1, nullptr), op("cas", json::array({3, 2}), nullptr, Status::fail),
                      op("read", nullptr, 1)}));
  EXPECT_FALSE(run(m, {op("write", 1, nullptr), op("cas", json::array({1, 2}), nullptr, Status::fail)}));
  // An indeterminate cas is legal in any state, and swaps only if `expected` matched.
  RegisterModel::State s;
  EXPECT_TRUE(run(m, {op("write", 1, nullptr), op("cas", json::array({3, 2}), nullptr, Status::info),
                      op("read", nullptr, 1)}, &s));
  // Failed writes and indeterminate reads are dropped: they constrain nothing.
  EXPECT_TRUE(run(m, {op("write", 5, nullptr, Status::fail), op("read", nullptr, 7, Status::info),
                      op("read", nullptr, nullptr)}));
  Interner i;
  EXPECT_THROW(m.prepare(op("frobnicate", nullptr, nullptr), i), ModelError);
  EXPECT_THROW(m.prepare(op("cas", 3, nullptr), i), ModelError);
}

TEST(KvModel, PorcupineSemantics) {
  KvModel m;
  KvModel::State s;
  EXPECT_TRUE(run(m, {op("get", nullptr, "")})) << "a never-written key reads as \"\"";
  EXPECT_TRUE(run(m, {op("get", nullptr, nullptr)}));
  EXPECT_TRUE(run(m, {op("put", "a", nullptr), op("append", "b", nullptr), op("get", nullptr, "ab")}, &s));
  EXPECT_EQ(s, "ab");
  EXPECT_FALSE(run(m, {op("put", "a", nullptr), op("get", nullptr, "b")}));
  EXPECT_TRUE(run(m, {op("put", "a", nullptr), op("cas", json::array({"a", "c"}), nullptr),
                      op("get", nullptr, "c")}));
  EXPECT_FALSE(run(m, {op("put", "a", nullptr), op("cas", json::array({"a", "c"}), nullptr, Status::fail)}));
}

TEST(ListModel, AppendAndRead) {
  ListModel m;
  EXPECT_TRUE(run(m, {op("read", nullptr, json::array())}));
  EXPECT_TRUE(run(m, {op("append", 1, nullptr), op("append", 2, nullptr),
                      op("read", nullptr, json::array({1, 2}))}));
  EXPECT_FALSE(run(m, {op("append", 1, nullptr), op("append", 2, nullptr),
                       op("read", nullptr, json::array({2, 1}))}));
}

TEST(SetModel, AddAndReadInAnyOrder) {
  SetModel m;
  EXPECT_TRUE(run(m, {op("add", 1, nullptr), op("add", 2, nullptr), op("add", 1, nullptr),
                      op("read", nullptr, json::array({2, 1}))}));
  EXPECT_FALSE(run(m, {op("add", 1, nullptr), op("read", nullptr, json::array({1, 2}))}));
  EXPECT_FALSE(run(m, {op("add", 1, nullptr), op("read", nullptr, json::array())}));
}

TEST(CounterModel, AddIncRead) {
  CounterModel m;
  CounterModel::State s;
  EXPECT_TRUE(run(m, {op("inc", nullptr, nullptr), op("add", 5, nullptr), op("read", nullptr, 6)}, &s));
  EXPECT_EQ(s, 6);
  EXPECT_FALSE(run(m, {op("add", 2, nullptr), op("read", nullptr, 1)}));
  Interner i;
  EXPECT_THROW(m.prepare(op("add", "x", nullptr), i), ModelError);
}

TEST(CounterModel, SumsBeyondInt64DoNotWrap) {
  CounterModel m;
  const json max = INT64_MAX, min = INT64_MIN;
  // int64 arithmetic would wrap MAX + 1 to MIN (and UBSan would flag it): that read is illegal.
  EXPECT_FALSE(run(m, {op("add", max, nullptr), op("add", 1, nullptr), op("read", nullptr, min)}));
  // The sum leaves int64 and comes back: exact.
  CounterModel::State s;
  EXPECT_TRUE(run(m, {op("add", max, nullptr), op("add", max, nullptr), op("add", min, nullptr),
                      op("read", nullptr, INT64_MAX - 1)}, &s));
  EXPECT_EQ(m.describe(s, Interner{}), "9223372036854775806");
  EXPECT_TRUE(run(m, {op("add", min, nullptr), op("add", min, nullptr)}, &s));
  EXPECT_EQ(m.describe(s, Interner{}), "-18446744073709551616");
}

TEST(CounterModel, InputsOutsideInt64AreModelErrors) {
  CounterModel m;
  Interner i;
  // 2^63 parses as an unsigned JSON integer: it must not become INT64_MIN.
  for (const char* bad : {"9223372036854775808", "18446744073709551615", "1.5", "1e3"}) {
    EXPECT_THROW(m.prepare(op("add", json::parse(bad), nullptr), i), ModelError) << bad;
    EXPECT_THROW(m.prepare(op("read", nullptr, json::parse(bad)), i), ModelError) << bad;
  }
  try {
    m.prepare(op("read", nullptr, json::parse("9223372036854775808")), i);
  } catch (const ModelError& e) {
    EXPECT_STREQ(e.what(), "model counter: read must return an integer in [-2^63, 2^63-1], got 9223372036854775808 "
                           "(op read by process 0)");
  }
}

TEST(Models, ByName) {
  for (const char* name : {"register", "kv", "list", "set", "counter"})
    EXPECT_EQ(model_by_name(name).name(), name);
  EXPECT_THROW(model_by_name("queue"), ModelError);
}

}  // namespace
}  // namespace dsim::check
