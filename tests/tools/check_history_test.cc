// `dsim check-history` as a user meets it: the dsim binary run as a subprocess on dsim-format
// histories written here and on the Porcupine corpus read in place (skipped without
// ../shared, see tests/support/shared_data.h). Exit code 0 linearizable, 1 not (with a
// counterexample), 3 unknown when the time or memory budget runs out, 2 bad input with
// exactly one line on stderr naming the file and line.
#include <gtest/gtest.h>

#include "tests/support/shared_data.h"
#include "tests/support/subprocess.h"

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace {

using namespace dsim_test;

bool has(const std::string& text, const std::string& fragment) { return text.find(fragment) != std::string::npos; }

// Two clients on one key: the read overlaps the put and sees it; a later read sees it too.
const std::string kLinearizable = R"({"process":0,"type":"invoke","f":"put","key":"a","value":"1"}
{"process":1,"type":"invoke","f":"get","key":"a"}
{"process":0,"type":"ok","f":"put","key":"a"}
{"process":1,"type":"ok","f":"get","key":"a","value":"1"}

{"process":0,"type":"invoke","f":"get","key":"a"}
{"process":0,"type":"ok","f":"get","key":"a","value":"1"}
{"process":2,"type":"invoke","f":"put","key":"b","value":"2"}
{"process":2,"type":"ok","f":"put","key":"b"}
)";

// A stale read: the write of 1 returned at t=20, the read invoked at t=30 still sees nothing.
const std::string kStaleRead = R"({"process":0,"type":"invoke","f":"write","value":1,"time":10}
{"process":0,"type":"ok","f":"write","time":20}
{"process":1,"type":"invoke","f":"read","time":30}
{"process":1,"type":"ok","f":"read","value":null,"time":40}
)";

// Expects exit 2, nothing on stdout, and exactly one line on stderr containing every fragment.
void expect_history_input_error(const std::string& args, const std::vector<std::string>& fragments) {
  Result r = run_dsim(args);
  EXPECT_EQ(r.code, 2) << r.out << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << "not one line: " << r.err;
  EXPECT_TRUE(r.err.rfind("dsim: ", 0) == 0) << r.err;
  for (const auto& f : fragments) EXPECT_TRUE(has(r.err, f)) << "missing '" << f << "' in: " << r.err;
  EXPECT_TRUE(r.out.empty()) << r.out;
}

TEST(CheckHistory, LinearizableDsimHistory) {
  const auto f = write("ok.jsonl", kLinearizable);
  Result r = run_dsim("check-history " + f + " --model kv");
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_TRUE(r.err.empty()) << r.err;
  EXPECT_TRUE(has(r.out, "history:    " + f + " (format dsim)")) << r.out;
  for (const char* s : {"model:      kv", "operations: 4 in 2 partitions", "verdict:    linearizable", "time:"})
    EXPECT_TRUE(has(r.out, s)) << s << " in:\n" << r.out;
}

TEST(CheckHistory, NonLinearizableDsimHistoryPrintsCounterexample) {
  const auto f = write("stale.jsonl", kStaleRead);
  Result r = run_dsim("check-history " + f + " --model register --format dsim");
  EXPECT_EQ(r.code, 1) << r.out << r.err;
  for (const char* s : {"verdict:    not-linearizable", "is not linearizable", "longest linearizable prefix: 1 ops",
                              "p0 write 1 -> ok @[10,20]", "p1 read -> ok @[30,40]"})
    EXPECT_TRUE(has(r.out, s)) << s << " in:\n" << r.out;
}

TEST(CheckHistory, JsonOutputParses) {
  const auto ok = write("ok.jsonl", kLinearizable);
  Result r = run_dsim("check-history " + ok + " --model kv --json");
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1) << r.out;
  nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["verdict"], "linearizable");
  EXPECT_EQ(j["file"], ok);
  EXPECT_EQ(j["model"], "kv");
  EXPECT_EQ(j["operations"], 4);
  EXPECT_EQ(j["partitions"], 2);
  EXPECT_TRUE(j["seconds"].is_number());
  EXPECT_FALSE(j.contains("counterexample"));

  const auto bad = write("stale.jsonl", kStaleRead);
  r = run_dsim("check-history " + bad + " --model register --json");
  ASSERT_EQ(r.code, 1) << r.out << r.err;
  j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["verdict"], "not-linearizable");
  ASSERT_TRUE(j.contains("counterexample")) << r.out;
  EXPECT_EQ(j["counterexample"]["blocked"]["f"], "read");
  EXPECT_EQ(j["counterexample"]["blocked"]["line"], 3);
}

