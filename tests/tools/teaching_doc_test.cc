// docs/teaching.md stays true: it names every lesson in scenarios/teaching/, and every
// command in its sh blocks runs as written (the binary for tools/dsim, a temporary directory
// for /tmp/) and succeeds.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "tests/support/subprocess.h"

namespace {

using namespace dsim_test;
namespace fs = std::filesystem;

const std::string kDocRoot = DSIM_SOURCE_DIR;

std::vector<std::string> doc_commands(const std::string& doc) {
  std::vector<std::string> out;
  std::istringstream in(doc);
  bool in_sh = false;
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("```", 0) == 0) {
      in_sh = !in_sh && line == "```sh";
      continue;
    }
    if (in_sh && !line.empty()) out.push_back(line);
  }
  return out;
}

TEST(TeachingDoc, NamesEveryLesson) {
  const std::string doc = slurp(kDocRoot + "/docs/teaching.md");
  ASSERT_FALSE(doc.empty());
  size_t lessons = 0;
  for (const auto& f : fs::directory_iterator(kDocRoot + "/scenarios/teaching")) {
    if (f.path().extension() != ".json") continue;
    ++lessons;
    EXPECT_NE(doc.find(f.path().filename().string()), std::string::npos)
        << f.path().filename() << " has no place in docs/teaching.md";
  }
  EXPECT_GE(lessons, 10u);
}

TEST(TeachingDoc, EveryCommandRunsAsWritten) {
  const std::string doc = slurp(kDocRoot + "/docs/teaching.md");
  const auto commands = doc_commands(doc);
  ASSERT_GE(commands.size(), 20u);
  const std::string dir = tmp("lessons");
  fs::create_directories(dir);
  for (const auto& c : commands) {
    ASSERT_EQ(c.rfind("tools/dsim ", 0), 0u) << "a command that is not tools/dsim: " << c;
    std::string cmd = std::regex_replace(c, std::regex("/tmp/"), dir + "/");
    cmd = std::string(DSIM_BINARY) + cmd.substr(std::string("tools/dsim").size());
    Result r = sh("cd " + kDocRoot + " && " + cmd);
    EXPECT_EQ(r.code, 0) << c << "\n" << r.out.substr(0, 2000) << r.err;
    EXPECT_FALSE(r.out.empty()) << c;
  }
}

}  // namespace
