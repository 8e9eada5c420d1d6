// dsim_test::Chrome (tests/support/chrome.h), the DevTools client the browser tests of `dsim
// view` stand on, against a real headless Chromium and a small page written here: values come
// back from JavaScript, key presses and clicks reach the page's listeners, JavaScript errors
// surface in C++, a screenshot is a PNG of the window, and waits end in errors, not hangs.
// Skipped without a chromium binary (failed with DSIM_REQUIRE_CHROMIUM=1, as in CI) and under
// the sanitizers; the decoder and key table tests need no browser.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

#include "tests/support/chrome.h"
#include "tests/support/subprocess.h"

namespace {

using namespace dsim_test;
using nlohmann::json;

// Keys move a counter, clicks on #target are recorded (others counted as misses), the wheel
// adds up, and a canvas is painted red.
const std::string kChromeTestPage = R"(<!doctype html>
<html><head><meta charset="utf-8"><title>dsim chrome test</title>
<style>
  html, body { margin: 0; overflow: hidden; background: white; }
  #target { position: absolute; left: 100px; top: 200px; width: 300px; height: 150px; background: #36c; }
  #plot { position: absolute; left: 500px; top: 200px; }
</style></head>
<body>
<div id="target"></div>
<canvas id="plot" width="200" height="100"></canvas>
<script>
  window.counter = 0;
  window.keys = [];
  window.hits = [];
  window.misses = 0;
  window.wheel_delta = 0;
  document.addEventListener('keydown', (e) => {
    keys.push(e.key);
    if (e.key === 'ArrowRight') counter++;
    if (e.key === 'ArrowLeft') counter--;
    if (e.key === 'Home') counter = 0;
    if (e.key === 'End') counter = 10;
  });
  document.addEventListener('click', (e) => {
    if (e.target.id === 'target') hits.push([e.clientX, e.clientY]); else misses++;
  });
  document.addEventListener('wheel', (e) => { wheel_delta += e.deltaY; });
  const g = document.getElementById('plot').getContext('2d');
  g.fillStyle = 'rgb(255, 0, 0)';
  g.fillRect(0, 0, 200, 100);
  window.ready = true;
</script></body></html>
)";

