// Parsers for the three history formats declared in history.h: dsim's JSON Lines, Jepsen
// etcd logs and Porcupine's EDN key-value histories. Each parser turns lines into Events and
// hands them to a HistoryBuilder; any malformed line throws HistoryError("line N: ...").
// Every integer is read by history_input.h's checked conversion, every quoted value is cut
// by shown(), and no nlohmann exception escapes a line (for_each_line).
// Not a general EDN reader: only the flat map shape the corpus uses.
#include <cctype>
#include <istream>
#include <string>
#include <string_view>

#include "sim/check/history.h"
#include "sim/check/history_input.h"

namespace dsim::check {
namespace {

// A line of JSON nested deeper than this is refused before nlohmann builds it.
constexpr size_t kMaxNesting = 64;

// Reads `in` line by line and calls read_line(text, line) with the 1-based line number. An
// nlohmann exception escaping a line (a JSON corner case no check foresaw) becomes a
// HistoryError naming the line, so no input can crash the reader.
template <class ReadLine>
void for_each_line(std::istream& in, ReadLine&& read_line) {
  std::string text;
  int64_t line = 0;
  while (std::getline(in, text)) {
    ++line;
    try {
      read_line(std::string_view(text), line);
    } catch (const json::exception& e) {
      std::string what = e.what();  // "[json.exception.type_error.302] type must be ..."
      const size_t tag = what.find("] ");
      if (tag != std::string::npos) what.erase(0, tag + 2);
      fail_at(line, shown(what));
    }
  }
}

// A second, value-free pass over one line of JSON (SAX), on error paths only: where nlohmann
// stopped (the top-level field being read, the token, the column), and the text of a
// top-level field's number as written ("1e30", where the parsed double would print 1e+30).
class LineScan final : public json::json_sax_t {
 public:
  explicit LineScan(std::string_view text, std::string_view wanted = {}) : wanted_(wanted) {
    json::sax_parse(text, this);
  }
  std::string field;        // the top-level key being read ("" before the first)
  std::string token;        // where nlohmann stopped: the offending token
  size_t column = 0;        // ... and its 1-based byte offset
  std::string number_text;  // the wanted field's number, as written

  bool null() override { return true; }
  bool boolean(bool) override { return true; }
  bool number_integer(number_integer_t) override { return true; }
  bool number_unsigned(number_unsigned_t) override { return true; }
  bool number_float(number_float_t, const string_t& text) override {
    if (depth_ == 1 && field == wanted_) number_text = text;
    return true;
  }
  bool string(string_t&) override { return true; }
  bool binary(binary_t&) override { return true; }
  bool start_object(size_t) override { return ++depth_, true; }
  bool end_object() override { return --depth_, true; }
  bool start_array(size_t) override { return ++depth_, true; }
  bool end_array() override { return --depth_, true; }
  bool key(string_t& k) override {
    if (depth_ == 1) field = k;
    return true;
  }
  bool parse_error(size_t position, const std::string& last_token, const json::exception&) override {
    column = position;
    token = last_token;
    return false;
  }

