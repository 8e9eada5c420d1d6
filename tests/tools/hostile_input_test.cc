// Hostile input, by class (the reliability issue): every bad or extreme input is one line on
// stderr naming what and where, exit code 2, no crash, no hang, and no file lost, replaced or
// left half-written. Each test drives the real binary as a user (or an attacker) would; the
// same tests run under ASan+UBSan in tools/test, which is what proves "UBSan stays silent".
#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "tests/support/subprocess.h"

extern char** environ;

namespace {

using namespace dsim_test;
namespace fs = std::filesystem;

const std::string kScenario = R"({"protocol": {"name": "pingmesh"}, "nodes": 3, "duration": "1s"})";

// A fresh, empty directory for this test.
std::string workdir() {
  const std::string dir = tmp("dir");
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

// Every file under dir (names only), to prove a failing command left nothing behind.
std::set<std::string> listing(const std::string& dir) {
  std::set<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.insert(e.path().filename().string());
  return names;
}

bool one_clean_line(const std::string& err) {
  if (std::count(err.begin(), err.end(), '\n') != 1 || err.back() != '\n') return false;
  for (size_t i = 0; i + 1 < err.size(); ++i)
    if (static_cast<unsigned char>(err[i]) < 0x20 && err[i] != '\t') return false;
  return err.size() <= 2100;
}

// Runs dsim in `dir`; expects exit 2, one clean line containing every fragment, no stdout,
// and the directory exactly as it was.
Result expect_bad(const std::string& dir, const std::string& args, const std::vector<std::string>& fragments) {
  const auto before = listing(dir);
  Result r = sh("cd " + dir + " && " + std::string(DSIM_BINARY) + " " + args);
  EXPECT_EQ(r.code, 2) << args << "\nstderr: " << r.err << "\nstdout: " << r.out.substr(0, 500);
  EXPECT_TRUE(one_clean_line(r.err)) << "not one clean line: " << r.err.substr(0, 3000);
  for (const auto& f : fragments) EXPECT_NE(r.err.find(f), std::string::npos) << "missing '" << f << "' in: " << r.err;
  EXPECT_EQ(listing(dir), before) << args;
  return r;
}

std::string in(const std::string& dir, const std::string& name, const std::string& text) {
  std::ofstream(dir + "/" + name) << text;
  return dir + "/" + name;
}

// A valid trace of a short run, written in dir.
std::string make_trace(const std::string& dir, const std::string& name = "t.jsonl") {
  in(dir, "s.json", kScenario);
  Result r = sh("cd " + dir + " && " + std::string(DSIM_BINARY) + " run s.json --trace " + name);
  EXPECT_EQ(r.code, 0) << r.err;
  return dir + "/" + name;
}

std::vector<std::string> file_lines(const std::string& path) {
  std::ifstream f(path);
  std::vector<std::string> lines;
  for (std::string l; std::getline(f, l);) lines.push_back(l);
  return lines;
}

void write_lines(const std::string& path, const std::vector<std::string>& lines) {
  std::ofstream f(path);
  for (const auto& l : lines) f << l << "\n";
}

// ---- 1. numbers out of range wherever input is read -----------------------------------------

TEST(HostileNumbers, TraceTimesBeyondJsonOrIntegersAreBadInput) {
  const std::string dir = workdir();
  make_trace(dir);
  auto lines = file_lines(dir + "/t.jsonl");
  const size_t t = lines[3].find("\"t\":");
  ASSERT_NE(t, std::string::npos);
  for (std::string value : {"1e999", "1.5", "-7", "18446744073709551616", "9223372036854775807"}) {
    auto edited = lines;
    const size_t end = edited[3].find(',', t);
    edited[3] = edited[3].substr(0, t + 4) + value + edited[3].substr(end);
    write_lines(dir + "/bad.jsonl", edited);
    expect_bad(dir, "check bad.jsonl", {"bad.jsonl:4:"});
    expect_bad(dir, "replay bad.jsonl", {"bad.jsonl:4:"});
  }
}

TEST(HostileNumbers, MessageFieldsOutOfTheirTypesRangeAreRefused) {
  const std::string dir = workdir();
  make_trace(dir);
  auto lines = file_lines(dir + "/t.jsonl");
  size_t i = 1;
  while (i < lines.size() && lines[i].find("\"ev\":\"send\"") == std::string::npos) ++i;
  ASSERT_LT(i, lines.size());
  const size_t msg = lines[i].find("\"msg\":{\"id\":");
  ASSERT_NE(msg, std::string::npos) << lines[i];
  lines[i] = lines[i].substr(0, msg) + "\"msg\":{\"id\":-1}}";
  write_lines(dir + "/bad.jsonl", lines);
  expect_bad(dir, "check bad.jsonl", {"bad.jsonl:" + std::to_string(i + 1) + ":", "message pingmesh.ping"});
}

// An enum read back from a trace must be one of its values, and a client's process a Jepsen
// process number: 3PC's StateReply.state is Reported (5 values); "process" at most 2^31-1.
TEST(HostileNumbers, EnumsAndClientProcessesOutOfRangeAreRefused) {
  const std::string dir = workdir();
  Result run = sh("cd " + dir + " && " + std::string(DSIM_BINARY) + " run " + std::string(DSIM_SOURCE_DIR) +
                  "/scenarios/teaching/threepc-partition.json --trace p.jsonl");
  ASSERT_EQ(run.code, 0) << run.err;
  auto lines = file_lines(dir + "/p.jsonl");
  size_t i = 1;
  while (i < lines.size() && lines[i].find("threepc.state_reply\",\"msg\"") == std::string::npos) ++i;
  ASSERT_LT(i, lines.size());
  const size_t at = lines[i].find("\"state\":");
  ASSERT_NE(at, std::string::npos);
  auto edited = lines;
  edited[i] = lines[i].substr(0, at) + "\"state\":7}}";
  write_lines(dir + "/enum.jsonl", edited);
  expect_bad(dir, "check enum.jsonl", {"enum.jsonl:" + std::to_string(i + 1) + ":", "\"state\" must be 0 to 4, got 7"});
  Result raft = sh("cd " + dir + " && " + std::string(DSIM_BINARY) + " run " + std::string(DSIM_SOURCE_DIR) +
                   "/scenarios/raft/leader-crash.json --trace r.jsonl");
  ASSERT_EQ(raft.code, 0) << raft.err;
  lines = file_lines(dir + "/r.jsonl");
  for (i = 1; i < lines.size() && lines[i].find("\"process\":1}") == std::string::npos; ++i) {
  }
  ASSERT_LT(i, lines.size());
  const size_t p = lines[i].find("\"process\":1}");
  lines[i] = lines[i].substr(0, p) + "\"process\":2147483648}" + lines[i].substr(p + 12);
  write_lines(dir + "/process.jsonl", lines);
  expect_bad(dir, "check process.jsonl", {"process.jsonl:" + std::to_string(i + 1) + ":", "\"process\" must be an integer from 0 to 2147483647"});
}

// ---- 2. time arithmetic at the limits ---------------------------------------------------------

TEST(HostileTime, DurationsBeyondOneHundredDaysAreRefusedWithTheKey) {
  const std::string dir = workdir();
  in(dir, "s.json", kScenario);
  expect_bad(dir, "run s.json --set protocol.params.interval=2562047h", {"protocol.params.interval", "2400h"});
  expect_bad(dir, "run s.json --set duration=2562047h", {"--set duration=2562047h", "longer than 2400h"});
  expect_bad(dir, "run s.json --set duration=9223372036854775807ns", {"duration"});
  expect_bad(dir, "run s.json --set 'faults=[{\"at\":\"1ms\",\"clock\":\"n1\",\"jump\":\"2562047h\"}]'", {"faults.0.jump"});
  expect_bad(dir, "run s.json --set 'faults=[{\"at\":\"1ms\",\"clock\":\"n1\",\"jump\":\"-2562047h\"}]'", {"faults.0.jump"});
  expect_bad(dir, "run s.json --set network.latency.dist=constant --set network.latency.value=2562047h", {"network.latency.value"});
  expect_bad(dir, "check-history x --model kv --budget 2562047h", {"--budget"});
}

TEST(HostileTime, TheLongestAcceptedDurationsRunWithoutOverflow) {
  // 2400h is accepted everywhere; a ping every 100 days over a 100-day run, a clock jump of
  // 100 days both ways and a 100-day latency: nothing wraps, no false violation.
  const std::string dir = workdir();
  in(dir, "s.json", kScenario);
  Result r = sh("cd " + dir + " && " + std::string(DSIM_BINARY) +
                " run s.json --set duration=2400h --set protocol.params.interval=2400h"
                " --set 'faults=[{\"at\":\"1ms\",\"clock\":\"n1\",\"jump\":\"2400h\"},{\"at\":\"2ms\",\"clock\":\"n2\",\"jump\":\"-2400h\"}]'");
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  r = sh("cd " + dir + " && " + std::string(DSIM_BINARY) +
         " run s.json --set duration=2400h --set protocol.params.interval=1h --set network.latency.dist=constant"
         " --set network.latency.value=2400h");
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_EQ(r.out.find("bound of -"), std::string::npos) << r.out;
}

// ---- 3. files are sacred ---------------------------------------------------------------------

TEST(HostileFiles, NoOutputMayOverwriteAnInput) {
  const std::string dir = workdir();
  in(dir, "s.json", kScenario);
  fs::create_symlink("s.json", dir + "/link.json");
  fs::create_hard_link(dir + "/s.json", dir + "/hard.json");
  for (const std::string& out : std::vector<std::string>{"s.json", "./s.json", "link.json", "hard.json", dir + "/../" + fs::path(dir).filename().string() + "/s.json"}) {
    expect_bad(dir, "run s.json --trace " + out, {"--trace", "never overwrites its input"});
    expect_bad(dir, "run s.json --emit-schedule " + out, {"--emit-schedule", "never overwrites"});
    expect_bad(dir, "sweep s.json --seeds 1:2 --out " + out, {"--out", "never overwrites"});
    expect_bad(dir, "shrink s.json --seed 1 -o " + out, {"-o", "never overwrites"});
  }
  expect_bad(dir, "test . --seeds 1 --junit s.json", {"--junit", "never overwrites"});
  expect_bad(dir, "run s.json --trace x.jsonl --emit-schedule ./x.jsonl", {"--trace and --emit-schedule", "same file"});
  EXPECT_EQ(slurp(dir + "/s.json"), kScenario);
}

TEST(HostileFiles, OutputsThatAreNotFilesAreRefused) {
  const std::string dir = workdir();
  in(dir, "s.json", kScenario);
  fs::create_directory(dir + "/sub");
  fs::create_symlink("missing/nowhere.jsonl", dir + "/dangling");
  expect_bad(dir, "run s.json --trace sub", {"--trace sub", "is a directory"});
  expect_bad(dir, "run s.json --trace nodir/x.jsonl", {"nodir", "does not exist"});
  expect_bad(dir, "run s.json --trace dangling", {"--trace dangling", "symbolic link"});
}

TEST(HostileFiles, DevicesAreWrittenInPlaceNeverReplaced) {
  const std::string dir = workdir();
  in(dir, "s.json", kScenario);
  Result r = sh("cd " + dir + " && " + std::string(DSIM_BINARY) + " run s.json --trace /dev/null --emit-schedule /dev/null");
  EXPECT_EQ(r.code, 0) << r.err;
  struct stat st {};
  ASSERT_EQ(::stat("/dev/null", &st), 0);
  EXPECT_TRUE(S_ISCHR(st.st_mode));
  if (::access("/dev/full", W_OK) == 0) {
    expect_bad(dir, "run s.json --trace /dev/full", {"/dev/full", "No space left"});
    ASSERT_EQ(::stat("/dev/full", &st), 0);
    EXPECT_TRUE(S_ISCHR(st.st_mode)) << "/dev/full was replaced";
  }
}

TEST(HostileFiles, ASymlinkedOutputKeepsTheLinkAndReplacesItsTarget) {
  const std::string dir = workdir();
  in(dir, "s.json", kScenario);
  in(dir, "target.jsonl", "old");
  fs::create_symlink("target.jsonl", dir + "/link.jsonl");
  Result r = sh("cd " + dir + " && " + std::string(DSIM_BINARY) + " run s.json --trace link.jsonl");
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(fs::is_symlink(dir + "/link.jsonl"));
  EXPECT_NE(slurp(dir + "/target.jsonl").find("\"end\":true"), std::string::npos);
}

// Starts dsim in dir with default signal dispositions (not as a shell's background job,
// which ignores SIGINT); its stdout goes to `out` (or /dev/null), stderr to /dev/null.
pid_t spawn(const std::string& dir, std::vector<std::string> args, const std::string& out = "/dev/null") {
  std::string binary = DSIM_BINARY;
  std::vector<char*> argv{binary.data()};
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t all;
  sigemptyset(&all);
  for (int s : {SIGINT, SIGTERM, SIGHUP, SIGPIPE}) sigaddset(&all, s);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF);
  const auto cwd = fs::current_path();
  fs::current_path(dir);
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, binary.c_str(), &actions, &attr, argv.data(), environ);
  fs::current_path(cwd);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  EXPECT_EQ(rc, 0);
  return pid;
}

