// Transaction ids are unique by construction: (client, incarnation, sequence) map to distinct
// ids for every value a scenario can produce, a client restarted many times reuses no id (its
// own or another client's), and what would overflow a field is refused when the scenario is
// read. The old packing (client * 10^6 + incarnation * 10^5 + sequence) gave c1's 11th
// incarnation c2's ids.
#include <gtest/gtest.h>

#include <set>

#include "protocols/commit/observations.h"
#include "protocols/commit/txn.h"
#include "protocols/registry.h"
#include "sim/json_source.h"
#include "tools/cli/runner.h"

namespace dsim::commit {
namespace {

TEST(TxnId, DistinctFieldsGiveDistinctIds) {
  std::set<uint64_t> ids;
  size_t made = 0;
  for (uint64_t client : {uint64_t{1}, uint64_t{2}, uint64_t{3}, uint64_t{99'999}, uint64_t{sim::kMaxClients}})
    for (uint32_t incarnation : {0u, 1u, 9u, 10u, 11u, 100u, kMaxClientRestarts - 1, kMaxClientRestarts})
      for (uint64_t seq : {uint64_t{1}, uint64_t{2}, uint64_t{99'999}, uint64_t{100'000}, uint64_t{100'001},
                           uint64_t{999'999}, uint64_t{1'000'000}, kMaxTxnSequence}) {
        const TxnId id = make_txn_id(client, incarnation, seq);
        ++made;
        EXPECT_TRUE(ids.insert(id.value).second) << "c" << client << " incarnation " << incarnation << " #" << seq;
        EXPECT_NE(id.value, 0u);  // 0 is no transaction (a default TxnId)
      }
  EXPECT_EQ(ids.size(), made);
  // Readable in a trace: c3's 17th transaction after 2 restarts.
  EXPECT_EQ(make_txn_id(3, 2, 17).value, 30'000'200'000'017u);
}

// Every transaction id a 2PC run's clients submitted.
std::vector<uint64_t> submitted_ids(const std::string& scenario) {
  sim::Scenario s = cli::load_document(sim::parse_json_source(scenario, "test.json"), {});
  sim::MemorySink events;
  cli::RunRequest request;
  request.scenario = &s;
  request.extra_sinks = {&events};
  cli::execute(request);
  std::vector<uint64_t> ids;
  for (const auto& ev : events.events())
    if (const auto* s = ev.view().observed<Submitted>()) ids.push_back(s->txn.value);
  return ids;
}

TEST(TxnId, AClientRestartedManyTimesReusesNoId) {
  // c1 is restarted 14 times; c2 runs throughout. Each incarnation of c1 submits transactions.
  std::string faults;
  for (int i = 0; i < 14; ++i)
    faults += std::string(i ? ", " : "") + R"({"at": ")" + std::to_string(100 + i * 100) +
              R"(ms", "crash": "c1", "for": "50ms"})";
  const auto ids = submitted_ids(R"({"protocol": {"name": "twopc"}, "nodes": 3, "duration": "2s",
      "workload": {"clients": 2, "rate": 200, "arrivals": "periodic"}, "faults": [)" + faults + "]}");
  ASSERT_GT(ids.size(), 300u);
  std::set<uint64_t> distinct(ids.begin(), ids.end());
  EXPECT_EQ(distinct.size(), ids.size()) << "a transaction id was submitted twice";
  std::set<uint64_t> incarnations;
  for (uint64_t id : ids)
    if (id / kTxnClientUnit == 1) incarnations.insert(id % kTxnClientUnit / kTxnIncarnationUnit);
  EXPECT_EQ(incarnations.size(), 15u) << "c1 submitted in each of its incarnations";
}

std::string error_of(const std::string& scenario, const sim::Registry& registry = protocols::registry()) {
  try {
    sim::parse_scenario(sim::ConfigSource(sim::parse_json_source(scenario, "test.json")), registry, cli::sections());
  } catch (const sim::InputError& e) {
    return e.what();
  }
  return "";
}

TEST(TxnId, AWorkloadThatCouldExhaustAClientsIdsIsRefused) {
  const std::string e = error_of(R"({"protocol": {"name": "twopc"}, "nodes": 3, "duration": "100s",
      "workload": {"clients": 1, "rate": 1000000}})");
  EXPECT_NE(e.find("test.json:"), std::string::npos) << e;
  EXPECT_NE(e.find("workload.rate"), std::string::npos) << e;
  EXPECT_NE(e.find("100000000 transactions per client"), std::string::npos) << e;
  EXPECT_NE(e.find("transaction ids allow"), std::string::npos) << e;
  EXPECT_EQ(e.find('\n'), std::string::npos) << e;
  // With a count, or a rate the ids hold, it runs.
  EXPECT_EQ(error_of(R"({"protocol": {"name": "twopc"}, "nodes": 3, "duration": "100s",
      "workload": {"clients": 1, "rate": 1000000, "count": 1000}})"), "");
  EXPECT_EQ(error_of(R"({"protocol": {"name": "threepc"}, "nodes": 3, "duration": "100s",
      "workload": {"clients": 1, "rate": 100000}})"), "");
  EXPECT_NE(error_of(R"({"protocol": {"name": "twopc"}, "nodes": 3,
      "workload": {"clients": 1, "count": 100000000}})").find("workload.count"), std::string::npos);
}

TEST(TxnId, RestartingAClientMoreOftenThanItsIdsAllowIsRefused) {
  // The real bound (99,999 restarts) would take a huge scenario; the rule is the same for a
  // protocol that allows 2.
  sim::ProtocolSpec twopc = *protocols::registry().find("twopc");
  EXPECT_EQ(twopc.max_client_restarts, kMaxClientRestarts);
  twopc.max_client_restarts = 2;
  sim::Registry registry;
  registry.add(twopc);
  const std::string head = R"({"protocol": {"name": "twopc"}, "nodes": 3, "workload": {"clients": 2}, "faults": [
      {"at": "1s", "crash": "c1", "for": "1s"}, {"at": "3s", "crash": "c2"}, {"at": "4s", "restart": ["c1", "c2"]})";
  EXPECT_EQ(error_of(head + "]}", registry), "");
  const std::string e = error_of(head + R"(, {"at": "5s", "crash": "c1", "for": "1s"}]})", registry);
  EXPECT_NE(e.find("faults.3"), std::string::npos) << e;
  EXPECT_NE(e.find("restarts c1 more than 2 times"), std::string::npos) << e;
  EXPECT_EQ(e.find('\n'), std::string::npos) << e;
}

}  // namespace
}  // namespace dsim::commit