 private:
  std::string_view wanted_;
  int depth_ = 0;
};

IntegerRange range_of(std::string_view field) { return field == "process" ? kProcessRange : kTimeRange; }

// A line nlohmann refused: a number too large for a double in "process" or "time" gets the
// same message as any other bad integer there; anything else is "not JSON" with the column,
// nlohmann's reason (its own words, never input) and the (shortened) token.
[[noreturn]] void not_json(std::string_view text, int64_t line, const json::exception& e) {
  const LineScan where(text);
  if (dynamic_cast<const json::out_of_range*>(&e) != nullptr) {  // "number overflow parsing '1e999'"
    if (where.field == "process" || where.field == "time")
      read_integer(where.token, range_of(where.field), "\"" + where.field + "\"", line);
    fail_at(line, "\"" + shown(where.field) + "\": number " + shown(where.token) + " is out of range");
  }
  // "... column 7: syntax error while parsing value - invalid literal; last read: '#gar'"
  std::string detail = e.what();
  const size_t at = detail.find("column ");
  const size_t colon = detail.find(": ", at == std::string::npos ? 0 : at);
  if (colon != std::string::npos) detail.erase(0, colon + 2);
  const size_t last = detail.find("; last read: ");
  if (last != std::string::npos) detail.erase(last);
  fail_at(line, "not JSON at column " + std::to_string(where.column) + ": " + detail + "; last read: '" +
                    shown(where.token) + "'");
}

// The top-level field "process" or "time" of a parsed line, read strictly; a number that is
// not an integer is quoted as written.
int64_t integer_field(const json& event, const std::string& name, std::string_view text, int64_t line) {
  const auto it = event.find(name);
  const json value = it == event.end() ? json() : *it;
  const std::string what = "\"" + name + "\"";
  if (value.is_number_float()) {
    const LineScan scan(text, name);
    if (!scan.number_text.empty()) read_integer(scan.number_text, range_of(name), what, line);
  }
  return read_json_integer(value, range_of(name), what, line);
}

bool parse_type(std::string_view s, Event::Type& type) {
  if (s == "invoke") type = Event::Type::invoke;
  else if (s == "ok") type = Event::Type::ok;
  else if (s == "fail") type = Event::Type::fail;
  else if (s == "info") type = Event::Type::info;
  else return false;
  return true;
}

// A Jepsen scalar: nil or an integer.
json parse_jepsen_scalar(std::string_view s, int64_t line) {
  if (s == "nil") return nullptr;
  if (looks_like_integer(s)) return read_integer(s, kInt64Range, "a Jepsen value", line);
  fail_at(line, "cannot read Jepsen value '" + shown(s) + "'");
}

// A Jepsen value: nil, an integer, or a flat vector of them ("[1 4]").
json parse_jepsen_value(std::string_view s, int64_t line) {
  if (s.size() < 2 || s.front() != '[' || s.back() != ']') return parse_jepsen_scalar(s, line);
  json arr = json::array();
  std::string_view body = s.substr(1, s.size() - 2);
  size_t i = 0;
  while (i < body.size()) {
    while (i < body.size() && (body[i] == ' ' || body[i] == ',' || body[i] == '\t')) ++i;
    size_t j = i;
    while (j < body.size() && body[j] != ' ' && body[j] != ',' && body[j] != '\t') ++j;
    if (j > i) arr.push_back(parse_jepsen_scalar(body.substr(i, j - i), line));
    i = j;
  }
  return arr;
}

std::vector<std::string_view> split_ws(std::string_view s, size_t max_fields) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < s.size() && out.size() < max_fields) {
    while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
    if (i == s.size()) break;
    size_t j = i;
    if (out.size() + 1 == max_fields) {
      j = s.size();  // the last field is the rest of the line, trailing space trimmed
      while (j > i && std::isspace(static_cast<unsigned char>(s[j - 1]))) --j;
    } else {
      while (j < s.size() && !std::isspace(static_cast<unsigned char>(s[j]))) ++j;
    }
    out.push_back(s.substr(i, j - i));
    i = j;
  }
  return out;
}

// EDN text becomes JSON strings, which must be UTF-8 (else printing them would throw).
std::string edn_text(std::string_view s, const char* what, int64_t line) {
  if (!valid_utf8(s)) fail_at(line, std::string(what) + " is not valid UTF-8: " + shown(s));
  return std::string(s);
}

// A flat EDN map: {:k v, :k v}, values nil, integers, keywords or strings.
json parse_edn_map(std::string_view s, int64_t line) {
  json out = json::object();
  size_t i = 1;  // past '{'
  auto skip = [&] {
    while (i < s.size() && (std::isspace(static_cast<unsigned char>(s[i])) || s[i] == ',')) ++i;
  };
  auto token = [&] {
    size_t j = i;
    while (j < s.size() && !std::isspace(static_cast<unsigned char>(s[j])) && s[j] != ',' &&
           s[j] != '}')
      ++j;
    std::string_view t = s.substr(i, j - i);
    i = j;
    return t;
  };
  while (true) {
    skip();
    if (i >= s.size()) fail_at(line, "unterminated EDN map");
    if (s[i] == '}') break;
    std::string_view key = token();
    if (key.size() < 2 || key[0] != ':') fail_at(line, "EDN map key '" + shown(key) + "' is not a keyword");
    const std::string name = edn_text(key.substr(1), "an EDN keyword", line);
    skip();
    if (i >= s.size()) fail_at(line, "EDN map key without value");
    json value;
    if (s[i] == '"') {
      std::string str;
      ++i;
      while (i < s.size() && s[i] != '"') {
        if (s[i] == '\\' && i + 1 < s.size()) ++i;
        str += s[i++];
      }
      if (i >= s.size()) fail_at(line, "unterminated string");
      ++i;
      value = edn_text(str, "an EDN string", line);
    } else {
      std::string_view t = token();
      if (t == "nil") value = nullptr;
      else if (looks_like_integer(t))
        value = read_integer(t, name == "process" ? kProcessRange : kInt64Range, ":" + name, line);
      else if (t.size() >= 2 && t[0] == ':') value = edn_text(t.substr(1), "an EDN keyword", line);
      else fail_at(line, "cannot read EDN value '" + shown(t) + "'");
    }
    out[name] = std::move(value);
  }
  return out;
}