int wait_for(pid_t pid) {
  int status = 0;
  ::waitpid(pid, &status, 0);
  return status;
}

// Spawns dsim, waits until a file starting with partial_prefix appears, sends the signal and
// returns the exit status.
int interrupt(const std::string& dir, const std::vector<std::string>& args, int sig, const std::string& partial_prefix) {
  const pid_t pid = spawn(dir, args);
  bool seen = false;
  for (int i = 0; i < 600 && !seen; ++i) {
    for (const auto& e : fs::directory_iterator(dir))
      if (e.path().filename().string().rfind(partial_prefix, 0) == 0) seen = true;
    if (!seen) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_TRUE(seen) << "no " << partial_prefix << "* appeared";
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  ::kill(pid, sig);
  return wait_for(pid);
}

TEST(HostileFiles, SignalsDuringATracedRunLeaveNoPartialFileAndKeepTheOldOne) {
  const std::string dir = workdir();
  in(dir, "s.json", R"({"protocol": {"name": "pingmesh"}, "nodes": 300, "duration": "100000s"})");
  in(dir, "run.jsonl", "the previous trace");
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) {
    const int status = interrupt(dir, {"run", "s.json", "--trace", "run.jsonl"}, sig, "run.jsonl.partial");
    EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == sig) << "status " << status;
    EXPECT_EQ(listing(dir), (std::set<std::string>{"s.json", "run.jsonl"})) << "signal " << sig;
    EXPECT_EQ(slurp(dir + "/run.jsonl"), "the previous trace");
  }
}

