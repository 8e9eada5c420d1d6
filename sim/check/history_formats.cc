// Parsers for the three history formats declared in history.h: dsim's JSON Lines, Jepsen
// etcd logs and Porcupine's EDN key-value histories. Each parser turns lines into Events and
// hands them to a HistoryBuilder; any malformed line throws HistoryError("line N: ...").
// Not a general EDN reader: only the flat map shape the corpus uses.
#include <cctype>
#include <istream>
#include <string>
#include <string_view>

#include "sim/check/history.h"

namespace dsim::check {
namespace {

[[noreturn]] void bad_line(int64_t line, const std::string& what) {
  throw HistoryError("line " + std::to_string(line) + ": " + what);
}

bool parse_type(std::string_view s, Event::Type& type) {
  if (s == "invoke") type = Event::Type::invoke;
  else if (s == "ok") type = Event::Type::ok;
  else if (s == "fail") type = Event::Type::fail;
  else if (s == "info") type = Event::Type::info;
  else return false;
  return true;
}

bool parse_int(std::string_view s, int64_t& out) {
  if (s.empty()) return false;
  size_t i = (s[0] == '-') ? 1 : 0;
  if (i == s.size()) return false;
  int64_t v = 0;
  for (; i < s.size(); ++i) {
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
    v = v * 10 + (s[i] - '0');
  }
  out = (s[0] == '-') ? -v : v;
  return true;
}

// A Jepsen value: nil, an integer, or a vector of them ("[1 4]").
json parse_jepsen_value(std::string_view s, int64_t line) {
  if (s == "nil") return nullptr;
  int64_t v = 0;
  if (parse_int(s, v)) return v;
  if (s.size() >= 2 && s.front() == '[' && s.back() == ']') {
    json arr = json::array();
    std::string_view body = s.substr(1, s.size() - 2);
    size_t i = 0;
    while (i < body.size()) {
      while (i < body.size() && (body[i] == ' ' || body[i] == ',' || body[i] == '\t')) ++i;
      size_t j = i;
      while (j < body.size() && body[j] != ' ' && body[j] != ',' && body[j] != '\t') ++j;
      if (j > i) arr.push_back(parse_jepsen_value(body.substr(i, j - i), line));
      i = j;
    }
    return arr;
  }
  bad_line(line, "cannot read Jepsen value '" + std::string(s) + "'");
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
    if (i >= s.size()) bad_line(line, "unterminated EDN map");
    if (s[i] == '}') break;
    std::string_view key = token();
    if (key.size() < 2 || key[0] != ':') bad_line(line, "EDN map key '" + std::string(key) + "' is not a keyword");
    skip();
    if (i >= s.size()) bad_line(line, "EDN map key without value");
    json value;
    if (s[i] == '"') {
      std::string str;
      ++i;
      while (i < s.size() && s[i] != '"') {
        if (s[i] == '\\' && i + 1 < s.size()) ++i;
        str += s[i++];
      }
      if (i >= s.size()) bad_line(line, "unterminated string");
      ++i;
      value = str;
    } else {
      std::string_view t = token();
      int64_t v = 0;
      if (t == "nil") value = nullptr;
      else if (parse_int(t, v)) value = v;
      else if (t.size() >= 2 && t[0] == ':') value = std::string(t.substr(1));
      else bad_line(line, "cannot read EDN value '" + std::string(t) + "'");
    }
    out[std::string(key.substr(1))] = std::move(value);
  }
  return out;
}

}  // namespace