TEST(CheckHistory, JepsenEtcdCorpus) {
  DSIM_SHARED_DATA(corpus, "conformance/porcupine");
  // verdicts.tsv: etcd_007 linearizable, etcd_000 not.
  Result r = run_dsim("check-history " + corpus + "jepsen/etcd_007.log --model register --format jepsen");
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_TRUE(has(r.out, "verdict:    linearizable")) << r.out;
  r = run_dsim("check-history " + corpus + "jepsen/etcd_000.log --model register --format jepsen");
  EXPECT_EQ(r.code, 1) << r.out << r.err;
  EXPECT_TRUE(has(r.out, "verdict:    not-linearizable")) << r.out;
  EXPECT_TRUE(has(r.out, "longest linearizable prefix")) << r.out;
}

TEST(CheckHistory, PorcupineKvCorpus) {
  DSIM_SHARED_DATA(corpus, "conformance/porcupine");
  Result r = run_dsim("check-history " + corpus + "kv/c10-ok.txt --model kv --format porcupine --json");
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["verdict"], "linearizable");
  r = run_dsim("check-history " + corpus + "kv/c10-bad.txt --model kv --format porcupine");
  EXPECT_EQ(r.code, 1) << r.out << r.err;
  EXPECT_TRUE(has(r.out, "10 partitions")) << r.out;
  EXPECT_TRUE(has(r.out, "verdict:    not-linearizable")) << r.out;
  EXPECT_TRUE(has(r.out, "is not linearizable")) << r.out;
}

TEST(CheckHistory, ExhaustedBudgetIsUnknownNotAGuess) {
  // etcd_002 is linearizable but takes over a million search steps; the budget is checked
  // every 1024 steps, so a zero budget always runs out first.
  DSIM_SHARED_DATA(corpus, "conformance/porcupine");
  const std::string hard = corpus + "jepsen/etcd_002.log";
  Result r = run_dsim("check-history " + hard + " --model register --format jepsen --budget 0ms");
  EXPECT_EQ(r.code, 3) << r.out << r.err;
  EXPECT_TRUE(has(r.out, "verdict:    unknown")) << r.out;
  EXPECT_TRUE(has(r.out, "time budget exhausted")) << r.out;
  EXPECT_FALSE(has(r.out, "verdict:    linearizable")) << r.out;
  r = run_dsim("check-history " + hard + " --model register --format jepsen --budget 0ms --json");
  EXPECT_EQ(r.code, 3) << r.out << r.err;
  nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["verdict"], "unknown");
  EXPECT_EQ(j["unknown_partitions"], nlohmann::json::array({""}));
}

TEST(CheckHistory, HelpHasExamplesAndExitCodes) {
  Result r = run_dsim("check-history --help");
  EXPECT_EQ(r.code, 0);
  for (const char* s : {"Examples:", "--model", "--format", "--budget", "--max-memory", "--json", "3 unknown"})
    EXPECT_TRUE(has(r.out, s)) << s << " in:\n" << r.out;
  EXPECT_TRUE(has(run_dsim("--help").out, "check-history"));
}

TEST(CheckHistoryBadInput, MissingFile) {
  expect_history_input_error("check-history /nonexistent/history.jsonl --model kv",
                     {"/nonexistent/history.jsonl: cannot read history: No such file or directory"});
}

TEST(CheckHistoryBadInput, GarbledLineNamesFileAndLine) {
  std::string text = kLinearizable;
  text.replace(text.find('\n') + 1, 10, "#garbage#!");
  const auto f = write("garbled.jsonl", text);
  expect_history_input_error("check-history " + f + " --model kv", {f + ":2: ", "not JSON"});
}