TEST(HostileFiles, AnInterruptedSweepKeepsTheResultsGatheredSoFar) {
  const std::string dir = workdir();
  in(dir, "s.json", R"({"protocol": {"name": "pingmesh"}, "nodes": 30, "duration": "20s"})");
  // The sweep writes its results only at the end: interrupt it after two seconds of work.
  const std::string out = dir + "/stdout";
  const pid_t pid = spawn(dir, {"sweep", "s.json", "--seeds", "1:100000", "-j", "2", "--out", "r.jsonl"}, out);
  std::this_thread::sleep_for(std::chrono::seconds(2));
  ::kill(pid, SIGINT);
  const int status = wait_for(pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 128 + SIGINT);
  const auto results = file_lines(dir + "/r.jsonl");
  ASSERT_GE(results.size(), 2u) << "no results kept";
  EXPECT_LT(results.size(), 100001u);
  EXPECT_NE(slurp(out).find("interrupted by signal 2"), std::string::npos) << slurp(out);
  // What was kept merges like any shard's results, and the merge says it falls short (exit 1).
  Result merged = sh("cd " + dir + " && " + std::string(DSIM_BINARY) + " sweep --merge r.jsonl");
  EXPECT_EQ(merged.code, 1) << merged.err;
  EXPECT_NE(merged.out.find("r.jsonl has " + std::to_string(results.size() - 1) + " of its 100,000 seeds (interrupted?)"),
            std::string::npos)
      << merged.out;
}

