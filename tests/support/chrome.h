// dsim_test::Chrome: a small client of the Chrome DevTools Protocol, for tests that need a real
// browser (the pages `dsim view` writes). It drives one headless Chromium (chrome_process.h)
// and one page at a time: open a URL (file:// included), evaluate JavaScript, press keys,
// click, turn the mouse wheel, take a screenshot, and collect the page's console errors and
// uncaught exceptions. Every wait has a deadline; every failure throws std::runtime_error
// saying what was awaited, with the end of the browser's log. Tests start with
// DSIM_CHROME_OR_SKIP() (chrome_keys.h has the key table).
//
// Not a general CDP library: one page, no frames, no network interception, no dialogs.
#pragma once

#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "tests/support/base64.h"
#include "tests/support/chrome_keys.h"
#include "tests/support/chrome_process.h"

namespace dsim_test {

class Chrome {
 public:
  // $DSIM_CHROMIUM (a path, or a name looked up on PATH), else `chromium` on PATH; "" if none.
  static std::string find_binary();

  // Starts the browser with a window (and viewport) of width x height CSS pixels. Its output
  // goes to log_path().
  explicit Chrome(int width = 1600, int height = 900);
  ~Chrome();
  Chrome(const Chrome&) = delete;
  Chrome& operator=(const Chrome&) = delete;

  // One DevTools command (on a page's session, or the browser's when `session` is empty); its
  // result. Events that arrive meanwhile are kept. Throws on an error reply.
  nlohmann::json call(const std::string& method, nlohmann::json params = {}, const std::string& session = "") {
    return call_until(method, params, session, deadline());
  }

  // The page: a new tab at `url` (closing the previous one), once its load event has fired.
  void open(const std::string& url);
  // The value of a JavaScript expression (a promise is awaited), as JSON; undefined is null.
  // A JavaScript exception becomes a std::runtime_error with its message.
  nlohmann::json eval(const std::string& js) { return eval_until(js, deadline()); }
  // Polls a JavaScript expression (a promise is awaited) until it is truthy; the milliseconds
  // that took. Throws once `timeout` has passed, a second later if the expression itself never
  // returns, or at once if it throws.
  long wait_for(const std::string& condition, std::chrono::milliseconds timeout);

  // Modifier bits for key().
  static constexpr int kAlt = 1, kCtrl = 2, kMeta = 4, kShift = 8;
  // Presses and releases a key: "ArrowRight", "Home", "a", "+", ... (chrome_keys.h), so that
  // the page's keydown listeners see event.key == name.
  void key(const std::string& name, int modifiers = 0);
  // A left click at (x, y) in CSS pixels of the viewport: move, press, release.
  void click(double x, double y);
  // One turn of the mouse wheel at (x, y); delta_y > 0 scrolls down.
  void wheel(double x, double y, double delta_y);
  // Writes a PNG of the viewport to `path`.
  void screenshot(const std::string& path);

  // The page's console.error calls and uncaught exceptions so far, one entry each (an
  // exception with its stack), messages already arrived read first.
  const std::vector<std::string>& errors();
  void clear_errors() { errors_.clear(); }

  // What bounds every wait for the browser (a reply, a page load): 30 s unless set.
  void set_timeout(std::chrono::milliseconds timeout) { timeout_ = timeout; }

  const std::string& session() const { return session_; }
  const std::string& version() const { return version_; }  // "Chrome/156.0.8078.108"
  const std::string& log_path() const { return process_.log_path(); }

 private:
  static std::string binary_or_throw() {
    std::string binary = find_binary();
    if (binary.empty()) throw std::runtime_error("chrome: no chromium binary ($DSIM_CHROMIUM, or `chromium` on PATH)");
    return binary;
  }
  // In a test, <temp>/dsim_<suite>_<test>_chromium.log (as tmp() in subprocess.h names files):
  // one per test, rewritten by each run, where a failed test leaves it.
  static std::string log_for_test() {
    const auto* test = ::testing::UnitTest::GetInstance()->current_test_info();
    if (test == nullptr) return "";
    return ::testing::TempDir() + "dsim_" + test->test_suite_name() + "_" + test->name() + "_chromium.log";
  }
  ChromeClock::time_point deadline() const { return ChromeClock::now() + timeout_; }
  nlohmann::json call_until(const std::string& method, const nlohmann::json& params, const std::string& session,
                            ChromeClock::time_point deadline);
  nlohmann::json eval_until(const std::string& js, ChromeClock::time_point deadline);
  // Reads and keeps events until `deadline`; replies to calls that timed out are dropped.
  void pump(ChromeClock::time_point deadline);
  // The first event `method` of `session` (kept or yet to come), removed from the kept ones.
  nlohmann::json await_event(const std::string& method, const std::string& session);
  nlohmann::json parse(const std::string& text) const;
  void keep_event(nlohmann::json event);
  void need_page(const char* what) const {
    if (session_.empty()) throw std::logic_error(std::string("chrome: ") + what + " before open()");
  }

