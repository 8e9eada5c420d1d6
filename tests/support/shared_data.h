// The shared data some tests read (the Porcupine corpus in ../shared/conformance), found in
// ONE place. A clone without ../shared skips those tests with a message saying how to get
// it; CI sets DSIM_REQUIRE_SHARED=1 so that a missing directory fails instead of passing
// quietly. DSIM_SHARED_DIR overrides the location (the tests of this helper point it at a
// missing directory).
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <string>

namespace dsim_test {

// The shared directory: $DSIM_SHARED_DIR, else ../shared next to the repository.
inline std::string shared_dir() {
  const char* dir = std::getenv("DSIM_SHARED_DIR");
  return dir != nullptr && *dir != '\0' ? std::string(dir) : std::string(DSIM_SOURCE_DIR) + "/../shared";
}

// Is a missing shared directory a failure (DSIM_REQUIRE_SHARED=1), not a skip?
inline bool shared_required() {
  const char* required = std::getenv("DSIM_REQUIRE_SHARED");
  return required != nullptr && std::string(required) == "1";
}

// "<shared>/<sub>/" when it exists, "" when not.
inline std::string shared_path(const std::string& sub) {
  const std::string path = shared_dir() + "/" + sub;
  std::error_code ec;
  return std::filesystem::is_directory(path, ec) ? path + "/" : "";
}

inline std::string shared_missing(const std::string& sub) {
  return shared_dir() + "/" + sub + " not found: " +
         (shared_required() ? "DSIM_REQUIRE_SHARED=1 makes this a failure"
                            : "skipping; clone the shared data next to the repository");
}

}  // namespace dsim_test

// Declares `const std::string var` = the shared sub-directory `sub` (with a trailing '/'), or
// ends the test: skipped when it is absent, failed when DSIM_REQUIRE_SHARED=1. A macro because
// GTEST_SKIP and FAIL return from the test body itself.
#define DSIM_SHARED_DATA(var, sub)                                              \
  const std::string var = ::dsim_test::shared_path(sub);                        \
  if (var.empty()) {                                                            \
    if (::dsim_test::shared_required()) FAIL() << ::dsim_test::shared_missing(sub); \
    GTEST_SKIP() << ::dsim_test::shared_missing(sub);                           \
  }
