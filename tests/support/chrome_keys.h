// The keys dsim_test::Chrome::key() can press, as Input.dispatchKeyEvent wants them: the DOM
// `key` the page sees, the physical `code`, the Windows virtual key code Chromium maps both
// from, and the text a printable key types. A US keyboard layout; names are DOM key values
// ("ArrowRight", "Home", "a", "A", "7", "+", " " or "Space"). An unknown name throws, listing
// the ones known, rather than sending an event the page would see as something else.
#pragma once

#include <stdexcept>
#include <string>

namespace dsim_test {

struct ChromeKey {
  std::string key, code;
  int virtual_key = 0;
  std::string text;   // empty for keys that type nothing
  int modifiers = 0;  // Shift (8) for characters typed with it
};

inline ChromeKey chrome_key(const std::string& name) {
  struct Named {
    const char* key;
    int virtual_key;
    const char* text;
  };
  // DOM key values whose `code` is the same name.
  static constexpr Named kChromeNamedKeys[] = {
      {"Backspace", 8, ""},   {"Tab", 9, ""},        {"Enter", 13, "\r"}, {"Escape", 27, ""},    {"PageUp", 33, ""},
      {"PageDown", 34, ""},   {"End", 35, ""},       {"Home", 36, ""},    {"ArrowLeft", 37, ""}, {"ArrowUp", 38, ""},
      {"ArrowRight", 39, ""}, {"ArrowDown", 40, ""}, {"Delete", 46, ""}};
  for (const Named& k : kChromeNamedKeys)
    if (name == k.key) return {k.key, k.key, k.virtual_key, k.text, 0};

  if (name == " " || name == "Space") return {" ", "Space", 32, " ", 0};
  if (name.size() == 1) {
    const char c = name[0];
    const std::string s(1, c);
    if (c >= 'a' && c <= 'z') return {s, std::string("Key") + static_cast<char>(c - 'a' + 'A'), c - 'a' + 'A', s, 0};
    if (c >= 'A' && c <= 'Z') return {s, "Key" + s, c, s, 8};
    if (c >= '0' && c <= '9') return {s, "Digit" + s, c, s, 0};
    // Punctuation: its key on a US layout, and whether Shift types it.
    struct Punctuation {
      char c;
      const char* code;
      int virtual_key;
      bool shift;
    };
    static constexpr Punctuation kChromePunctuation[] = {
        {'-', "Minus", 189, false},  {'_', "Minus", 189, true},        {'=', "Equal", 187, false},
        {'+', "Equal", 187, true},   {',', "Comma", 188, false},       {'<', "Comma", 188, true},
        {'.', "Period", 190, false}, {'>', "Period", 190, true},       {'/', "Slash", 191, false},
        {'?', "Slash", 191, true},   {'[', "BracketLeft", 219, false}, {']', "BracketRight", 221, false}};
    for (const Punctuation& p : kChromePunctuation)
      if (c == p.c) return {s, p.code, p.virtual_key, s, p.shift ? 8 : 0};
  }
  throw std::invalid_argument("chrome: no key \"" + name +
                              "\" (known: a-z, A-Z, 0-9, - _ = + , < . > / ? [ ], Space, Enter, Tab, Escape, "
                              "Backspace, Delete, Home, End, PageUp, PageDown, ArrowLeft/Right/Up/Down)");
}

}  // namespace dsim_test