  ChromeProcess process_;
  int width_, height_;
  std::chrono::milliseconds timeout_ = std::chrono::seconds(30);
  long next_id_ = 1;
  std::deque<nlohmann::json> events_;  // the newest kChromeEventsKept
  std::vector<std::string> errors_;
  std::string target_, session_, version_;
};

inline std::string Chrome::find_binary() {
  const auto executable = [](const std::string& path) { return access(path.c_str(), X_OK) == 0; };
  const char* env = std::getenv("DSIM_CHROMIUM");
  const std::string name = env != nullptr && *env != '\0' ? env : "chromium";
  if (name.find('/') != std::string::npos) return executable(name) ? name : "";
  const char* path_env = std::getenv("PATH");
  const std::string path = path_env != nullptr ? path_env : "/usr/bin:/bin";
  size_t begin = 0;
  for (;;) {
    const size_t end = path.find(':', begin);
    std::string dir = path.substr(begin, end == std::string::npos ? std::string::npos : end - begin);
    const std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
    std::error_code not_a_file;
    if (executable(candidate) && std::filesystem::is_regular_file(candidate, not_a_file)) return candidate;
    if (end == std::string::npos) return "";
    begin = end + 1;
  }
}

inline Chrome::Chrome(int width, int height)
    : process_(binary_or_throw(), width, height, log_for_test()), width_(width), height_(height) {
  // The first reply proves the browser is up and speaking the protocol.
  version_ = call("Browser.getVersion").value("product", "");
}

inline Chrome::~Chrome() {
  // Ask first (the browser flushes its profile and ends its renderers), then insist.
  try {
    process_.send(nlohmann::json{{"id", next_id_++}, {"method", "Browser.close"}}.dump(),
                  ChromeClock::now() + std::chrono::seconds(1));
  } catch (...) {  // gone already: stop() reaps it
  }
  process_.stop(std::chrono::seconds(5));
}

inline nlohmann::json Chrome::parse(const std::string& text) const {
  nlohmann::json message = nlohmann::json::parse(text, nullptr, false);
  if (message.is_discarded() || !message.is_object())
    throw std::runtime_error("chrome: not a JSON object from the browser: " + text.substr(0, 200));
  return message;
}

inline nlohmann::json Chrome::call_until(const std::string& method, const nlohmann::json& params,
                                         const std::string& session, ChromeClock::time_point deadline) {
  const long id = next_id_++;
  const int budget_ms = chrome_detail::ms_until(deadline);
  nlohmann::json command = {
      {"id", id}, {"method", method}, {"params", params.is_null() ? nlohmann::json::object() : params}};
  if (!session.empty()) command["sessionId"] = session;
  process_.send(command.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), deadline);
  for (;;) {
    const auto text = process_.receive(deadline);
    if (!text)
      throw std::runtime_error("chrome: no reply to " + method + " within " + std::to_string(budget_ms) + " ms; " +
                               process_.describe());
    nlohmann::json message = parse(*text);
    if (!message.contains("id")) {
      keep_event(std::move(message));
      continue;
    }
    if (message["id"] != id) continue;  // the late reply to a call that timed out
    if (message.contains("error"))
      throw std::runtime_error("chrome: " + method + " failed: " + message["error"].value("message", "") + " " +
                               message["error"].value("data", "") + " (params " + command["params"].dump() + ")");
    return message.value("result", nlohmann::json::object());
  }
}

inline void Chrome::pump(ChromeClock::time_point deadline) {
  while (const auto text = process_.receive(deadline)) {
    nlohmann::json message = parse(*text);
    if (!message.contains("id")) keep_event(std::move(message));
  }
}

inline nlohmann::json Chrome::await_event(const std::string& method, const std::string& session) {
  const auto matches = [&](const nlohmann::json& e) {
    return e.value("method", "") == method && e.value("sessionId", "") == session;
  };
  for (auto it = events_.begin(); it != events_.end(); ++it)
    if (matches(*it)) {
      nlohmann::json event = std::move(*it);
      events_.erase(it);
      return event;
    }
  const auto limit = deadline();
  for (;;) {
    const auto text = process_.receive(limit);
    if (!text) throw std::runtime_error("chrome: no " + method + " event in time; " + process_.describe());
    nlohmann::json message = parse(*text);
    if (message.contains("id")) continue;
    if (matches(message)) return message;
    keep_event(std::move(message));
  }
}

