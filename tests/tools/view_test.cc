// `dsim view` and `dsim run --view`: the page's file (self-contained, small, deterministic,
// written all or nothing) and, in a real headless Chromium (tests/support/chrome.h), what it
// draws and how it moves: lanes, arrows, drops, down spans, fault bands, role colours, badges,
// the violation marked and selected, stepping with the arrow keys, filters, the node-state
// panel and the Porcupine-style history of a linearizability violation. The counts the page
// reports are checked against counts made here from the trace file itself.
//
// The browser tests skip without chromium (and fail with DSIM_REQUIRE_CHROMIUM=1, as in CI)
// and under the sanitizers. They save screenshots next to the dsim binary, in
// view-screenshots/, and the million-event test reports the time to interactive (a figure,
// not an assertion: STYLE.md keeps timing out of pass/fail).
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <string>

#include "tests/support/chrome.h"
#include "tests/support/subprocess.h"

namespace {

using namespace dsim_test;
using nlohmann::json;

const std::string kViewDsim = DSIM_BINARY;
const std::string kViewRoot = DSIM_SOURCE_DIR;

std::string view_scenario(const std::string& rel) { return kViewRoot + "/scenarios/" + rel; }

// Counts made from the trace file, independently of the page.
struct ViewTraceCounts {
  size_t events = 0, delivers = 0, drops = 0, crashes = 0, sends = 0;
  size_t rewritten_delivered = 0;  // deliveries of messages a Byzantine fault rewrote
  size_t between_1s_and_2s = 0;    // events at simulated times in [1 s, 2 s]
  std::map<std::string, size_t> faults;  // fault name -> how many began
};

ViewTraceCounts view_count(const std::string& trace) {
  ViewTraceCounts c;
  std::ifstream in(trace);
  std::string line;
  std::set<uint64_t> sent, rewritten;
  while (std::getline(in, line)) {
    const json j = json::parse(line);
    if (!j.contains("seq")) continue;
    ++c.events;
    if (j["t"].get<int64_t>() >= 1'000'000'000 && j["t"].get<int64_t>() <= 2'000'000'000) ++c.between_1s_and_2s;
    const std::string ev = j.value("ev", "");
    if (ev == "send") {
      ++c.sends;
      sent.insert(j["id"].get<uint64_t>());
      if (j.value("rewritten", false)) rewritten.insert(j["id"].get<uint64_t>());
    }
    if (ev == "deliver" && rewritten.count(j["id"].get<uint64_t>())) ++c.rewritten_delivered;
    if (ev == "deliver" && sent.count(j["id"].get<uint64_t>())) ++c.delivers;
    if (ev == "drop") ++c.drops;
    if (ev == "crash") ++c.crashes;
    if (ev == "fault" && !(j.contains("data") && j["data"].contains("end_of"))) ++c.faults[j.value("what", "")];
  }
  return c;
}

std::string view_screenshot_dir() {
  const std::string dir = std::filesystem::path(kViewDsim).parent_path().string() + "/view-screenshots";
  std::filesystem::create_directories(dir);
  return dir;
}

class ViewBrowser : public ::testing::Test {
 protected:
  void SetUp() override { DSIM_CHROME_OR_SKIP(); }
  // Opens the page and waits until it has drawn; returns the milliseconds from navigation.
  double open(const std::string& html) {
    chrome_ = std::make_unique<Chrome>(1600, 900);
    chrome_->set_timeout(std::chrono::seconds(60));  // a million-event page takes a while to load and parse
    chrome_->open("file://" + html);
    chrome_->wait_for("window.dsimView && (window.dsimView.ready || window.dsimView.error)", std::chrono::seconds(60));
    const json error = chrome_->eval("window.dsimView.error || null");
    EXPECT_TRUE(error.is_null()) << error.dump();
    return chrome_->eval("window.dsimView.readyMs").get<double>();
  }
  json stats() { return chrome_->eval("Object.assign({}, window.dsimView.stats)"); }
  long selected() { return chrome_->eval("window.dsimView.selected()").get<long>(); }
  void fit() { chrome_->key("f"); }
  void no_errors() {
    const auto& errors = chrome_->errors();
    EXPECT_TRUE(errors.empty()) << errors.front();
  }
  std::unique_ptr<Chrome> chrome_;
};

// ---- the file ------------------------------------------------------------------------

TEST(ViewFile, IsSelfContainedSmallAndDeterministic) {
  const std::string trace = tmp("lc.jsonl"), a = tmp("a.html"), b = tmp("b.html");
  ASSERT_EQ(sh(kViewDsim + " run " + view_scenario("raft/leader-crash.json") + " --trace " + trace).code, 0);
  const Result r = sh(kViewDsim + " view " + trace + " -o " + a);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.err.find("bytes per event"), std::string::npos) << r.err;
  ASSERT_EQ(sh(kViewDsim + " view " + trace + " -o " + b).code, 0);
  const std::string page = slurp(a);
  EXPECT_EQ(page, slurp(b)) << "the same trace must give the same page";
  // Nothing to fetch: no external script, style, image or font.
  for (const char* bad : {"src=\"http", "href=\"http", "url(http", "@import", "<link", "src=\"//"})
    EXPECT_EQ(page.find(bad), std::string::npos) << bad;
  const size_t events = view_count(trace).events;
  ASSERT_GT(events, 30000u);
  EXPECT_LE(static_cast<double>(page.size()) / static_cast<double>(events), 30.0) << page.size() << " bytes";
}

