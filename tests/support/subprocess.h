// Helpers for tests that run the dsim binary (or a shell command) as a user would: per-test
// temporary file names (ctest runs tests in parallel processes), capture of exit code, stdout
// and stderr.
#pragma once

#include <gtest/gtest.h>

#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

namespace dsim_test {

struct Result {
  int code = -1;
  std::string out, err;
};

inline std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A temporary path unique to the running test.
inline std::string tmp(const std::string& name) {
  const auto* test = ::testing::UnitTest::GetInstance()->current_test_info();
  return ::testing::TempDir() + "dsim_" + test->test_suite_name() + "_" + test->name() + "_" + name;
}

inline Result sh(const std::string& cmd) {
  const std::string out = tmp("stdout"), err = tmp("stderr");
  const int status = std::system((cmd + " >" + out + " 2>" + err).c_str());
  return Result{WIFEXITED(status) ? WEXITSTATUS(status) : -1, slurp(out), slurp(err)};
}

inline Result run_dsim(const std::string& args) {
  std::string cmd = DSIM_BINARY;
  cmd += " ";
  cmd += args;
  return sh(cmd);
}

// Writes a temporary file for this test and returns its path.
inline std::string write(const std::string& name, const std::string& text) {
  const std::string path = tmp(name);
  std::ofstream(path) << text;
  return path;
}

}  // namespace dsim_test
