#include "sim/config.h"

#include <algorithm>
#include <cmath>

#include "sim/printable.h"

namespace dsim::sim {
namespace {

std::string escape_pointer_token(std::string_view key) {
  std::string out;
  for (char c : key) {
    if (c == '~') out += "~0";
    else if (c == '/') out += "~1";
    else out += c;
  }
  return out;
}

size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

std::string type_name(const nlohmann::json& j) {
  if (j.is_string()) return "a string";
  if (j.is_boolean()) return "a boolean";
  if (j.is_number()) return "a number";
  if (j.is_array()) return "an array";
  if (j.is_object()) return "an object";
  return "null";
}

}  // namespace

std::string display_path(const std::string& pointer) {
  return pointer.empty() ? "(root)" : pointer_to_dotted(pointer);
}

void fail_at(const ConfigSource& source, const std::string& pointer, const std::string& what) {
  throw InputError(source.where(pointer) + ": " + printable(display_path(pointer), 100) + ": " + what);
}

void ConfigSource::apply_set(const std::string& assignment) {
  const size_t eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0)
    throw InputError("--set " + printable(assignment, 100) + ": expected key=value (e.g. --set network.loss=0.01)");
  const std::string key = assignment.substr(0, eq);
  const std::string text = assignment.substr(eq + 1);
  nlohmann::json value;
  try {
    value = parse_json_line(text);
  } catch (const InputError& e) {
    if (std::string_view(e.what()).rfind("nesting", 0) == 0)
      throw InputError("--set " + printable(assignment, 100) + ": value " + e.what());
    value = text;  // a bare word: "20ms", "raft"
  }
  const std::string pointer = dotted_to_pointer(key);
  nlohmann::json* node = &doc_.value;
  nlohmann::json::json_pointer jp(pointer);
  // Walk and create intermediate objects, refusing to index into scalars.
  std::string walked;
  std::vector<std::string> tokens;
  {
    size_t start = 1;
    while (start <= pointer.size()) {
      size_t slash = pointer.find('/', start);
      if (slash == std::string::npos) slash = pointer.size();
      tokens.push_back(pointer.substr(start, slash - start));
      start = slash + 1;
    }
  }
  for (size_t i = 0; i < tokens.size(); ++i) {
    std::string token;
    for (size_t k = 0; k < tokens[i].size(); ++k) {
      if (tokens[i][k] == '~' && k + 1 < tokens[i].size()) {
        token += tokens[i][k + 1] == '1' ? '/' : '~';
        ++k;
      } else {
        token += tokens[i][k];
      }
    }
    const bool last = i + 1 == tokens.size();
    if (node->is_array()) {
      size_t index = 0;
      const bool digits = !token.empty() && token.size() <= 9 && token.find_first_not_of("0123456789") == std::string::npos;
      if (digits) index = std::stoul(token);
      if (!digits) {
        throw InputError("--set " + printable(assignment, 100) + ": " + display_path(walked) + " is an array; \"" + printable(token, 40) +
                         "\" is not an index");
      }
      if (index > node->size())
        throw InputError("--set " + printable(assignment, 100) + ": index " + printable(token, 40) + " is past the end of " + display_path(walked));
      if (index == node->size()) {
        node->push_back(last ? value : nlohmann::json::object());
        if (!last) sets_.emplace_back(walked + "/" + tokens[i], "--set " + assignment);  // created by this --set
      }
      else if (last) (*node)[index] = value;
      node = &(*node)[index];
    } else {
      if (node->is_null()) *node = nlohmann::json::object();
      if (!node->is_object())
        throw InputError("--set " + printable(assignment, 100) + ": " + display_path(walked) + " is " + type_name(*node) +
                         ", not an object");
      if (last) {
        (*node)[token] = value;
      } else if (!node->contains(token)) {
        (*node)[token] = nlohmann::json::object();
        sets_.emplace_back(walked + "/" + tokens[i], "--set " + assignment);  // created by this --set
      }
      node = &(*node)[token];
    }
    walked += "/" + tokens[i];
  }
  if (tokens.empty()) throw InputError("--set " + printable(assignment, 100) + ": empty key");
  sets_.emplace_back(pointer, "--set " + assignment);
}

void ConfigSource::put(const std::string& pointer, nlohmann::json value, std::string origin) {
  doc_.value[nlohmann::json::json_pointer(pointer)] = std::move(value);
  sets_.emplace_back(pointer, std::move(origin));
}

void ConfigSource::erase(const std::string& key) { doc_.value.erase(key); }

std::string ConfigSource::where(const std::string& pointer) const {
  return printable(where_raw(pointer), 200);
}

std::string ConfigSource::where_raw(const std::string& pointer) const {
  // The most specific --set that covers this pointer wins.
  const std::pair<std::string, std::string>* best = nullptr;
  for (const auto& s : sets_) {
    const bool covers = pointer == s.first || (pointer.size() > s.first.size() && pointer.compare(0, s.first.size(), s.first) == 0 &&
                                               pointer[s.first.size()] == '/');
    if (covers && (!best || s.first.size() >= best->first.size())) best = &s;
  }
  if (best) return best->second;
  return doc_.where(pointer);
}

ConfigReader::ConfigReader(const ConfigSource& source, std::string pointer)
    : source_(&source), pointer_(std::move(pointer)) {
  nlohmann::json::json_pointer jp(pointer_);
  value_ = &source.root().at(jp);
  if (!value_->is_object()) fail_here("must be an object, got " + type_name(*value_));
}