TEST(ViewFile, RunWritesTheViewWithoutLeavingATrace) {
  const std::string dir = tmp("tmpdir");
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const std::string html = tmp("run.html");
  const Result r = sh("TMPDIR=" + dir + " " + kViewDsim + " run " + view_scenario("teaching/threepc-partition.json") + " --view " + html);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(slurp(html).find("dsim-meta"), std::string::npos);
  EXPECT_TRUE(std::filesystem::is_empty(dir)) << "the temporary trace must be removed";
  // With --trace, the same trace serves both.
  const std::string trace = tmp("t.jsonl"), html2 = tmp("run2.html");
  ASSERT_EQ(sh(kViewDsim + " run " + view_scenario("teaching/threepc-partition.json") + " --trace " + trace + " --view " + html2).code, 0);
  const std::string again = tmp("again.html");
  ASSERT_EQ(sh(kViewDsim + " view " + trace + " -o " + again).code, 0);
  EXPECT_EQ(slurp(html2), slurp(again)) << "--view writes what 'dsim view' writes from the same trace";
}

TEST(ViewFile, BadInputIsOneLineAndExit2) {
  const std::string trace = tmp("t.jsonl");
  ASSERT_EQ(sh(kViewDsim + " run " + view_scenario("twopc/happy-path.json") + " --trace " + trace).code, 0);
  const std::string before = slurp(trace);
  // The output must not be the input.
  Result r = sh(kViewDsim + " view " + trace + " -o " + trace);
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_EQ(slurp(trace), before);
  // A garbled trace: exit 2 and no page.
  const std::string garbled = tmp("garbled.jsonl"), out = tmp("out.html");
  std::filesystem::remove(out);
  {
    std::ofstream f(garbled);
    f << before.substr(0, before.size() / 2) << "\n{not json\n";
  }
  r = sh(kViewDsim + " view " + garbled + " -o " + out);
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_FALSE(std::filesystem::exists(out));
  // A missing trace, a directory as output, and --view with --view's output the scenario.
  r = sh(kViewDsim + " view " + tmp("missing.jsonl") + " -o " + out);
  EXPECT_EQ(r.code, 2);
  r = sh(kViewDsim + " view " + trace + " -o " + ::testing::TempDir());
  EXPECT_EQ(r.code, 2);
  const std::string scenario = tmp("scenario.json");
  std::filesystem::copy_file(view_scenario("twopc/happy-path.json"), scenario, std::filesystem::copy_options::overwrite_existing);
  const std::string scenario_text = slurp(scenario);
  r = sh(kViewDsim + " run " + scenario + " --view " + scenario);
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(slurp(scenario), scenario_text);
}

// ---- in the browser ------------------------------------------------------------------

