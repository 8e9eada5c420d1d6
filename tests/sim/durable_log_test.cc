// DurableLog (with string records): appends, truncations and prefix drops are visible at once; a crash that loses
// unsynced writes restores the log exactly as it was at the last sync, whatever mix of changes
// came after it; a crash that keeps them makes them durable.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sim/durable_log.h"
#include "sim/rng.h"

namespace dsim::sim {
namespace {

std::vector<std::string> contents(const DurableLog<std::string>& log) {
  std::vector<std::string> out;
  for (uint64_t i = log.begin(); i < log.end(); ++i) out.push_back(std::to_string(i) + "=" + log.at(i));
  return out;
}

TEST(DurableLog, AppendTruncateDropAreVisibleAtOnce) {
  DurableLog<std::string> log;
  log.drop_prefix(1);
  for (const char* r : {"a", "b", "c", "d"}) log.append(r);
  EXPECT_EQ(contents(log), (std::vector<std::string>{"1=a", "2=b", "3=c", "4=d"}));
  log.truncate(3);
  log.append("x");
  log.drop_prefix(2);
  EXPECT_EQ(contents(log), (std::vector<std::string>{"2=b", "3=x"}));
  log.drop_prefix(10);  // a snapshot past the end replaces the whole log
  EXPECT_TRUE(log.empty());
  EXPECT_EQ(log.begin(), 10u);
  EXPECT_EQ(log.end(), 10u);
}

TEST(DurableLog, LosingUnsyncedWritesRestoresTheLastSync) {
  DurableLog<std::string> log;
  log.drop_prefix(1);
  for (const char* r : {"a", "b", "c", "d", "e"}) log.append(r);
  log.sync();
  const auto synced = contents(log);
  log.truncate(4);
  log.append("x");
  log.truncate(2);
  log.append("y");
  log.drop_prefix(2);
  EXPECT_TRUE(log.has_unsynced_changes());
  log.crash(true);
  EXPECT_EQ(contents(log), synced);
  EXPECT_FALSE(log.has_unsynced_changes());
  log.drop_prefix(50);
  log.append("z");
  log.crash(true);
  EXPECT_EQ(contents(log), synced);
  log.append("f");
  log.crash(false);  // kept: now durable
  log.truncate(1);
  log.crash(true);
  EXPECT_EQ(contents(log).back(), "6=f");
}

// Random changes between syncs and crashes, checked against a log copied at every sync.
TEST(DurableLog, RandomChangesAgainstACopyAtEachSync) {
  Rng rng = Rng::derive(7, "durable_log_test");
  DurableLog<std::string> log;
  std::vector<std::string> synced = contents(log);
  uint64_t next = 0;
  for (int step = 0; step < 20000; ++step) {
    const uint64_t op = rng.uniform(100);
    if (op < 50) {
      log.append("r" + std::to_string(next++));
    } else if (op < 62) {
      log.truncate(log.begin() + rng.uniform(log.end() - log.begin() + 1));
    } else if (op < 72) {
      log.drop_prefix(log.begin() + rng.uniform(log.end() - log.begin() + 3));
    } else if (op < 88) {
      log.sync();
      synced = contents(log);
    } else if (op < 96) {
      log.crash(true);
      ASSERT_EQ(contents(log), synced) << "step " << step;
    } else {
      log.crash(false);
      synced = contents(log);
    }
  }
}

}  // namespace
}  // namespace dsim::sim