// ---- 4. bounded resources and 5. strict command-line numbers ---------------------------------

TEST(HostileResources, CapsAreStatedInTheError) {
  const std::string dir = workdir();
  in(dir, "s.json", kScenario);
  expect_bad(dir, "sweep s.json -j 100000", {"--jobs 100000", "1 to 256"});
  expect_bad(dir, "test . -j 0", {"--jobs 0", "1 to 256"});
  expect_bad(dir,
             "run s.json --set 'faults=[{\"from\":\"0s\",\"to\":\"1s\",\"nemesis\":{\"kinds\":[\"crash\"],\"every\":\"1ns\"}}]'",
             {"faults.0.nemesis.every", "at most 100000"});
  expect_bad(dir, "sweep s.json --seeds 1:1000000000", {"--seeds", "more than 100 million"});
}

TEST(HostileResources, HugeAndDeepInputsAreRefusedNotFollowed) {
  const std::string dir = workdir();
  in(dir, "s.json", kScenario);
  expect_bad(dir, "run /dev/zero", {"/dev/zero", "larger than 64 MiB"});
  make_trace(dir);
  auto lines = file_lines(dir + "/t.jsonl");
  auto deep = lines;
  deep[5] = "{\"seq\":4,\"t\":1,\"ev\":\"observe\",\"node\":\"n1\",\"what\":\"x\",\"data\":" + std::string(100000, '[') +
            std::string(100000, ']') + "}";
  write_lines(dir + "/deep.jsonl", deep);
  expect_bad(dir, "check deep.jsonl", {"deep.jsonl:6:", "nesting deeper than 256"});
  auto endless = std::vector<std::string>(lines.begin(), lines.begin() + 1);
  endless.push_back(std::string((64 << 20) + 10, 'x'));
  write_lines(dir + "/long.jsonl", endless);
  expect_bad(dir, "check long.jsonl", {"long.jsonl:2:", "longer than 64 MiB"});
  fs::remove(dir + "/long.jsonl");
  expect_bad(dir, "run s.json --set x=" + std::string(300, '[') + std::string(300, ']'), {"nesting deeper than 256"});
}

