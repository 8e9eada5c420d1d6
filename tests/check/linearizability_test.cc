// Small hand-written histories through check_linearizable: real-time order, indeterminate
// (info) operations, failed cas, per-key partitioning, the counterexample, the budget.
#include <gtest/gtest.h>

#include <thread>

#include "sim/check/linearizability.h"
#include "sim/check/models.h"

namespace dsim::check {
namespace {

Operation op(int p, const std::string& f, json in, json out, int64_t call, int64_t ret,
             Status status = Status::ok, const std::string& key = "") {
  Operation o;
  o.process = p;
  o.key = key;
  o.f = f;
  o.input = std::move(in);
  o.output = std::move(out);
  o.call = call;
  o.ret = status == Status::info ? kInfinity : ret;
  o.status = status;
  return o;
}

Verdict check(std::vector<Operation> ops, const Model& model = register_model()) {
  return check_linearizable(History{std::move(ops)}, model).verdict;
}

constexpr Status kInfo = Status::info;
constexpr Status kFail = Status::fail;

TEST(Linearizability, SequentialAndConcurrent) {
  EXPECT_EQ(check({}), Verdict::linearizable);
  EXPECT_EQ(check({op(0, "write", 1, nullptr, 0, 5), op(1, "read", nullptr, 1, 6, 8)}),
            Verdict::linearizable);
  // The read began after the write returned: it must see 1.
  EXPECT_EQ(check({op(0, "write", 1, nullptr, 0, 5), op(1, "read", nullptr, nullptr, 6, 8)}),
            Verdict::not_linearizable);
  // Overlapping: the write may take effect between the two reads.
  EXPECT_EQ(check({op(0, "write", 1, nullptr, 0, 10), op(1, "read", nullptr, nullptr, 1, 2),
                   op(1, "read", nullptr, 1, 3, 4)}),
            Verdict::linearizable);
  // ... but once a read saw the new value, a later read cannot see the old one.
  EXPECT_EQ(check({op(0, "write", 1, nullptr, 0, 10), op(1, "read", nullptr, 1, 1, 2),
                   op(2, "read", nullptr, nullptr, 3, 4)}),
            Verdict::not_linearizable);
}

TEST(Linearizability, IndeterminateOperations) {
  // An info write may have taken effect at any time after its call ...
  EXPECT_EQ(check({op(0, "write", 1, nullptr, 0, 0, kInfo), op(1, "read", nullptr, 1, 50, 51)}),
            Verdict::linearizable);
  EXPECT_EQ(check({op(0, "write", 1, nullptr, 0, 0, kInfo), op(1, "read", nullptr, nullptr, 5, 6),
                   op(1, "read", nullptr, 1, 7, 8)}),
            Verdict::linearizable);
  // ... or never.
  EXPECT_EQ(check({op(0, "write", 1, nullptr, 0, 0, kInfo), op(1, "read", nullptr, nullptr, 100, 101)}),
            Verdict::linearizable);
  // But not before its call, and not twice.
  EXPECT_EQ(check({op(1, "read", nullptr, 1, 0, 2), op(0, "write", 1, nullptr, 5, 0, kInfo)}),
            Verdict::not_linearizable);
  EXPECT_EQ(check({op(0, "write", 1, nullptr, 0, 0, kInfo), op(1, "read", nullptr, 1, 5, 6),
                   op(1, "read", nullptr, nullptr, 7, 8)}),
            Verdict::not_linearizable);
  // An info cas swapped only if it took effect with the expected value in place.
  EXPECT_EQ(check({op(0, "write", 1, nullptr, 0, 1), op(1, "cas", json::array({1, 2}), nullptr, 2, 0, kInfo),
                   op(2, "read", nullptr, 2, 5, 6), op(2, "read", nullptr, 2, 7, 8)}),
            Verdict::linearizable);
  EXPECT_EQ(check({op(0, "write", 1, nullptr, 0, 1), op(1, "cas", json::array({3, 2}), nullptr, 2, 0, kInfo),
                   op(2, "read", nullptr, 2, 5, 6)}),
            Verdict::not_linearizable);
}

TEST(Linearizability, FailedCasIsAnObservation) {
  EXPECT_EQ(check({op(0, "write", 1, nullptr, 0, 1), op(1, "cas", json::array({1, 2}), nullptr, 2, 3, kFail)}),
            Verdict::not_linearizable);
  EXPECT_EQ(check({op(0, "write", 1, nullptr, 0, 1), op(1, "cas", json::array({3, 2}), nullptr, 2, 3, kFail)}),
            Verdict::linearizable);
  // Overlapping a write that changes the value, the failed cas can go first or last.
  EXPECT_EQ(check({op(0, "write", 1, nullptr, 0, 1), op(1, "cas", json::array({1, 2}), nullptr, 2, 5, kFail),
                   op(2, "write", 3, nullptr, 3, 4)}),
            Verdict::linearizable);
  // A failed write is dropped.
  EXPECT_EQ(check({op(0, "write", 1, nullptr, 0, 1, kFail), op(1, "read", nullptr, nullptr, 2, 3)}),
            Verdict::linearizable);
}

TEST(Linearizability, KeysArePartitionsAndTheCounterexampleNamesOne) {
  std::vector<Operation> ops = {
      op(0, "put", "a", nullptr, 0, 1, Status::ok, "x"),
      op(1, "put", "b", nullptr, 0, 1, Status::ok, "y"),
      op(0, "get", nullptr, "a", 2, 3, Status::ok, "x"),
      op(1, "append", "c", nullptr, 2, 3, Status::ok, "y"),
      op(2, "get", nullptr, "b", 4, 6, Status::ok, "y"),  // stale: y is "bc"
      op(3, "get", nullptr, "bc", 4, 5, Status::ok, "y"),
  };
  const CheckResult r = check_linearizable(History{ops}, kv_model());
  ASSERT_EQ(r.verdict, Verdict::not_linearizable);
  EXPECT_EQ(r.partitions, 2u);
  ASSERT_TRUE(r.counterexample);
  const Counterexample& c = *r.counterexample;
  EXPECT_EQ(c.partition, "y");
  EXPECT_EQ(c.partition_ops, 4u);
  EXPECT_EQ(c.state, "\"bc\"");
  EXPECT_EQ(c.blocked.output, "b");
  const std::string text = c.to_text();
  EXPECT_NE(text.find("key \"y\""), std::string::npos) << text;
  EXPECT_NE(text.find("p2 get \"y\" -> ok \"b\" @[4,6]"), std::string::npos) << text;
  const json j = r.to_json();
  EXPECT_EQ(j["verdict"], "not-linearizable");
  EXPECT_EQ(j["counterexample"]["partition"], "y");
  EXPECT_EQ(j["counterexample"]["blocked"]["output"], "b");

  ops[4].output = "bc";
  EXPECT_EQ(check(ops, kv_model()), Verdict::linearizable);
}

TEST(Linearizability, OtherModels) {
  EXPECT_EQ(check({op(0, "inc", nullptr, nullptr, 0, 10), op(1, "add", 2, nullptr, 0, 10),
                   op(2, "read", nullptr, 2, 1, 2), op(2, "read", nullptr, 3, 11, 12)},
                  counter_model()),
            Verdict::linearizable);
  EXPECT_EQ(check({op(0, "inc", nullptr, nullptr, 0, 1), op(2, "read", nullptr, 0, 2, 3)}, counter_model()),
            Verdict::not_linearizable);
  EXPECT_EQ(check({op(0, "add", 1, nullptr, 0, 10), op(1, "add", 2, nullptr, 0, 10),
                   op(2, "read", nullptr, json::array({2}), 1, 2)},
                  set_model()),
            Verdict::linearizable);
  EXPECT_EQ(check({op(0, "append", 1, nullptr, 0, 10), op(1, "append", 2, nullptr, 0, 10),
                   op(2, "read", nullptr, json::array({2, 1}), 11, 12)},
                  list_model()),
            Verdict::linearizable);
  EXPECT_EQ(check({op(0, "append", 1, nullptr, 0, 1), op(1, "append", 2, nullptr, 2, 3),
                   op(2, "read", nullptr, json::array({2, 1}), 11, 12)},
                  list_model()),
            Verdict::not_linearizable);
}

TEST(Linearizability, OutOfBudgetIsUnknownNotAGuess) {
  // 24 overlapping writes then a read of a value nobody wrote: refuting it means trying
  // every subset of the writes, far more than a zero budget allows.
  std::vector<Operation> ops;
  for (int i = 0; i < 24; ++i) ops.push_back(op(i, "write", i, nullptr, 0, 100));
  ops.push_back(op(99, "read", nullptr, 1000, 200, 201));
  CheckOptions options;
  options.budget = std::chrono::milliseconds(0);
  const CheckResult r = check_linearizable(History{ops}, register_model(), options);
  EXPECT_EQ(r.verdict, Verdict::unknown);
  EXPECT_FALSE(r.counterexample);
  EXPECT_EQ(r.unknown_partitions, std::vector<std::string>{""});
}

// 24 overlapping writes then a read of a value nobody wrote (as above): refuting it visits
// every subset of the writes, about 2^24 configurations.
std::vector<Operation> hard_register_history() {
  std::vector<Operation> ops;
  for (int i = 0; i < 24; ++i) ops.push_back(op(i, "write", i, nullptr, 0, 100));
  ops.push_back(op(99, "read", nullptr, 1000, 200, 201));
  return ops;
}

TEST(Linearizability, ExhaustedMemoryBudgetIsUnknownNotAGuess) {
  CheckOptions options;
  options.budget = std::chrono::minutes(10);  // the memory budget must be what stops it
  options.max_memory_bytes = size_t{1} << 20;
  const CheckResult r = check_linearizable(History{hard_register_history()}, register_model(), options);
  EXPECT_EQ(r.verdict, Verdict::unknown);
  EXPECT_FALSE(r.counterexample);
  EXPECT_EQ(r.unknown_partitions, std::vector<std::string>{""});
  EXPECT_EQ(r.unknown_reason, "memory budget of 1 MiB exhausted");
  EXPECT_TRUE(r.out_of_memory);
  EXPECT_FALSE(r.out_of_time);
  EXPECT_LE(r.peak_search_bytes, options.max_memory_bytes);
  EXPECT_GT(r.peak_search_bytes, options.max_memory_bytes / 2) << "the budget was used, not refused early";
}

TEST(Linearizability, MemoryBudgetCountsTheStatesOwnHeap) {
  // kv states are strings: 16 overlapping appends of 4 KiB each, then an impossible read.
  // The memo's strings dominate; a budget that counted only sizeof(State) would let them
  // grow far past it.
  std::vector<Operation> ops;
  for (int i = 0; i < 16; ++i)
    ops.push_back(op(i, "append", std::string(4096, static_cast<char>('a' + i)), nullptr, 0, 100, Status::ok, "k"));
  ops.push_back(op(99, "get", nullptr, "nope", 200, 201, Status::ok, "k"));
  CheckOptions options;
  options.budget = std::chrono::minutes(10);
  options.max_memory_bytes = size_t{8} << 20;
  const CheckResult r = check_linearizable(History{ops}, kv_model(), options);
  EXPECT_EQ(r.verdict, Verdict::unknown);
  EXPECT_TRUE(r.out_of_memory);
  EXPECT_LE(r.peak_search_bytes, options.max_memory_bytes);
  // Each memoised state holds at least 4 KiB of string: at most 8 MiB / 4 KiB of them fit.
  EXPECT_LE(r.cache_entries, options.max_memory_bytes / 4096);
}

TEST(Linearizability, SmallMemoryBudgetStillGivesVerdictsOnEasyHistories) {
  CheckOptions options;
  options.max_memory_bytes = size_t{64} << 10;
  EXPECT_EQ(check_linearizable(History{{op(0, "write", 1, nullptr, 0, 5), op(1, "read", nullptr, 1, 6, 8)}},
                               register_model(), options).verdict,
            Verdict::linearizable);
  EXPECT_EQ(check_linearizable(History{{op(0, "write", 1, nullptr, 0, 5), op(1, "read", nullptr, nullptr, 6, 8)}},
                               register_model(), options).verdict,
            Verdict::not_linearizable);
  // One key exhausts the budget, another is refuted: the violation is reported, not hidden.
  std::vector<Operation> ops = hard_register_history();
  for (Operation& o : ops) o.key = "hard";
  ops.push_back(op(0, "put", "1", nullptr, 300, 301, Status::ok, "easy"));
  ops.push_back(op(1, "get", nullptr, "2", 302, 303, Status::ok, "easy"));
  options.max_memory_bytes = size_t{1} << 20;
  options.budget = std::chrono::minutes(10);
  options.check_all_partitions = true;
  const CheckResult r = check_linearizable(History{ops}, kv_model(), options);
  EXPECT_EQ(r.verdict, Verdict::not_linearizable);
  EXPECT_EQ(r.violating_partitions, std::vector<std::string>{"easy"});
}

TEST(Linearizability, ModelErrorsAreReported) {
  EXPECT_THROW(check({op(0, "frob", nullptr, nullptr, 0, 1)}), ModelError);
}

TEST(Linearizability, ChecksRunOnSeveralThreadsAtOnce) {
  std::vector<Operation> good = {op(0, "write", 1, nullptr, 0, 10), op(1, "read", nullptr, nullptr, 1, 2),
                                 op(1, "read", nullptr, 1, 3, 4)};
  std::vector<Operation> bad = {op(0, "write", 1, nullptr, 0, 5), op(1, "read", nullptr, nullptr, 6, 8)};
  const Model model = register_model();  // one Model shared by both threads
  Verdict a{}, b{};
  std::thread t1([&] { for (int i = 0; i < 200; ++i) a = check_linearizable(History{good}, model).verdict; });
  std::thread t2([&] { for (int i = 0; i < 200; ++i) b = check_linearizable(History{bad}, model).verdict; });
  t1.join();
  t2.join();
  EXPECT_EQ(a, Verdict::linearizable);
  EXPECT_EQ(b, Verdict::not_linearizable);
}

}  // namespace
}  // namespace dsim::check