TEST_F(ViewBrowser, ThreePcPartitionShowsTheFaultTheDropsAndTheViolation) {
  const std::string trace = tmp("3pc.jsonl"), html = tmp("3pc.html");
  const Result run = sh(kViewDsim + " run " + view_scenario("teaching/threepc-partition.json") + " --trace " + trace + " --view " + html);
  ASSERT_EQ(run.code, 0) << run.err;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(run.out, m, std::regex(R"(\(trace event #(\d+)\))"))) << run.out;
  const long violation = std::stol(m[1]);
  const ViewTraceCounts counts = view_count(trace);
  ASSERT_GT(counts.drops, 0u);
  ASSERT_EQ(counts.faults.at("partition"), 1u);

  open(html);
  // It opens on the violation: selected, marked, its lane in view.
  EXPECT_EQ(selected(), violation);
  json s = stats();
  EXPECT_EQ(s["violation"], 1) << s.dump();
  EXPECT_EQ(s["lanes"], 5);
  chrome_->wait_for("window.dsimView.detailText().includes('threepc.ac1_agreement')", std::chrono::seconds(10));
  chrome_->screenshot(view_screenshot_dir() + "/threepc-partition.png");

  // The whole run: every delivered message is an arrow, every drop a cross, one partition band.
  fit();
  s = stats();
  EXPECT_EQ(s["mode"], "events");
  ASSERT_EQ(chrome_->eval("window.dsimView.kindOf(" + std::to_string(violation) + ")"), "observe");  // not an arrow itself
  EXPECT_EQ(s["arrows"].get<size_t>(), counts.delivers);
  EXPECT_EQ(s["drops"].get<size_t>(), counts.drops);
  EXPECT_EQ(s["bands"], 1);
  EXPECT_GT(s["badges"].get<int>(), 0);

  // The time window filter keeps exactly the events in it; the slider selects by number.
  chrome_->eval(R"(document.getElementById('win-from').value = '1000';
                   document.getElementById('win-to').value = '2s';
                   document.getElementById('win-apply').click(); 0)");
  EXPECT_EQ(chrome_->eval("window.dsimView.visibleCount()").get<size_t>(), counts.between_1s_and_2s);
  chrome_->eval("document.getElementById('win-clear').click(); 0");
  EXPECT_EQ(chrome_->eval("window.dsimView.visibleCount()").get<size_t>(), counts.events);
  chrome_->eval(R"((() => { const s = document.getElementById('slider'); s.value = '100';
                   s.dispatchEvent(new Event('input')); })())");
  EXPECT_EQ(selected(), 100);
  no_errors();
}

TEST_F(ViewBrowser, ByzantineMessagesHaveTheirOwnColour) {
  const std::string trace = tmp("bz.jsonl"), html = tmp("bz.html");
  ASSERT_EQ(sh(kViewDsim + " run " + view_scenario("teaching/byzantine-pingmesh.json") + " --trace " + trace + " --view " + html).code, 0);
  const ViewTraceCounts counts = view_count(trace);
  ASSERT_GT(counts.rewritten_delivered, 0u);
  open(html);
  fit();
  const json s = stats();
  ASSERT_EQ(s["mode"], "events") << s.dump();
  // The selected event (the violation) is a rewritten reply's delivery, drawn once more, emphasised.
  EXPECT_EQ(s["byzantine"].get<size_t>(), counts.rewritten_delivered + 1);
  EXPECT_EQ(s["arrows"].get<size_t>(), counts.delivers + 1);
  EXPECT_EQ(s["bands"], 1) << "the Byzantine fault's band";
  no_errors();
}