TEST(CheckHistoryBadInput, InconsistentHistoryNamesFileAndLine) {
  const auto f = write("orphan.jsonl", R"({"process":0,"type":"invoke","f":"put","key":"a","value":"1"}
{"process":0,"type":"ok","f":"put","key":"a"}
{"process":3,"type":"ok","f":"get","key":"a","value":"1"}
)");
  expect_history_input_error("check-history " + f + " --model kv", {f + ":3: ", "no outstanding invocation"});
}

TEST(CheckHistoryBadInput, OperationTheModelCannotReadNamesFileAndLine) {
  const auto f = write("frob.jsonl", R"({"process":0,"type":"invoke","f":"put","key":"a","value":"1"}
{"process":0,"type":"ok","f":"put","key":"a"}
{"process":0,"type":"invoke","f":"frob","key":"a"}
{"process":0,"type":"ok","f":"frob","key":"a"}
)");
  expect_history_input_error("check-history " + f + " --model kv", {f + ":3: ", "model kv", "frob"});
}

TEST(CheckHistoryBadInput, WrongFormatIsAParseError) {
  DSIM_SHARED_DATA(corpus, "conformance/porcupine");
  const std::string kv = corpus + "kv/c01-ok.txt";
  expect_history_input_error("check-history " + kv + " --model kv", {kv + ":1: ", "not JSON"});
}

TEST(CheckHistoryBadInput, UnknownModelOrFormat) {
  const auto f = write("ok.jsonl", kLinearizable);
  expect_history_input_error("check-history " + f + " --model queue", {"--model", "queue"});
  expect_history_input_error("check-history " + f + " --model kv --format edn", {"--format", "edn"});
  expect_history_input_error("check-history " + f, {f + ": --model is needed", "only a dsim trace names its own"});
}

TEST(CheckHistoryBadInput, BadBudget) {
  const auto f = write("ok.jsonl", kLinearizable);
  expect_history_input_error("check-history " + f + " --model kv --budget 10", {"--budget 10", "no unit"});
  expect_history_input_error("check-history " + f + " --model kv --budget=-1s", {"--budget -1s", "negative"});
}

TEST(CheckHistoryBadInput, NumbersOutOfRangeNameFieldLineAndValue) {
  // Each used to abort (1e999: an uncaught nlohmann out_of_range, exit 134) or to wrap silently.
  const std::string time_range = "\"time\" must be an integer in [0, 9223372036854775806], got ";
  const std::string process_range = "\"process\" must be an integer in [0, 2147483647], got ";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"("process":0,"time":1e999)", time_range + "1e999"},
      {R"("process":0,"time":1.5)", time_range + "1.5"},
      {R"("process":0,"time":1e30)", time_range + "1e30"},
      {R"("process":0,"time":18446744073709551616)", time_range + "18446744073709551616"},
      {R"("process":-1,"time":1)", process_range + "-1"},
      {R"("process":1e20,"time":1)", process_range + "1e20"},
      {R"("process":4294967296,"time":1)", process_range + "4294967296"},
  };
  for (const auto& [fields, what] : cases) {
    const auto f = write("range.jsonl", kLinearizable + R"({"type":"invoke","f":"put","key":"k1","value":"x",)" +
                                            fields + "}\n");
    expect_history_input_error("check-history " + f + " --model kv", {f + ":10: " + what});
  }
  const auto edn = write("range.edn", "{:process 99999999999999999999, :type :invoke, :f :get, :key \"1\", :value nil}\n");
  expect_history_input_error("check-history " + edn + " --model kv --format porcupine",
                     {edn + ":1: :process must be an integer in [0, 2147483647], got 99999999999999999999"});
  const auto log = write("range.log", "INFO  jepsen.util - 3\t:invoke\t:write\t9223372036854775808\n");
  expect_history_input_error("check-history " + log + " --model register --format jepsen",
                     {log + ":1: a Jepsen value must be an integer in", "got 9223372036854775808"});
}