History parse_dsim_history(std::istream& in) {
  HistoryBuilder builder;
  std::string text;
  int64_t line = 0;
  while (std::getline(in, text)) {
    ++line;
    if (text.find_first_not_of(" \t\r") == std::string::npos) continue;
    json j;
    try {
      j = json::parse(text);
    } catch (const json::parse_error& e) {
      bad_line(line, std::string("not JSON: ") + e.what());
    }
    if (!j.is_object()) bad_line(line, "an event must be a JSON object");
    for (const auto& [name, _] : j.items()) {
      if (name != "process" && name != "type" && name != "f" && name != "key" &&
          name != "value" && name != "time")
        bad_line(line, "unknown field \"" + name + "\" (expected process, type, f, key, value, time)");
    }
    Event ev;
    if (!j.contains("process") || !j["process"].is_number_integer()) bad_line(line, "\"process\" must be an integer");
    if (!j.contains("type") || !j["type"].is_string() || !parse_type(j["type"].get<std::string>(), ev.type))
      bad_line(line, "\"type\" must be one of invoke, ok, fail, info");
    if (!j.contains("f") || !j["f"].is_string()) bad_line(line, "\"f\" must be a string");
    ev.process = j["process"].get<int>();
    ev.f = j["f"].get<std::string>();
    if (j.contains("key")) {
      if (!j["key"].is_string()) bad_line(line, "\"key\" must be a string");
      ev.key = j["key"].get<std::string>();
    }
    if (j.contains("value")) ev.value = j["value"];
    if (j.contains("time")) {
      if (!j["time"].is_number_integer()) bad_line(line, "\"time\" must be an integer");
      ev.time = j["time"].get<int64_t>();
    } else {
      ev.time = line;
    }
    builder.add(ev, line);
  }
  return std::move(builder).finish();
}

History parse_jepsen_etcd_log(std::istream& in) {
  static constexpr std::string_view kPrefix = "INFO  jepsen.util - ";
  HistoryBuilder builder;
  std::string text;
  int64_t line = 0;
  while (std::getline(in, text)) {
    ++line;
    std::string_view rest(text);
    if (rest.substr(0, kPrefix.size()) != kPrefix) continue;
    rest.remove_prefix(kPrefix.size());
    auto fields = split_ws(rest, 4);
    if (fields.size() < 3) continue;
    int64_t process = 0;
    Event ev;
    if (!parse_int(fields[0], process) || fields[1].size() < 2 || fields[1][0] != ':' ||
        !parse_type(fields[1].substr(1), ev.type) || fields[2].size() < 2 || fields[2][0] != ':')
      continue;  // not one of the shapes we read
    ev.process = static_cast<int>(process);
    ev.f = std::string(fields[2].substr(1));
    if (ev.f != "read" && ev.f != "write" && ev.f != "cas") continue;
    ev.time = line;
    std::string_view value = fields.size() > 3 ? fields[3] : std::string_view("nil");
    if (value == ":timed-out") {
      // The README: a timed-out operation is indeterminate; a timed-out read constrains nothing.
      if (ev.type == Event::Type::invoke) bad_line(line, "an invocation cannot time out");
      ev.type = Event::Type::info;
    } else {
      ev.value = parse_jepsen_value(value, line);
    }
    builder.add(ev, line);
  }
  return std::move(builder).finish();
}

History parse_porcupine_kv(std::istream& in) {
  HistoryBuilder builder;
  std::string text;
  int64_t line = 0;
  while (std::getline(in, text)) {
    ++line;
    size_t start = text.find_first_not_of(" \t\r");
    if (start == std::string::npos) continue;
    if (text[start] != '{') bad_line(line, "expected an EDN map");
    json m = parse_edn_map(std::string_view(text).substr(start), line);
    Event ev;
    if (!m.contains("process") || !m["process"].is_number_integer()) bad_line(line, ":process must be an integer");
    if (!m.contains("type") || !m["type"].is_string() || !parse_type(m["type"].get<std::string>(), ev.type))
      bad_line(line, ":type must be :invoke, :ok, :fail or :info");
    if (!m.contains("f") || !m["f"].is_string()) bad_line(line, ":f must be a keyword");
    if (!m.contains("key") || !m["key"].is_string()) bad_line(line, ":key must be a string");
    ev.process = m["process"].get<int>();
    ev.f = m["f"].get<std::string>();
    ev.key = m["key"].get<std::string>();
    ev.value = m.contains("value") ? m["value"] : json();
    ev.time = line;
    builder.add(ev, line);
  }
  return std::move(builder).finish();
}

}  // namespace dsim::check