TEST_F(ViewBrowser, HostileTextInTheScenarioStaysText) {
  // A scenario's name and description go into the page; markup in them must stay text.
  const std::string hostile = R"(x</script><!--<script>window.pwned=1</script>& "quoted" 'single' <b>bold</b>)";
  std::string scenario = slurp(view_scenario("teaching/threepc-partition.json"));
  scenario = std::regex_replace(scenario, std::regex(R"("name": "threepc-partition")"), "\"name\": " + json(hostile).dump());
  scenario = std::regex_replace(scenario, std::regex(R"("description": "[^"]*")"), "\"description\": " + json(hostile + " d").dump());
  const std::string file = tmp("hostile.json"), html = tmp("hostile.html");
  {
    std::ofstream f(file);
    f << scenario;
  }
  const Result r = sh(kViewDsim + " run " + file + " --view " + html);
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  open(html);
  EXPECT_TRUE(chrome_->eval("window.pwned === undefined").get<bool>());
  EXPECT_EQ(chrome_->eval("document.getElementById('title').textContent").get<std::string>(), hostile + " (seed 1)");
  EXPECT_EQ(chrome_->eval("window.dsimView.meta.description").get<std::string>(), hostile + " d");
  EXPECT_NE(chrome_->eval("document.title").get<std::string>().find("<b>bold</b>"), std::string::npos);
  EXPECT_EQ(stats()["violation"], 1);
  no_errors();
}

TEST_F(ViewBrowser, RaftLeaderCrashStepsFiltersAndShowsState) {
  const std::string trace = tmp("lc.jsonl"), html = tmp("lc.html");
  ASSERT_EQ(sh(kViewDsim + " run " + view_scenario("raft/leader-crash.json") + " --trace " + trace).code, 0);
  ASSERT_EQ(sh(kViewDsim + " view " + trace + " -o " + html).code, 0);
  const ViewTraceCounts counts = view_count(trace);
  ASSERT_EQ(counts.crashes, 2u);
  open(html);
  EXPECT_EQ(chrome_->eval("window.dsimView.meta.events").get<size_t>(), counts.events);
  json s = stats();
  EXPECT_EQ(s["lanes"], 8);
  EXPECT_EQ(s["mode"], "counts") << "33,000 events at once are drawn as counts";
  EXPECT_EQ(s["down"], 2) << "two crashes, two grey spans";
  EXPECT_GT(s["roles"].get<int>(), 0) << "leaders colour their lanes";

  // Step to the first crash with the keys: select event 0, then ArrowRight moves one at a time.
  chrome_->key("Home");
  EXPECT_EQ(selected(), 0);
  chrome_->key("ArrowRight");
  EXPECT_EQ(selected(), 1);
  chrome_->key("ArrowRight", Chrome::kShift);
  EXPECT_EQ(selected(), 11);
  chrome_->key("ArrowLeft");
  EXPECT_EQ(selected(), 10);

  // Hide heartbeats: exactly the events `dsim log --hide heartbeats` leaves out.
  const Result all = sh(kViewDsim + " log " + trace);
  const size_t all_lines = std::count(all.out.begin(), all.out.end(), '\n');
  const Result without = sh(kViewDsim + " log " + trace + " --hide heartbeats");
  const size_t beats = all_lines - std::count(without.out.begin(), without.out.end(), '\n');
  ASSERT_GT(beats, 100u);
  chrome_->eval("document.getElementById('hide-beats').click(); 0");
  EXPECT_EQ(chrome_->eval("window.dsimView.visibleCount()").get<size_t>(), counts.events - beats);
  chrome_->eval("document.getElementById('hide-beats').click(); 0");
  EXPECT_EQ(chrome_->eval("window.dsimView.visibleCount()").get<size_t>(), counts.events);

  // Hide the heartbeat timers and every observation of type apply: stepping skips them.
  chrome_->eval(R"(for (const b of document.querySelectorAll('#type-list input'))
                     if (b.dataset.type === 'timer:heartbeat' || b.dataset.type === 'observe:apply') b.click(); 0)");
  const size_t shown = chrome_->eval("window.dsimView.visibleCount()").get<size_t>();
  EXPECT_LT(shown, counts.events);
  for (int i = 0; i < 200; ++i) chrome_->key("ArrowRight");
  const long at = selected();
  const json kinds = chrome_->eval("[window.dsimView.kindOf(" + std::to_string(at) + "), window.dsimView.nameOf(" + std::to_string(at) + ")]");
  EXPECT_NE(kinds[1], "heartbeat");
  EXPECT_NE(kinds[1], "apply");

  // Zoomed in around the first crash, the page draws events: arrows, the crash, badges.
  const long crash = chrome_->eval(R"((() => { for (let i = 0; i < window.dsimView.meta.events; i++)
                                        if (window.dsimView.kindOf(i) === 'crash') return i; return -1; })())").get<long>();
  ASSERT_GE(crash, 0);
  chrome_->eval("window.dsimView.select(" + std::to_string(crash) + ")");
  for (int i = 0; i < 12; ++i) chrome_->key("+");
  s = stats();
  EXPECT_EQ(s["mode"], "events") << s.dump();
  EXPECT_GT(s["arrows"].get<int>(), 0);
  EXPECT_GT(s["badges"].get<int>(), 0);
  EXPECT_GE(s["down"].get<int>(), 1);
  // The state panel: every node, the crashed one down, roles named.
  chrome_->wait_for("window.dsimView.stateText().includes('down')", std::chrono::seconds(10));
  const std::string state = chrome_->eval("window.dsimView.stateText()").get<std::string>();
  for (const char* want : {"n1", "n5", "c3", "term", "commit_index", "leader", "follower"})
    EXPECT_NE(state.find(want), std::string::npos) << want << " in\n" << state;
  // A real click on an event's mark selects it (or an event drawn at the very same place: the
  // same node at the same time); the wheel zooms, a drag pans.
  const long client = chrome_->eval(R"((() => { const v = window.dsimView, [a, b] = v.window();
      for (let i = 0; i < v.meta.events; i++) {
        const t = v.timeOf(i);
        if (t > a + (b - a) * 0.55 && t < b - (b - a) * 0.05 && ['client', 'observe'].includes(v.kindOf(i))) return i; }
      return -1; })())").get<long>();
  ASSERT_GE(client, 0);
  const json mark = chrome_->eval("window.dsimView.pointOf(" + std::to_string(client) + ")");
  chrome_->click(mark[0].get<double>(), mark[1].get<double>());
  const long clicked = selected();
  EXPECT_EQ(chrome_->eval("window.dsimView.timeOf(" + std::to_string(clicked) + ")"),
            chrome_->eval("window.dsimView.timeOf(" + std::to_string(client) + ")"));
  EXPECT_EQ(chrome_->eval("JSON.stringify(window.dsimView.pointOf(" + std::to_string(clicked) + "))"),
            chrome_->eval("JSON.stringify(window.dsimView.pointOf(" + std::to_string(client) + "))"));
  chrome_->wait_for("window.dsimView.detailText().includes('#" + std::to_string(clicked) + "')", std::chrono::seconds(10));
  const json before = chrome_->eval("window.dsimView.window()");
  chrome_->wheel(mark[0].get<double>(), mark[1].get<double>(), -300);
  const json zoomed = chrome_->eval("window.dsimView.window()");
  EXPECT_LT(zoomed[1].get<double>() - zoomed[0].get<double>(), before[1].get<double>() - before[0].get<double>());
  chrome_->call("Input.dispatchMouseEvent", {{"type", "mousePressed"}, {"x", 800}, {"y", 400}, {"button", "left"}, {"clickCount", 1}},
                chrome_->session());
  chrome_->call("Input.dispatchMouseEvent", {{"type", "mouseMoved"}, {"x", 600}, {"y", 400}, {"button", "left"}}, chrome_->session());
  chrome_->call("Input.dispatchMouseEvent", {{"type", "mouseReleased"}, {"x", 600}, {"y", 400}, {"button", "left"}, {"clickCount", 1}},
                chrome_->session());
  const json panned = chrome_->eval("window.dsimView.window()");
  EXPECT_GT(panned[0].get<double>(), zoomed[0].get<double>()) << "dragging left moves later in time";
  EXPECT_EQ(selected(), clicked) << "a drag is not a click";

  chrome_->key("l");  // large font: still the same events, bigger
  EXPECT_EQ(stats()["lanes"], 8);
  chrome_->screenshot(view_screenshot_dir() + "/raft-leader-crash.png");
  no_errors();
}

