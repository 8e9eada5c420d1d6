// tools/lint has teeth: on a tree that breaks each determinism rule and the dependency
// direction it fails and names every offence; on the project's own tree it passes.
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace {

namespace fs = std::filesystem;

struct Lint {
  int code;
  std::string out;
};

Lint run_lint(const std::string& root) {
  // Per-test file: ctest runs tests in parallel processes.
  const std::string out = testing::TempDir() + "dsim_lint_out_" +
                          testing::UnitTest::GetInstance()->current_test_info()->name() + ".txt";
  const std::string cmd = (root.empty() ? "" : "DSIM_LINT_ROOT=" + root + " ") + std::string(DSIM_SOURCE_DIR) +
                          "/tools/lint >" + out + " 2>&1";
  const int status = std::system(cmd.c_str());
  std::ifstream in(out);
  std::stringstream ss;
  ss << in.rdbuf();
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, ss.str()};
}

TEST(Lint, ProjectTreeIsClean) {
  Lint l = run_lint("");
  EXPECT_EQ(l.code, 0) << l.out;
}

TEST(Lint, CatchesEachBannedConstructAndNamesTheReplacement) {
  const fs::path root = fs::path(testing::TempDir()) / "dsim_lint_tree";
  fs::remove_all(root);
  fs::create_directories(root / "sim");
  fs::create_directories(root / "protocols/x");
  std::ofstream(root / "sim/bad.cc") << "#include \"protocols/x/node.h\"\n"
                                        "void a() { auto t = std::chrono::system_clock::now(); }\n"
                                        "void b() { std::random_device rd; }\n"
                                        "int c() { return rand(); }\n"
                                        "double d(G& g) { return std::normal_distribution<double>(0, 1)(g); }\n"
                                        "void e() { std::thread t([] {}); }\n"
                                        "const char* f() { return getenv(\"HOME\"); }\n"
                                        "size_t g(int x) { return std::hash<int>{}(x); }\n"
                                        "int h() {\n  static int calls = 0;\n  return ++calls;\n}\n"
                                        "std::unordered_map<int, int> table;\n"
                                        "void i() { for (auto& kv : table) {} }\n"
                                        "// a comment that mentions rand() and time() is fine\n"
                                        "void ok() { auto t = std::chrono::steady_clock::now(); }  // lint: allow (test)\n";
  std::ofstream(root / "protocols/x/node.cc") << "#include \"faults/nemesis.h\"\n";
  Lint l = run_lint(root.string());
  EXPECT_EQ(l.code, 1);
  for (const char* expect : {"sim/bad.cc:1: sim/ must not include protocols/", "sim/bad.cc:2: wall clocks",
                             "sim/bad.cc:3: std::random_device", "sim/bad.cc:4: rand()",
                             "sim/bad.cc:5: <random> distributions", "sim/bad.cc:6: threads",
                             "sim/bad.cc:7: getenv", "sim/bad.cc:8: std::hash", "sim/bad.cc:10: mutable static",
                             "sim/bad.cc:14: iterating unordered container 'table'",
                             "protocols/x/node.cc:1: protocols/ must not include faults/"})
    EXPECT_NE(l.out.find(expect), std::string::npos) << "missing: " << expect << "\n" << l.out;
  EXPECT_EQ(l.out.find("bad.cc:15"), std::string::npos) << l.out;
  EXPECT_EQ(l.out.find("bad.cc:16"), std::string::npos) << l.out;
  fs::remove_all(root);
}

}  // namespace