TEST(CheckHistoryBadInput, HostileTextIsAnErrorNotACrash) {
  // Invalid UTF-8 used to crash when printed (nlohmann type_error 316); deep nesting
  // overflowed the stack when the value was copied.
  const auto edn = write("utf8.edn", "{:process 0, :type :invoke, :f :get, :key \"\xff\", :value nil}\n");
  expect_history_input_error("check-history " + edn + " --model kv --format porcupine",
                     {edn + ":1: an EDN string is not valid UTF-8: \\xFF"});
  const std::string deep = std::string(200000, '[') + "1" + std::string(200000, ']');
  const auto json = write("deep.jsonl", R"({"process":0,"type":"invoke","f":"write","value":)" + deep + "}\n");
  expect_history_input_error("check-history " + json + " --model register", {json + ":1: JSON nested more than 64 levels deep"});
  const auto log = write("deep.log", "INFO  jepsen.util - 0\t:invoke\t:write\t" + deep + "\n");
  expect_history_input_error("check-history " + log + " --model register --format jepsen",
                     {log + ":1: cannot read Jepsen value '" + std::string(60, '[') + "...'"});
  // A line of 100,000 characters is quoted in at most 60 of them.
  const auto garbled = write("long.jsonl", R"({"process":0,"type":"invoke","f":")" + std::string(100000, 'f') + "\n");
  Result r = run_dsim("check-history " + garbled + " --model kv");
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_LT(r.err.size(), 300u) << r.err;
  EXPECT_TRUE(has(r.err, garbled + ":1: not JSON at column ")) << r.err;
}

TEST(CheckHistory, AnEmptyDeviceIsAnEmptyHistory) {
  // Used to abort: std::filesystem::file_size throws on a character device.
  Result r = run_dsim("check-history /dev/null --model kv");
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_TRUE(has(r.out, "empty history: nothing to check")) << r.out;
}

// Thirty overlapping appends to one key, then a read nobody could see: refuting it visits
// about 2^30 configurations whose states are long strings, so the memo grows fast.
std::string hard_kv_history() {
  std::string text;
  for (int p = 0; p < 30; ++p)
    text += R"({"process":)" + std::to_string(p) + R"(,"type":"invoke","f":"append","key":"k","value":"v)" +
            std::to_string(p) + std::string(40, 'x') + "\",\"time\":" + std::to_string(p) + "}\n";
  for (int p = 0; p < 30; ++p)
    text += R"({"process":)" + std::to_string(p) + R"(,"type":"ok","f":"append","key":"k","time":)" +
            std::to_string(1000 + p) + "}\n";
  text += R"({"process":99,"type":"invoke","f":"get","key":"k","time":2000})" "\n";
  text += R"({"process":99,"type":"ok","f":"get","key":"k","value":"nope","time":2001})" "\n";
  return text;
}

TEST(CheckHistoryMemory, ExhaustedMaxMemoryIsUnknownExit3) {
  const auto f = write("hard.jsonl", hard_kv_history());
  Result r = run_dsim("check-history " + f + " --model kv --budget 10m --max-memory 16MiB");
  EXPECT_EQ(r.code, 3) << r.out << r.err;
  EXPECT_TRUE(r.err.empty()) << r.err;
  EXPECT_TRUE(has(r.out, "verdict:    unknown: memory budget of 16 MiB exhausted on 1 of 1 partition (first \"k\"); "
                         "no verdict is guessed, rerun with a larger --max-memory (now 16 MiB)"))
      << r.out;
  r = run_dsim("check-history " + f + " --model kv --budget 10m --max-memory 16MiB --json");
  EXPECT_EQ(r.code, 3) << r.out << r.err;
  const nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["verdict"], "unknown");
  EXPECT_EQ(j["unknown_reason"], "memory budget of 16 MiB exhausted");
  EXPECT_EQ(j["max_memory"], "16 MiB");
  EXPECT_LE(j["peak_search_bytes"].get<uint64_t>(), uint64_t{16} << 20);
}

TEST(CheckHistoryMemory, SmallMaxMemoryStillDecidesEasyHistories) {
  const auto ok = write("ok.jsonl", kLinearizable);
  EXPECT_EQ(run_dsim("check-history " + ok + " --model kv --max-memory 1MiB").code, 0);
  const auto stale = write("stale.jsonl", kStaleRead);
  EXPECT_EQ(run_dsim("check-history " + stale + " --model register --max-memory 1MiB").code, 1);
  DSIM_SHARED_DATA(corpus, "conformance/porcupine");
  Result r = run_dsim("check-history " + corpus + "jepsen/etcd_000.log --model register --format jepsen --max-memory 64MiB");
  EXPECT_EQ(r.code, 1) << r.out << r.err;
}