namespace chrome_detail {

// One line for an exception: its description (message and stack), else the text CDP gives.
inline std::string exception_text(const nlohmann::json& details) {
  if (!details.is_object()) return "exception";
  const nlohmann::json exception = details.value("exception", nlohmann::json::object());
  const std::string description = exception.is_object() ? exception.value("description", "") : "";
  if (!description.empty()) return description;
  return details.value("text", "exception") + " at " + details.value("url", "") + ":" +
         std::to_string(details.value("lineNumber", 0) + 1);
}

// A console argument as the console shows it: strings bare, other values as JSON or described.
inline std::string remote_object_text(const nlohmann::json& object) {
  if (object.contains("value"))
    return object["value"].is_string() ? object["value"].get<std::string>() : object["value"].dump();
  if (object.contains("unserializableValue")) return object["unserializableValue"].get<std::string>();
  return object.value("description", object.value("type", "?"));
}

constexpr size_t kChromeEventsKept = 10000;

}  // namespace chrome_detail

inline void Chrome::keep_event(nlohmann::json event) {
  const std::string method = event.value("method", "");
  const nlohmann::json params = event.value("params", nlohmann::json::object());
  if (method == "Runtime.exceptionThrown") {
    errors_.push_back("uncaught " + chrome_detail::exception_text(params.value("exceptionDetails", nlohmann::json())));
  } else if (method == "Runtime.consoleAPICalled" && params.value("type", "") == "error") {
    std::string line = "console.error:";
    for (const auto& arg : params.value("args", nlohmann::json::array()))
      line += " " + chrome_detail::remote_object_text(arg);
    errors_.push_back(line);
  } else if (method == "Inspector.targetCrashed") {
    errors_.push_back("the page crashed");
  }
  events_.push_back(std::move(event));
  if (events_.size() > chrome_detail::kChromeEventsKept) events_.pop_front();
}

inline void Chrome::open(const std::string& url) {
  if (!target_.empty()) {
    call("Target.closeTarget", {{"targetId", target_}});
    target_.clear();
    session_.clear();
  }
  target_ = call("Target.createTarget", {{"url", "about:blank"}})["targetId"].get<std::string>();
  session_ = call("Target.attachToTarget", {{"targetId", target_}, {"flatten", true}})["sessionId"].get<std::string>();
  call("Page.enable", {}, session_);
  call("Runtime.enable", {}, session_);
  call("Page.bringToFront", {}, session_);  // key events go to the focused page
  // The viewport is the window less the browser's (invisible) toolbars: 87 pixels less
  // high in Chromium 156. Pin it to the window size, one device pixel per CSS pixel.
  call("Emulation.setDeviceMetricsOverride",
       {{"width", width_}, {"height", height_}, {"deviceScaleFactor", 1}, {"mobile", false}}, session_);
  // A load event of the blank page must not pass for the one of `url`.
  std::erase_if(events_, [&](const nlohmann::json& e) {
    return e.value("method", "") == "Page.loadEventFired" && e.value("sessionId", "") == session_;
  });
  const nlohmann::json navigation = call("Page.navigate", {{"url", url}}, session_);
  if (!navigation.value("errorText", "").empty())
    throw std::runtime_error("chrome: cannot open " + url + ": " + navigation["errorText"].get<std::string>());
  await_event("Page.loadEventFired", session_);
}

inline nlohmann::json Chrome::eval_until(const std::string& js, ChromeClock::time_point deadline) {
  need_page("eval");
  const nlohmann::json reply = call_until(
      "Runtime.evaluate", {{"expression", js}, {"returnByValue", true}, {"awaitPromise", true}}, session_, deadline);
  if (reply.contains("exceptionDetails"))
    throw std::runtime_error(
        "chrome: JavaScript exception: " + chrome_detail::exception_text(reply["exceptionDetails"]) +
        "\n  evaluating: " + js.substr(0, 300));
  const nlohmann::json& result = reply["result"];
  if (result.contains("value")) return result["value"];
  if (result.contains("unserializableValue")) return result["unserializableValue"];  // NaN, Infinity, -0, 1n
  return nullptr;
}