TEST_F(ViewBrowser, LinearizabilityViolationShowsThePorcupineHistory) {
  const std::string trace = tmp("skew.jsonl"), html = tmp("skew.html");
  ASSERT_EQ(sh(kViewDsim + " run " + view_scenario("teaching/raft-lease-clock-skew.json") + " --trace " + trace + " --view " + html).code, 0);
  // The counterexample as `dsim check-history` finds it from the same trace.
  const Result check = sh(kViewDsim + " check-history " + trace + " --budget 300s");  // a loaded machine is slow
  ASSERT_EQ(check.code, 1) << check.out << check.err;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(check.out, m, std::regex(R"(longest linearizable prefix: (\d+) ops)"))) << check.out;
  const size_t prefix = std::stoul(m[1]);
  ASSERT_TRUE(std::regex_search(check.out, m, std::regex(R"(before it can take effect:\n\s+([^\n]+))"))) << check.out;
  const std::string blocked = m[1];

  open(html);
  chrome_->key("h");
  chrome_->wait_for("window.dsimView.historyStats", std::chrono::seconds(20));
  const json h = chrome_->eval("window.dsimView.historyStats");
  EXPECT_EQ(h["prefix"].get<size_t>(), prefix);
  EXPECT_GT(h["shown"].get<int>(), 0);
  const std::string info = chrome_->eval("document.getElementById('history-info').innerText").get<std::string>();
  EXPECT_NE(info.find(blocked), std::string::npos) << blocked << "\nnot in\n" << info;
  // The blocked operation's invocation is a client invoke event of the trace.
  const long inv = h["blocked"].get<long>();
  EXPECT_EQ(chrome_->eval("window.dsimView.kindOf(" + std::to_string(inv) + ")"), "client");
  EXPECT_EQ(chrome_->eval("window.dsimView.nameOf(" + std::to_string(inv) + ")"), "invoke");
  chrome_->screenshot(view_screenshot_dir() + "/linearizability-history.png");
  // Its link selects that invocation in the diagram.
  chrome_->eval("document.querySelector('#history-info a').click(); 0");
  EXPECT_EQ(selected(), inv);
  // At 2 s the leader's clock jumps back and slows, and it is cut off: marked on its lane, the
  // clock offset in its state, the faults as bands.
  const long jump = chrome_->eval(R"((() => { for (let i = 0; i < window.dsimView.meta.events; i++)
                                       if (window.dsimView.kindOf(i) === 'clock') return i; return -1; })())").get<long>();
  ASSERT_GE(jump, 0);
  chrome_->eval("window.dsimView.select(" + std::to_string(jump) + ")");
  const json s = stats();
  EXPECT_GE(s["clocks"].get<int>(), 1) << s.dump();
  EXPECT_GE(s["bands"].get<int>(), 2) << "the clock fault and the cuts";
  chrome_->wait_for("window.dsimView.stateText().includes('offset -300.000ms')", std::chrono::seconds(10));
  no_errors();
}