TEST(HostileNumbers, CommandLineNumbersAreStrict) {
  const std::string dir = workdir();
  in(dir, "s.json", kScenario);
  expect_bad(dir, "run s.json --seed -1", {"--seed -1", "digits only"});
  expect_bad(dir, "run s.json --seed 010", {"--seed 010", "leading zero", "write 10"});
  expect_bad(dir, "run s.json --seed 18446744073709551616", {"--seed 18446744073709551616", "too large"});
  expect_bad(dir, "run s.json --seed ' 7'", {"--seed", "digits only"});
  expect_bad(dir, "run s.json --seed 0x10", {"--seed 0x10"});
  expect_bad(dir, "test . --seeds -1", {"--seeds -1"});
  expect_bad(dir, "test . --seeds 0", {"--seeds 0", "1 to 1000000"});
  expect_bad(dir, "sweep s.json --seeds 1:-5", {"--seeds 1:-5"});
  expect_bad(dir, "sweep s.json --seeds 01:5", {"--seeds 01:5", "leading zero"});
  expect_bad(dir, "bench pingmesh --nodes 1e3", {"--nodes 1e3"});
  expect_bad(dir, "shrink s.json --seed 4294967296x", {"--seed"});
  // The largest seed is a seed like any other.
  Result r = sh("cd " + dir + " && " + std::string(DSIM_BINARY) + " run s.json --seed 18446744073709551615");
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("seed 18446744073709551615"), std::string::npos) << r.out;
}

// ---- 6. traces are input too -----------------------------------------------------------------