void read_dsim_line(std::string_view text, int64_t line, HistoryBuilder& builder) {
  if (text.find_first_not_of(" \t\r") == std::string_view::npos) return;
  if (json_nesting(text) > kMaxNesting)
    fail_at(line, "JSON nested more than " + std::to_string(kMaxNesting) + " levels deep");
  json j;
  try {
    j = json::parse(text);
  } catch (const json::exception& e) {
    not_json(text, line, e);
  }
  if (!j.is_object()) fail_at(line, "an event must be a JSON object");
  for (const auto& [name, _] : j.items()) {
    if (name != "process" && name != "type" && name != "f" && name != "key" && name != "value" && name != "time")
      fail_at(line, "unknown field \"" + shown(name) + "\" (expected process, type, f, key, value, time)");
  }
  Event ev;
  ev.process = static_cast<int>(integer_field(j, "process", text, line));
  if (!j.contains("type") || !j["type"].is_string() || !parse_type(j["type"].get<std::string>(), ev.type))
    fail_at(line, "\"type\" must be one of invoke, ok, fail, info");
  if (!j.contains("f") || !j["f"].is_string()) fail_at(line, "\"f\" must be a string");
  ev.f = j["f"].get<std::string>();
  if (j.contains("key")) {
    if (!j["key"].is_string()) fail_at(line, "\"key\" must be a string");
    ev.key = j["key"].get<std::string>();
  }
  if (j.contains("value")) ev.value = std::move(j["value"]);
  ev.time = j.contains("time") ? integer_field(j, "time", text, line) : line;
  builder.add(ev, line);
}

}  // namespace

History parse_dsim_history(std::istream& in) {
  HistoryBuilder builder;
  for_each_line(in, [&](std::string_view text, int64_t line) { read_dsim_line(text, line, builder); });
  return std::move(builder).finish();
}

History parse_jepsen_etcd_log(std::istream& in) {
  static constexpr std::string_view kPrefix = "INFO  jepsen.util - ";
  HistoryBuilder builder;
  for_each_line(in, [&](std::string_view rest, int64_t line) {
    if (rest.substr(0, kPrefix.size()) != kPrefix) return;
    rest.remove_prefix(kPrefix.size());
    auto fields = split_ws(rest, 4);
    if (fields.size() < 3) return;
    Event ev;
    if (!looks_like_integer(fields[0]) || fields[1].size() < 2 || fields[1][0] != ':' ||
        !parse_type(fields[1].substr(1), ev.type) || fields[2].size() < 2 || fields[2][0] != ':')
      return;  // not one of the shapes we read (":nemesis" processes, other loggers)
    ev.f = std::string(fields[2].substr(1));
    if (ev.f != "read" && ev.f != "write" && ev.f != "cas") return;
    ev.process = static_cast<int>(read_integer(fields[0], kProcessRange, "the process", line));
    ev.time = line;
    std::string_view value = fields.size() > 3 ? fields[3] : std::string_view("nil");
    if (value == ":timed-out") {
      // The README: a timed-out operation is indeterminate; a timed-out read constrains nothing.
      if (ev.type == Event::Type::invoke) fail_at(line, "an invocation cannot time out");
      ev.type = Event::Type::info;
    } else {
      ev.value = parse_jepsen_value(value, line);
    }
    builder.add(ev, line);
  });
  return std::move(builder).finish();
}

History parse_porcupine_kv(std::istream& in) {
  HistoryBuilder builder;
  for_each_line(in, [&](std::string_view text, int64_t line) {
    const size_t start = text.find_first_not_of(" \t\r");
    if (start == std::string_view::npos) return;
    if (text[start] != '{') fail_at(line, "expected an EDN map");
    json m = parse_edn_map(text.substr(start), line);
    Event ev;
    ev.process = static_cast<int>(read_json_integer(m.value("process", json()), kProcessRange, ":process", line));
    if (!m.contains("type") || !m["type"].is_string() || !parse_type(m["type"].get<std::string>(), ev.type))
      fail_at(line, ":type must be :invoke, :ok, :fail or :info");
    if (!m.contains("f") || !m["f"].is_string()) fail_at(line, ":f must be a keyword");
    if (!m.contains("key") || !m["key"].is_string()) fail_at(line, ":key must be a string");
    ev.f = m["f"].get<std::string>();
    ev.key = m["key"].get<std::string>();
    ev.value = m.contains("value") ? std::move(m["value"]) : json();
    ev.time = line;
    builder.add(ev, line);
  });
  return std::move(builder).finish();
}

}  // namespace dsim::check