TEST_F(ViewBrowser, AMillionEventsStayInteractive) {
  const std::string trace = tmp("big.jsonl"), html = tmp("big.html");
  // 300 s of Raft with three clients: a little over a million events.
  ASSERT_EQ(sh(kViewDsim + " run " + view_scenario("raft/leader-crash.json") + " --set duration=300s --no-invariants --trace " + trace).code, 0);
  const auto t = std::chrono::steady_clock::now();
  const Result r = sh(kViewDsim + " view " + trace + " -o " + html);
  ASSERT_EQ(r.code, 0) << r.err;
  const double write_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
  struct stat st {};
  ASSERT_EQ(::stat(html.c_str(), &st), 0);
  const size_t events = view_count(trace).events;
  std::filesystem::remove(trace);
  ASSERT_GE(events, 1'000'000u);
  const double per_event = static_cast<double>(st.st_size) / static_cast<double>(events);
  EXPECT_LE(per_event, 30.0);

  const double ready_ms = open(html);
  EXPECT_EQ(stats()["mode"], "counts");
  // Still responsive: a step, a zoom into single events, a state panel from the middle.
  chrome_->key("End");
  EXPECT_EQ(selected(), static_cast<long>(events) - 1);
  const auto step = std::chrono::steady_clock::now();
  chrome_->eval("window.dsimView.select(" + std::to_string(events / 2) + ")");
  chrome_->key("ArrowRight");
  EXPECT_EQ(selected(), static_cast<long>(events / 2) + 1);
  for (int i = 0; i < 20; ++i) chrome_->key("+");
  EXPECT_EQ(stats()["mode"], "events");
  chrome_->wait_for("window.dsimView.stateText().includes('commit_index')", std::chrono::seconds(20));
  const double step_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - step).count();
  chrome_->screenshot(view_screenshot_dir() + "/million-events.png");
  no_errors();
  std::printf("[ figures  ] %zu events: page %.1f MB (%.1f bytes/event), written in %.1f s; interactive %.0f ms after "
              "navigation; select + step + 20 zooms + state panel %.0f ms\n",
              events, static_cast<double>(st.st_size) / 1e6, per_event, write_s, ready_ms, step_ms);
  ::testing::Test::RecordProperty("events", std::to_string(events));
  ::testing::Test::RecordProperty("bytes_per_event", std::to_string(per_event));
  ::testing::Test::RecordProperty("interactive_ms", std::to_string(ready_ms));
}

}  // namespace