TEST(HostileTraces, DamagedTracesAreBadInputForCheckAndReplay) {
  const std::string dir = workdir();
  make_trace(dir);
  const auto lines = file_lines(dir + "/t.jsonl");
  auto truncated = std::vector<std::string>(lines.begin(), lines.begin() + 50);
  write_lines(dir + "/truncated.jsonl", truncated);
  auto no_end = std::vector<std::string>(lines.begin(), lines.end() - 1);
  write_lines(dir + "/no_end.jsonl", no_end);
  auto garbled = lines;
  garbled[20] = garbled[20].substr(0, garbled[20].size() / 2);
  write_lines(dir + "/garbled.jsonl", garbled);
  auto tampered = lines;
  const size_t d = tampered.back().find("\"digest\":\"");
  tampered.back()[d + 10] = tampered.back()[d + 10] == '0' ? '1' : '0';
  write_lines(dir + "/tampered.jsonl", tampered);
  auto backwards = lines;
  const size_t t = backwards[40].find("\"t\":");
  backwards[40] = backwards[40].substr(0, t + 4) + "0" + backwards[40].substr(backwards[40].find(',', t));
  write_lines(dir + "/backwards.jsonl", backwards);
  for (std::string cmd : {"check", "replay"}) {
    expect_bad(dir, cmd + " truncated.jsonl", {"truncated.jsonl:50:", "truncated trace"});
    expect_bad(dir, cmd + " no_end.jsonl", {"no_end.jsonl:", "no end record"});
    expect_bad(dir, cmd + " garbled.jsonl", {"garbled.jsonl:21:", "garbled"});
    expect_bad(dir, cmd + " tampered.jsonl", {"tampered.jsonl:" + std::to_string(lines.size()) + ":", "digest"});
    expect_bad(dir, cmd + " backwards.jsonl", {"backwards.jsonl:41:", "time goes backwards"});
  }
}

TEST(HostileTraces, ReplayStopsAtTheFirstDifference) {
  // The header says seed 2 but the events are seed 1's: a real divergence (exit 1), found at
  // event #0, and the replay stops there instead of simulating the whole run.
  const std::string dir = workdir();
  in(dir, "s.json", R"({"protocol": {"name": "pingmesh"}, "nodes": 3, "duration": "2s"})");
  ASSERT_EQ(sh("cd " + dir + " && " + std::string(DSIM_BINARY) + " run s.json --trace t.jsonl").code, 0);
  auto lines = file_lines(dir + "/t.jsonl");
  const size_t seed = lines[0].find("\"seed\":1");
  ASSERT_NE(seed, std::string::npos);
  lines[0].replace(seed, 8, "\"seed\":2");
  write_lines(dir + "/other.jsonl", lines);
  Result r = sh("cd " + dir + " && " + std::string(DSIM_BINARY) + " replay other.jsonl");
  EXPECT_EQ(r.code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("DIVERGED at trace event #0"), std::string::npos) << r.out;
}

TEST(HostileTraces, ATraceWithoutLiveVerdictsChecksOffline) {
  const std::string dir = workdir();
  in(dir, "s.json", kScenario);
  ASSERT_EQ(sh("cd " + dir + " && " + std::string(DSIM_BINARY) + " run s.json --no-invariants --trace t.jsonl").code, 0);
  Result r = sh("cd " + dir + " && " + std::string(DSIM_BINARY) + " check t.jsonl");
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_EQ(r.out.find("DIFFERS"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("offline only"), std::string::npos) << r.out;
}

// ---- 7. messages that help -------------------------------------------------------------------

TEST(HostileMessages, NameTheOffendingWordAndStayShortAndPrintable) {
  const std::string dir = workdir();
  in(dir, "s.json", kScenario);
  expect_bad(dir, "frobnicate s.json", {"unknown command \"frobnicate\"", "run", "sweep"});
  const std::string huge(5000, '7');
  Result r = expect_bad(dir, "run s.json --set protocol.params.interval=" + huge + "x", {"protocol.params.interval", "more bytes"});
  EXPECT_LT(r.err.size(), 600u);
  expect_bad(dir, "run s.json --set \"$(printf 'protocol.params.interval=\\033[31m\\001red')\"", {"\\x1b[31m\\x01red"});
  expect_bad(dir, "run s.json --set protocol.params.bogus=1", {"known keys here: interval"});
  in(dir, "raft.json", R"({"protocol": {"name": "raft", "params": {"bogus": 1}}})");
  expect_bad(dir, "run raft.json", {"raft.json:1:", "known keys here: check_quorum, election_timeout"});
  // A --set that creates a wrongly shaped key is blamed, not the file at 1:1.
  expect_bad(dir, "run s.json --set network.links.0.from=n1", {"--set network.links.0.from=n1", "network.links"});
  expect_bad(dir, "run s.json --set faults.1x.at=1s", {"--set faults.1x.at=1s"});
}

TEST(HostileMessages, NoExpectedViolationMissingWithExitZero) {
  const std::string dir = workdir();
  for (std::string args : {"", " --no-invariants"}) {
    Result r = sh(std::string(DSIM_BINARY) + " run " + DSIM_SOURCE_DIR "/scenarios/teaching/byzantine-pingmesh.json" + args +
                  " --set duration=900ms");
    const bool missing = r.out.find("EXPECTED VIOLATION MISSING") != std::string::npos;
    EXPECT_EQ(missing, r.code != 0) << args << ": exit " << r.code << "\n" << r.out;
  }
}

// ---- 8. paths from data ----------------------------------------------------------------------

TEST(HostilePaths, ShrinkNamesItsDefaultOutputSafely) {
  const std::string dir = workdir();
  const std::string scenario = DSIM_SOURCE_DIR "/scenarios/teaching/byzantine-pingmesh.json";
  for (const auto& [name, expected] : std::vector<std::pair<std::string, std::string>>{
           {"../escape", "escape-seed1-min.json"}, {"", "scenario-seed1-min.json"}, {"/etc/x", "etc-x-seed1-min.json"},
           {"-rf", "rf-seed1-min.json"}}) {
    Result r = sh("cd " + dir + " && " + std::string(DSIM_BINARY) + " shrink " + scenario + " --seed 1 --set 'name=" + name + "'");
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(listing(dir), std::set<std::string>{expected}) << name;
    fs::remove(dir + "/" + expected);
  }
  EXPECT_FALSE(fs::exists(fs::path(dir).parent_path() / "escape-seed1-min.json"));
}

}  // namespace