// The message of what `f` throws (a std::runtime_error), or "" if it returns.
template <typename F>
std::string chrome_error_of(F&& f) {
  try {
    f();
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "";
}

bool chrome_has(const std::string& text, const std::string& fragment) {
  return text.find(fragment) != std::string::npos;
}

// A browser at the default window size (1600 x 900) showing the test page.
class ChromePage : public ::testing::Test {
 protected:
  void SetUp() override {
    DSIM_CHROME_OR_SKIP();
    chrome_ = std::make_unique<Chrome>();
    chrome_->open("file://" + write("page.html", kChromeTestPage));
  }
  std::unique_ptr<Chrome> chrome_;
};

TEST_F(ChromePage, EvalReturnsValues) {
  Chrome& c = *chrome_;
  EXPECT_TRUE(chrome_has(c.version(), "Chrome/")) << c.version();
  EXPECT_EQ(c.eval("1 + 2"), 3);
  EXPECT_EQ(c.eval("'a' + 'b'"), "ab");
  EXPECT_EQ(c.eval("({x: [1, 2.5], y: null, z: true})"), json::parse(R"({"x": [1, 2.5], "y": null, "z": true})"));
  EXPECT_TRUE(c.eval("undefined").is_null());
  EXPECT_EQ(c.eval("new Promise(resolve => setTimeout(() => resolve(7), 20))"), 7);
  EXPECT_EQ(c.eval("document.title"), "dsim chrome test");
  EXPECT_EQ(c.eval("location.protocol"), "file:");
  EXPECT_EQ(c.eval("[innerWidth, innerHeight]"), json::parse("[1600, 900]"));
  // A page that draws on animation frames gets them: it is visible, not throttled.
  EXPECT_EQ(c.eval("document.visibilityState"), "visible");
  EXPECT_EQ(c.eval("new Promise(resolve => requestAnimationFrame(() => resolve('frame')))"), "frame");
  EXPECT_EQ(c.eval("Array.from(document.getElementById('plot').getContext('2d').getImageData(10, 10, 1, 1).data)"),
            json::parse("[255, 0, 0, 255]"));
  EXPECT_TRUE(c.errors().empty()) << c.errors().front();
}

TEST_F(ChromePage, KeysReachTheKeydownListener) {
  Chrome& c = *chrome_;
  for (int i = 0; i < 3; ++i) c.key("ArrowRight");
  c.key("ArrowLeft");
  EXPECT_EQ(c.eval("counter"), 2);
  EXPECT_EQ(c.eval("keys"), json::parse(R"(["ArrowRight", "ArrowRight", "ArrowRight", "ArrowLeft"])"));
  c.key("End");
  EXPECT_EQ(c.eval("counter"), 10);
  c.key("Home");
  EXPECT_EQ(c.eval("counter"), 0);
  c.eval("keys = []");
  for (const char* k : {"a", "Z", "7", "+", "?", " ", "Escape", "Enter"}) c.key(k);
  EXPECT_EQ(c.eval("keys"), json::parse(R"(["a", "Z", "7", "+", "?", " ", "Escape", "Enter"])"));
  EXPECT_THROW(c.key("NoSuchKey"), std::invalid_argument);
}

TEST_F(ChromePage, ClicksAndTheWheelReachThePage) {
  Chrome& c = *chrome_;
  c.click(150, 250);  // inside #target (100..400 x 200..350)
  EXPECT_EQ(c.eval("hits"), json::parse("[[150, 250]]"));
  EXPECT_EQ(c.eval("misses"), 0);
  c.click(50, 50);
  EXPECT_EQ(c.eval("misses"), 1);
  c.wheel(150, 250, 120);
  c.wait_for("wheel_delta === 120", std::chrono::seconds(5));
}

TEST_F(ChromePage, JavaScriptExceptionsBecomeCppExceptions) {
  Chrome& c = *chrome_;
  std::string e = chrome_error_of([&] { c.eval("throw new Error('boom')"); });
  EXPECT_TRUE(chrome_has(e, "JavaScript exception: Error: boom")) << e;
  e = chrome_error_of([&] { c.eval("no_such_function()"); });
  EXPECT_TRUE(chrome_has(e, "ReferenceError: no_such_function is not defined")) << e;
  e = chrome_error_of([&] { c.eval("Promise.reject(new Error('refused'))"); });
  EXPECT_TRUE(chrome_has(e, "Error: refused")) << e;
  e = chrome_error_of([&] { c.wait_for("undefined_flag.ready", std::chrono::seconds(5)); });
  EXPECT_TRUE(chrome_has(e, "ReferenceError: undefined_flag is not defined")) << e;
  // Thrown at the caller, not the page's errors.
  EXPECT_TRUE(c.errors().empty()) << c.errors().front();
  EXPECT_EQ(c.eval("counter"), 0);  // the page lives on
}

TEST_F(ChromePage, ConsoleErrorsAndUncaughtExceptionsAreCollected) {
  Chrome& c = *chrome_;
  c.eval("console.log('fine'); console.warn('fine too'); console.error('bad', 42, {n: 1})");
  c.eval("setTimeout(() => { throw new Error('late'); }, 0); setTimeout(() => { window.after = true; }, 50)");
  c.wait_for("window.after", std::chrono::seconds(5));
  const auto& errors = c.errors();
  ASSERT_EQ(errors.size(), 2u) << json(errors).dump(1);
  EXPECT_EQ(errors[0], "console.error: bad 42 Object");
  EXPECT_TRUE(chrome_has(errors[1], "uncaught Error: late")) << errors[1];
  c.clear_errors();
  EXPECT_TRUE(c.errors().empty());
}

TEST_F(ChromePage, ScreenshotIsAPngOfTheWindowSize) {
  const std::string path = tmp("shot.png");
  chrome_->screenshot(path);
  const std::string png = slurp(path);
  ASSERT_GT(png.size(), 33u);
  EXPECT_EQ(png.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
  EXPECT_EQ(png.substr(12, 4), "IHDR");
  const auto be32 = [&](size_t at) {
    uint32_t v = 0;
    for (size_t i = 0; i < 4; ++i) v = v << 8 | static_cast<unsigned char>(png[at + i]);
    return v;
  };
  EXPECT_EQ(be32(16), 1600u);
  EXPECT_EQ(be32(20), 900u);
}

TEST_F(ChromePage, WaitForTimesOutInsteadOfHanging) {
  Chrome& c = *chrome_;
  EXPECT_GE(c.wait_for("window.ready", std::chrono::seconds(5)), 0);  // true already: no error
  const auto start = std::chrono::steady_clock::now();
  const std::string e = chrome_error_of([&] { c.wait_for("window.never === true", std::chrono::milliseconds(500)); });
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
  EXPECT_TRUE(chrome_has(e, "wait_for timed out after")) << e;
  EXPECT_TRUE(chrome_has(e, "window.never === true")) << e;
  EXPECT_GE(ms, 500);
  EXPECT_LT(ms, 3000);
}

TEST_F(ChromePage, AMissingFileFailsToOpenAndTheNextPageOpens) {
  const std::string e = chrome_error_of([&] { chrome_->open("file:///nonexistent/dsim-view.html"); });
  EXPECT_TRUE(chrome_has(e, "cannot open file:///nonexistent/dsim-view.html: net::ERR_FILE_NOT_FOUND")) << e;
  chrome_->open("file://" + tmp("page.html"));
  EXPECT_EQ(chrome_->eval("counter"), 0);
}

// A page stuck in a loop: the call times out (after 2 s, set for this) and the browser is
// still shut down in bounded time (Browser.close, then signals).
TEST(ChromeBrowser, AStuckPageTimesOutAndTheBrowserStillStops) {
  DSIM_CHROME_OR_SKIP();
  std::string log;
  std::chrono::steady_clock::time_point timed_out;
  {
    Chrome c(800, 600);
    c.open("file://" + write("page.html", kChromeTestPage));
    c.set_timeout(std::chrono::seconds(2));
    const auto start = std::chrono::steady_clock::now();
    const std::string e = chrome_error_of([&] { c.eval("for (;;) {}"); });
    timed_out = std::chrono::steady_clock::now();
    EXPECT_TRUE(chrome_has(e, "no reply to Runtime.evaluate within 2000 ms")) << e;
    EXPECT_LT(timed_out - start, std::chrono::seconds(4));
    log = c.log_path();
  }
  EXPECT_LT(std::chrono::steady_clock::now() - timed_out, std::chrono::seconds(10)) << slurp(log);
}

// The pipe and process handling without a browser: a stand-in that never answers, one that
// exits at once.
std::string chrome_fake_browser(const std::string& name, const std::string& script) {
  const std::string path = write(name, "#!/bin/sh\n" + script);
  std::filesystem::permissions(path, std::filesystem::perms::owner_all);
  return path;
}

TEST(ChromePipe, ASilentBrowserTimesOutAndIsStopped) {
  const auto start = std::chrono::steady_clock::now();
  ChromeProcess p(chrome_fake_browser("silent.sh", "exec sleep 60\n"), 800, 600, tmp("silent.log"));
  p.send(R"({"id": 1, "method": "Browser.getVersion"})", ChromeClock::now() + std::chrono::seconds(1));
  EXPECT_FALSE(p.receive(ChromeClock::now() + std::chrono::milliseconds(300)).has_value());
  EXPECT_TRUE(chrome_has(p.describe(), "is running")) << p.describe();
  p.stop(std::chrono::milliseconds(0));  // SIGTERM ends it
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
  EXPECT_LT(ms, 3000);
}

TEST(ChromePipe, ABrowserThatExitsFailsWithItsStatusAndLog) {
  ChromeProcess p(chrome_fake_browser("exits.sh", "echo 'no display, giving up' >&2\nexit 3\n"), 800, 600,
                  tmp("exits.log"));
  const std::string e = chrome_error_of([&] { p.receive(ChromeClock::now() + std::chrono::seconds(10)); });
  EXPECT_TRUE(chrome_has(e, "chrome: the browser closed its end of the pipe; chromium (pid ")) << e;
  EXPECT_TRUE(chrome_has(e, ") exited with status 3; last lines of ")) << e;
  EXPECT_TRUE(chrome_has(e, "no display, giving up")) << e;
}

TEST(ChromeBase64, DecodesWithAndWithoutPadding) {
  EXPECT_EQ(base64_decode(""), "");
  EXPECT_EQ(base64_decode("Zg=="), "f");
  EXPECT_EQ(base64_decode("Zm8="), "fo");
  EXPECT_EQ(base64_decode("Zm9v"), "foo");
  EXPECT_EQ(base64_decode("Zm9vYg"), "foob");
  EXPECT_EQ(base64_decode("AP/+"), std::string("\x00\xff\xfe", 3));
  EXPECT_THROW(base64_decode("Zm9v!"), std::invalid_argument);
  EXPECT_THROW(base64_decode("Zm9vY"), std::invalid_argument);
}

TEST(ChromeKeys, CarryTheCodesAPageExpects) {
  EXPECT_EQ(chrome_key("ArrowLeft").virtual_key, 37);
  EXPECT_EQ(chrome_key("ArrowRight").virtual_key, 39);
  EXPECT_EQ(chrome_key("Home").virtual_key, 36);
  EXPECT_EQ(chrome_key("End").virtual_key, 35);
  EXPECT_EQ(chrome_key("End").text, "");
  const ChromeKey a = chrome_key("a");
  EXPECT_EQ(a.code, "KeyA");
  EXPECT_EQ(a.virtual_key, 'A');
  EXPECT_EQ(a.text, "a");
  EXPECT_EQ(chrome_key("A").modifiers, Chrome::kShift);
  EXPECT_EQ(chrome_key("Space").key, " ");
  EXPECT_THROW(chrome_key("F13"), std::invalid_argument);
}

}  // namespace