inline long Chrome::wait_for(const std::string& condition, std::chrono::milliseconds timeout) {
  const auto start = ChromeClock::now();
  const auto elapsed = [&] {
    return static_cast<long>(std::chrono::duration_cast<std::chrono::milliseconds>(ChromeClock::now() - start).count());
  };
  // New lines keep a trailing // comment of the condition from swallowing the rest.
  const std::string js = "Promise.resolve((\n" + condition + "\n)).then(Boolean)";
  for (;;) {
    if (eval_until(js, std::min(deadline(), start + timeout + std::chrono::seconds(1))) == true) return elapsed();
    if (ChromeClock::now() - start >= timeout)
      throw std::runtime_error("chrome: wait_for timed out after " + std::to_string(elapsed()) + " ms (limit " +
                               std::to_string(timeout.count()) + " ms) waiting for: " + condition);
    pump(std::min(ChromeClock::now() + std::chrono::milliseconds(10), start + timeout));
  }
}

inline void Chrome::key(const std::string& name, int modifiers) {
  need_page("key");
  const ChromeKey k = chrome_key(name);
  nlohmann::json event = {{"key", k.key},
                          {"code", k.code},
                          {"windowsVirtualKeyCode", k.virtual_key},
                          {"nativeVirtualKeyCode", k.virtual_key},
                          {"modifiers", modifiers | k.modifiers}};
  // "keyDown" with text also types the character; "rawKeyDown" is a key without one.
  event["type"] = k.text.empty() ? "rawKeyDown" : "keyDown";
  if (!k.text.empty()) event["text"] = k.text;
  call("Input.dispatchKeyEvent", event, session_);
  event.erase("text");
  event["type"] = "keyUp";
  call("Input.dispatchKeyEvent", event, session_);
}

inline void Chrome::click(double x, double y) {
  need_page("click");
  const auto mouse = [&](const char* type, const char* button, int buttons) {
    call("Input.dispatchMouseEvent",
         {{"type", type}, {"x", x}, {"y", y}, {"button", button}, {"buttons", buttons}, {"clickCount", 1}}, session_);
  };
  mouse("mouseMoved", "none", 0);
  mouse("mousePressed", "left", 1);
  mouse("mouseReleased", "left", 0);
}

inline void Chrome::wheel(double x, double y, double delta_y) {
  need_page("wheel");
  call("Input.dispatchMouseEvent", {{"type", "mouseWheel"}, {"x", x}, {"y", y}, {"deltaX", 0}, {"deltaY", delta_y}},
       session_);
}

inline void Chrome::screenshot(const std::string& path) {
  need_page("screenshot");
  const std::string png =
      base64_decode(call("Page.captureScreenshot", {{"format", "png"}}, session_)["data"].get<std::string>());
  std::ofstream out(path, std::ios::binary);
  out.write(png.data(), static_cast<std::streamsize>(png.size()));
  if (!out.flush()) throw std::runtime_error("chrome: cannot write the screenshot to " + path);
}

inline const std::vector<std::string>& Chrome::errors() {
  pump(ChromeClock::now());
  return errors_;
}

// Whether a missing browser fails the browser tests instead of skipping them (CI sets it).
inline bool chrome_required() {
  const char* required = std::getenv("DSIM_REQUIRE_CHROMIUM");
  return required != nullptr && std::string(required) == "1";
}

// Why no browser can be started here, or "" when one can.
inline std::string chrome_missing() {
  if (!Chrome::find_binary().empty()) return "";
  const char* env = std::getenv("DSIM_CHROMIUM");
  if (env != nullptr && *env != '\0') return "DSIM_CHROMIUM=" + std::string(env) + " is not an executable";
  return "no `chromium` on PATH (Debian: apt-get install chromium; or set DSIM_CHROMIUM to a Chromium binary)";
}

}  // namespace dsim_test

// Ends the test unless it can drive a browser: skipped under the sanitizers (tools/test sets
// DSIM_SANITIZED: that pass checks dsim's code, not Chromium's) and without a chromium
// binary, failed instead when DSIM_REQUIRE_CHROMIUM=1. A macro because GTEST_SKIP and FAIL
// return from the test body (or SetUp) itself.
#define DSIM_CHROME_OR_SKIP()                                                                                      \
  do {                                                                                                             \
    if (std::getenv("DSIM_SANITIZED") != nullptr) GTEST_SKIP() << "browser tests do not run under the sanitizers"; \
    const std::string dsim_chrome_missing = ::dsim_test::chrome_missing();                                         \
    if (!dsim_chrome_missing.empty()) {                                                                            \
      if (::dsim_test::chrome_required())                                                                          \
        FAIL() << dsim_chrome_missing << "; DSIM_REQUIRE_CHROMIUM=1 makes this a failure";                         \
      GTEST_SKIP() << dsim_chrome_missing << "; skipping the browser test";                                        \
    }                                                                                                              \
  } while (false)