namespace {

// Paxos's parameters that only make sense against the cluster size are refused with the key:
// quorums that need not intersect (Flexible Paxos), quorums or proposers beyond the servers,
// and clients for single-decree Paxos.
TEST(HostileScenarios, PaxosQuorumsThatCannotWorkAreRefusedWithTheKey) {
  const std::string dir = workdir();
  const auto write = [&](const std::string& name, const std::string& params, const std::string& rest = "") {
    std::ofstream(dir + "/" + name) << R"({"protocol": {"name": "paxos", "params": )" << params
                                    << R"(}, "nodes": 5, "duration": "1s")" << rest << "}";
  };
  write("fpaxos.json", R"({"q1": 2, "q2": 3})");
  expect_bad(dir, "run fpaxos.json", {"fpaxos.json", "protocol.params.q1", "|Q1| + |Q2| must exceed 5",
                                      "non_intersecting_quorums"});
  write("majority.json", R"({"q1": 3, "q2": 2})");  // 3 + 2 = 5
  expect_bad(dir, "run majority.json", {"protocol.params.q1", "|Q1| = 3 and |Q2| = 2"});
  write("big.json", R"({"q1": 6, "q2": 5})");
  expect_bad(dir, "run big.json", {"protocol.params.q1", "more than the 5 servers"});
  write("proposers.json", R"({"proposers": 9})");
  expect_bad(dir, "run proposers.json", {"protocol.params.proposers", "only 5 servers"});
  write("single.json", R"({"mode": "single"})", R"(, "workload": {"clients": 2})");
  expect_bad(dir, "run single.json", {"workload.clients", "single-decree Paxos has no clients"});
  // The same quorums run with the bug switch that allows them.
  std::ofstream(dir + "/allowed.json") << R"({"protocol": {"name": "paxos", "params": {"q1": 2, "q2": 3},
    "bugs": ["non_intersecting_quorums"]}, "nodes": 5, "duration": "1s"})";
  Result r = sh("cd " + dir + " && " + std::string(DSIM_BINARY) + " run allowed.json --no-invariants");
  EXPECT_EQ(r.code, 0) << r.err;
  // |Q2| alone: |Q1| is derived as the smallest that meets it (5 - 2 + 1 = 4), so it runs.
  write("derived.json", R"({"q2": 2})");
  r = sh("cd " + dir + " && " + std::string(DSIM_BINARY) + " run derived.json --no-invariants");
  EXPECT_EQ(r.code, 0) << r.err;
  fs::remove_all(dir);
}

}  // namespace