std::string ConfigReader::child_pointer(std::string_view key) const {
  return pointer_ + "/" + escape_pointer_token(key);
}

void ConfigReader::fail(std::string_view key, const std::string& what) const {
  fail_at(*source_, child_pointer(key), what);
}

void ConfigReader::fail_here(const std::string& what) const { fail_at(*source_, pointer_, what); }

bool ConfigReader::has(std::string_view key) const {
  known_.insert(std::string(key));
  return value_->find(std::string(key)) != value_->end();
}

const nlohmann::json* ConfigReader::find(std::string_view key) {
  read_.insert(std::string(key));
  known_.insert(std::string(key));
  auto it = value_->find(std::string(key));
  return it == value_->end() ? nullptr : &*it;
}

const nlohmann::json* ConfigReader::raw(std::string_view key) { return find(key); }

std::optional<std::string> ConfigReader::string(std::string_view key) {
  const auto* j = find(key);
  if (!j) return std::nullopt;
  if (!j->is_string()) fail(key, "must be a string, got " + type_name(*j));
  return j->get<std::string>();
}

std::optional<int64_t> ConfigReader::integer(std::string_view key, int64_t min, int64_t max) {
  const auto* j = find(key);
  if (!j) return std::nullopt;
  if (!j->is_number_integer() || (j->is_number_unsigned() && j->get<uint64_t>() > INT64_MAX))
    fail(key, "must be an integer, got " + (j->is_number() ? printable(j->dump(), 40) : type_name(*j)));
  const int64_t v = j->get<int64_t>();
  if (v < min || v > max)
    fail(key, std::to_string(v) + " is out of range [" + std::to_string(min) + ", " + std::to_string(max) + "]");
  return v;
}

std::optional<uint64_t> ConfigReader::unsigned_integer(std::string_view key) {
  const auto* j = find(key);
  if (!j) return std::nullopt;
  if (!j->is_number_integer() || (!j->is_number_unsigned() && j->get<int64_t>() < 0))
    fail(key, "must be a non-negative integer, got " + (j->is_number() ? printable(j->dump(), 40) : type_name(*j)));
  return j->get<uint64_t>();
}

std::optional<double> ConfigReader::number(std::string_view key, double min, double max) {
  const auto* j = find(key);
  if (!j) return std::nullopt;
  if (!j->is_number()) fail(key, "must be a number, got " + type_name(*j));
  const double v = j->get<double>();
  if (!(v >= min && v <= max)) {
    nlohmann::json lo = min, hi = max;
    fail(key, printable(j->dump(), 40) + " is out of range [" + lo.dump() + ", " + hi.dump() + "]");
  }
  return v;
}

std::optional<bool> ConfigReader::boolean(std::string_view key) {
  const auto* j = find(key);
  if (!j) return std::nullopt;
  if (!j->is_boolean()) fail(key, "must be true or false, got " + type_name(*j));
  return j->get<bool>();
}

std::optional<Duration> ConfigReader::duration(std::string_view key, bool allow_negative) {
  const auto* j = find(key);
  if (!j) return std::nullopt;
  if (j->is_number()) {
    fail(key, "duration " + printable(j->dump(), 40) + " has no unit: write it as a string such as \"" + printable(j->dump(), 40) + "ms\"");
  }
  if (!j->is_string()) fail(key, "must be a duration string such as \"150ms\", got " + type_name(*j));
  std::string error;
  auto d = parse_duration(j->get<std::string>(), &error, allow_negative);
  if (!d) fail(key, error);
  return d;
}

std::optional<std::string> ConfigReader::choice(std::string_view key, const std::vector<std::string>& choices) {
  auto s = string(key);
  if (!s) return s;
  if (std::find(choices.begin(), choices.end(), *s) == choices.end()) {
    std::string list;
    for (const auto& c : choices) list += (list.empty() ? "" : ", ") + c;
    fail(key, "\"" + printable(*s, 40) + "\" is not one of: " + list);
  }
  return s;
}

ConfigReader ConfigReader::object(std::string_view key) {
  const auto* j = find(key);
  if (!j) fail_here("missing key \"" + std::string(key) + "\"");
  return ConfigReader(*source_, child_pointer(key));
}

std::vector<std::string> ConfigReader::array(std::string_view key) {
  const auto* j = find(key);
  std::vector<std::string> out;
  if (!j) return out;
  if (!j->is_array()) fail(key, "must be an array, got " + type_name(*j));
  for (size_t i = 0; i < j->size(); ++i) out.push_back(child_pointer(key) + "/" + std::to_string(i));
  return out;
}

std::vector<std::string> ConfigReader::keys() const {
  std::vector<std::string> out;
  for (auto it = value_->begin(); it != value_->end(); ++it) out.push_back(it.key());
  return out;
}

void ConfigReader::finish() {
  for (auto it = value_->begin(); it != value_->end(); ++it) {
    if (read_.count(it.key())) continue;
    std::string hint;
    size_t best = 3;
    for (const auto& k : known_) {
      size_t d = edit_distance(it.key(), k);
      if (d < best) {
        best = d;
        hint = k;
      }
    }
    std::string known;
    for (const auto& k : known_) known += (known.empty() ? "" : ", ") + k;
    if (known.empty()) known = "none";
    fail(it.key(), hint.empty() ? "unknown key (known keys here: " + known + ")"
                                : "unknown key (did you mean \"" + hint + "\"?)");
  }
}

}  // namespace dsim::sim