// `ulimit -v` bounds the address space; AddressSanitizer reserves terabytes of it.
bool address_space_can_be_limited() {
#if defined(__SANITIZE_ADDRESS__)
  return false;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
  return false;
#endif
#endif
  return true;
}

TEST(CheckHistoryMemory, UnderUlimitTheDefaultBudgetRunsOutBeforeMemoryDoes) {
  if (!address_space_can_be_limited()) GTEST_SKIP() << "ulimit -v cannot bound an AddressSanitizer build";
  const auto f = write("hard.jsonl", hard_kv_history());
  // The default budget is at most half of `ulimit -v` (600000 KiB): it used to be a fixed
  // 4 GiB the allocator never reached, so the search died of std::bad_alloc (exit 134).
  Result r = sh("ulimit -v 600000 && exec " + std::string(DSIM_BINARY) + " check-history " + f +
                " --model kv --budget 10m");
  EXPECT_EQ(r.code, 3) << r.out << r.err;
  EXPECT_TRUE(has(r.out, "memory budget of 300000 KiB exhausted")) << r.out;
  // A budget above what the allocator grants: the failed allocation is "unknown" too.
  r = sh("ulimit -v 600000 && exec " + std::string(DSIM_BINARY) + " check-history " + f +
         " --model kv --budget 10m --max-memory 64GiB");
  EXPECT_EQ(r.code, 3) << r.out << r.err;
  EXPECT_TRUE(has(r.out, "verdict:    unknown: out of memory")) << r.out;
  EXPECT_TRUE(r.err.empty()) << r.err;
}

TEST(CheckHistoryBadInput, BadMaxMemory) {
  const auto f = write("ok.jsonl", kLinearizable);
  expect_history_input_error("check-history " + f + " --model kv --max-memory 10", {"--max-memory 10: no unit"});
  expect_history_input_error("check-history " + f + " --model kv --max-memory 10MB", {"--max-memory 10MB: unknown unit 'MB'"});
  expect_history_input_error("check-history " + f + " --model kv --max-memory=-1GiB", {"--max-memory -1GiB: expected a whole number"});
  expect_history_input_error("check-history " + f + " --model kv --max-memory 17179869184GiB", {"--max-memory 17179869184GiB: too large"});
  EXPECT_EQ(run_dsim("check-history " + f + " --model kv --max-memory 0B").code, 3) << "nothing may be memoised: unknown";
}

// The corpus tests above skip when ../shared is missing, and fail when CI requires it. Runs
// this very test binary on one of them with the shared directory pointed elsewhere.
TEST(SharedData, MissingDirectorySkipsUnlessRequired) {
  const auto child = [](const std::string& require) {
    return sh("env -u DSIM_REQUIRE_SHARED DSIM_SHARED_DIR=/nonexistent/shared " + require + " /proc/" +
              std::to_string(getpid()) + "/exe --gtest_filter=CheckHistory.JepsenEtcdCorpus");
  };
  // The child's "[  SKIPPED ]" in a failure message would make ctest report THIS test as skipped.
  const auto quote = [](std::string out) {
    for (size_t at; (at = out.find("[  SKIPPED ]")) != std::string::npos;) out.replace(at, 12, "[  skipped ]");
    return out;
  };
  Result r = child("");
  EXPECT_EQ(r.code, 0) << quote(r.out) << r.err;
  EXPECT_TRUE(has(r.out, "[  SKIPPED ] CheckHistory.JepsenEtcdCorpus")) << quote(r.out);
  EXPECT_TRUE(has(r.out, "/nonexistent/shared/conformance/porcupine not found: skipping; clone the shared data "
                         "next to the repository"))
      << quote(r.out);
  r = child("DSIM_REQUIRE_SHARED=1");
  EXPECT_EQ(r.code, 1) << quote(r.out) << r.err;
  EXPECT_TRUE(has(r.out, "[  FAILED  ] CheckHistory.JepsenEtcdCorpus")) << quote(r.out);
  EXPECT_TRUE(has(r.out, "not found: DSIM_REQUIRE_SHARED=1 makes this a failure")) << quote(r.out);
}

}  // namespace
