// Field reflection for protocol messages: one description of a struct's fields drives its
// JSON form (traces, Byzantine mutation), its fast JSON text form (the JSONL sink) and its
// binary form (the trace digest).
//
// A reflectable struct declares its fields once:
//
//   struct AppendEntries {
//     static constexpr std::string_view type_name = "raft.append_entries";
//     Term term; LogIndex prev_log_index; std::vector<Entry> entries;
//     template <class Self, class V> static void reflect(Self& self, V& v) {
//       v("term", self.term); v("prev_log_index", self.prev_log_index); v("entries", self.entries);
//     }
//   };
//
// Supported field types: bool, integers, enums, double, std::string, NodeId, strong types that
// expose `.value`, std::vector, std::optional, std::map<std::string, T>, nlohmann::json and
// nested reflectable structs. Decoding is strict: a missing field or a wrong type throws
// std::invalid_argument naming the field.
#pragma once

#include <cctype>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <limits>
#include <string>
#include <type_traits>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/ids.h"

namespace dsim::sim {

namespace detail {
template <class T> struct is_vector : std::false_type {};
template <class T, class A> struct is_vector<std::vector<T, A>> : std::true_type {};
template <class T> struct is_optional : std::false_type {};
template <class T> struct is_optional<std::optional<T>> : std::true_type {};
template <class T> struct is_string_map : std::false_type {};
template <class T> struct is_string_map<std::map<std::string, T>> : std::true_type {};
struct AnyFieldVisitor {
  template <class F> void operator()(const char*, F&) const {}
};
template <class T>
concept HasReflect = requires(T& t, AnyFieldVisitor& v) { T::reflect(t, v); };
template <class T>
concept StrongValue = requires(T t) { t.value; } && std::is_integral_v<decltype(T{}.value)>;
// An enum that names its values (`enum_names(E)` beside it, found by ADL, returning an array of
// std::string_view in value order) reads and writes them by name in JSON and text; its binary
// form (the digest) stays the number.
template <class T>
concept NamedEnum = std::is_enum_v<T> && requires(T t) { enum_names(t)[0]; };
}  // namespace detail

// The name of a named enum's value ("?" for a value outside it, which decoding never makes).
template <detail::NamedEnum T>
std::string_view enum_name(T v) {
  const auto& names = enum_names(v);
  const auto i = static_cast<size_t>(v);
  return i < std::size(names) ? std::string_view(names[i]) : std::string_view("?");
}

// Calls f(id) for every NodeId in v: its fields, vectors, optionals, maps and nested structs.
template <class T, class F>
void for_each_node_id(const T& v, F&& f) {
  if constexpr (std::is_same_v<T, NodeId>) {
    f(v);
  } else if constexpr (detail::is_vector<T>::value) {
    for (const auto& e : v) for_each_node_id(e, f);
  } else if constexpr (detail::is_optional<T>::value) {
    if (v) for_each_node_id(*v, f);
  } else if constexpr (detail::is_string_map<T>::value) {
    for (const auto& [k, e] : v) for_each_node_id(e, f);
  } else if constexpr (detail::HasReflect<T>) {
    auto visit = [&](const char*, const auto& field) { for_each_node_id(field, f); };
    T::reflect(v, visit);
  }
}

// ---- nlohmann::json form ----------------------------------------------------------------

template <class T> nlohmann::json to_json_value(const T& v);
template <class T> void from_json_value(const nlohmann::json& j, T& out, const char* field);

template <class T>
nlohmann::json to_json_value(const T& v) {
  if constexpr (std::is_same_v<T, nlohmann::json>) {
    return v;
  } else if constexpr (std::is_same_v<T, bool> || std::is_arithmetic_v<T> || std::is_same_v<T, std::string>) {
    return v;
  } else if constexpr (detail::NamedEnum<T>) {
    return std::string(enum_name(v));
  } else if constexpr (std::is_enum_v<T>) {
    return static_cast<std::underlying_type_t<T>>(v);
  } else if constexpr (detail::is_vector<T>::value) {
    nlohmann::json a = nlohmann::json::array();
    for (const auto& e : v) a.push_back(to_json_value(e));
    return a;
  } else if constexpr (detail::is_optional<T>::value) {
    return v ? to_json_value(*v) : nlohmann::json(nullptr);
  } else if constexpr (detail::is_string_map<T>::value) {
    nlohmann::json o = nlohmann::json::object();
    for (const auto& [k, e] : v) o[k] = to_json_value(e);
    return o;
  } else if constexpr (detail::HasReflect<T>) {
    nlohmann::json o = nlohmann::json::object();
    auto visit = [&](const char* name, const auto& field) { o[name] = to_json_value(field); };
    T::reflect(v, visit);
    return o;
  } else {
    static_assert(detail::StrongValue<T>, "field type is not reflectable");
    return v.value;
  }
}

template <class T>
void from_json_value(const nlohmann::json& j, T& out, const char* field) {
  auto bad = [&](const char* want) {
    throw std::invalid_argument(std::string("field \"") + field + "\" must be " + want);
  };
  if constexpr (std::is_same_v<T, nlohmann::json>) {
    out = j;
  } else if constexpr (std::is_same_v<T, bool>) {
    if (!j.is_boolean()) bad("a boolean");
    out = j.get<bool>();
  } else if constexpr (std::is_integral_v<T>) {
    // Exact: a value the field's type cannot hold is refused, never wrapped or truncated.
    if (!j.is_number_integer()) bad("an integer");
    constexpr auto lo = std::numeric_limits<T>::min();
    constexpr auto hi = std::numeric_limits<T>::max();
    auto out_of_range = [&] { bad(("an integer from " + std::to_string(lo) + " to " + std::to_string(hi)).c_str()); };
    if (j.is_number_unsigned()) {
      const uint64_t v = j.get<uint64_t>();
      if (v > static_cast<uint64_t>(hi)) out_of_range();
      out = static_cast<T>(v);
    } else {
      const int64_t v = j.get<int64_t>();
      if constexpr (std::is_unsigned_v<T>) {
        if (v < 0 || static_cast<uint64_t>(v) > static_cast<uint64_t>(hi)) out_of_range();
      } else {
        if (v < static_cast<int64_t>(lo) || v > static_cast<int64_t>(hi)) out_of_range();
      }
      out = static_cast<T>(v);
    }
  } else if constexpr (std::is_floating_point_v<T>) {
    if (!j.is_number()) bad("a number");
    out = j.get<T>();
  } else if constexpr (std::is_same_v<T, std::string>) {
    if (!j.is_string()) bad("a string");
    out = j.get<std::string>();
  } else if constexpr (detail::NamedEnum<T>) {
    const auto& names = enum_names(T{});
    if (!j.is_string()) bad("a string");
    const std::string& s = j.get_ref<const std::string&>();
    std::string all;
    for (size_t i = 0; i < std::size(names); ++i) {
      if (names[i] == s) {
        out = static_cast<T>(i);
        return;
      }
      all += std::string(i ? ", " : "") + std::string(names[i]);
    }
    throw std::invalid_argument(std::string("field \"") + field + "\" must be one of " + all);
  } else if constexpr (std::is_enum_v<T>) {
    // Every reflected enum states how many values it has (`constexpr size_t enum_size(E)`
    // beside it, found by ADL), so a value read back from a trace is one the program knows.
    static_assert(requires { enum_size(T{}); }, "declare constexpr size_t enum_size(E) beside a reflected enum");
    std::underlying_type_t<T> raw{};
    from_json_value(j, raw, field);
    if (static_cast<uint64_t>(raw) >= enum_size(T{}))
      throw std::invalid_argument(std::string("field \"") + field + "\" must be 0 to " + std::to_string(enum_size(T{}) - 1) +
                                  ", got " + std::to_string(static_cast<uint64_t>(raw)));
    out = static_cast<T>(raw);
  } else if constexpr (detail::is_vector<T>::value) {
    if (!j.is_array()) bad("an array");
    out.clear();
    out.resize(j.size());
    for (size_t i = 0; i < j.size(); ++i) from_json_value(j[i], out[i], field);
  } else if constexpr (detail::is_optional<T>::value) {
    if (j.is_null()) {
      out.reset();
    } else {
      out.emplace();
      from_json_value(j, *out, field);
    }
  } else if constexpr (detail::is_string_map<T>::value) {
    if (!j.is_object()) bad("an object");
    out.clear();
    for (auto it = j.begin(); it != j.end(); ++it) from_json_value(it.value(), out[it.key()], field);
  } else if constexpr (detail::HasReflect<T>) {
    if (!j.is_object()) bad("an object");
    size_t seen = 0;
    auto visit = [&](const char* name, auto& f) {
      auto it = j.find(name);
      if (it == j.end()) throw std::invalid_argument(std::string("missing field \"") + name + "\"");
      from_json_value(*it, f, name);
      ++seen;
    };
    T::reflect(out, visit);
    if (seen != j.size()) throw std::invalid_argument(std::string("unknown field in \"") + field + "\"");
  } else {
    static_assert(detail::StrongValue<T>, "field type is not reflectable");
    from_json_value(j, out.value, field);
  }
}

// ---- fast JSON text (JSONL sink) --------------------------------------------------------

// Appends compact JSON to a string. Object keys are written in reflect() order.
class JsonWriter {
 public:
  explicit JsonWriter(std::string& out) : out_(out) {}
  std::string& out() { return out_; }

  void integer(int64_t v) { char b[24]; auto r = std::to_chars(b, b + 24, v); out_.append(b, r.ptr); }
  void unsigned_integer(uint64_t v) { char b[24]; auto r = std::to_chars(b, b + 24, v); out_.append(b, r.ptr); }
  void number(double v);
  void string(std::string_view s);
  void raw(std::string_view s) { out_.append(s); }

  template <class T>
  void value(const T& v) {
    if constexpr (std::is_same_v<T, nlohmann::json>) {
      raw(v.dump());
    } else if constexpr (std::is_same_v<T, bool>) {
      raw(v ? "true" : "false");
    } else if constexpr (std::is_integral_v<T> && std::is_signed_v<T>) {
      integer(v);
    } else if constexpr (std::is_integral_v<T>) {
      unsigned_integer(v);
    } else if constexpr (std::is_floating_point_v<T>) {
      number(v);
    } else if constexpr (std::is_same_v<T, std::string>) {
      string(v);
    } else if constexpr (detail::NamedEnum<T>) {
      string(enum_name(v));
    } else if constexpr (std::is_enum_v<T>) {
      integer(static_cast<int64_t>(v));
    } else if constexpr (detail::is_vector<T>::value) {
      out_.push_back('[');
      bool first = true;
      for (const auto& e : v) {
        if (!first) out_.push_back(',');
        first = false;
        value(e);
      }
      out_.push_back(']');
    } else if constexpr (detail::is_optional<T>::value) {
      if (v) value(*v); else raw("null");
    } else if constexpr (detail::is_string_map<T>::value) {
      out_.push_back('{');
      bool first = true;
      for (const auto& [k, e] : v) {
        if (!first) out_.push_back(',');
        first = false;
        string(k);
        out_.push_back(':');
        value(e);
      }
      out_.push_back('}');
    } else if constexpr (detail::HasReflect<T>) {
      out_.push_back('{');
      bool first = true;
      auto visit = [&](const char* name, const auto& f) {
        if (!first) out_.push_back(',');
        first = false;
        string(name);
        out_.push_back(':');
        value(f);
      };
      T::reflect(v, visit);
      out_.push_back('}');
    } else {
      static_assert(detail::StrongValue<T>, "field type is not reflectable");
      value(v.value);
    }
  }

 private:
  std::string& out_;
};

// ---- text form for people (`dsim log`) ----------------------------------------------------

// A word that prints without quotes in the text form: letters, digits and _-.:/#.
inline bool is_bare_word(std::string_view s) {
  if (s.empty()) return false;
  for (unsigned char c : s)
    if (!(std::isalnum(c) || c == '_' || c == '-' || c == '.' || c == ':' || c == '/' || c == '#')) return false;
  return true;
}

// Compact `key=value` text: node ids by name, fields at their empty value (false, "", [],
// none) left out, long strings and lists cut. Not parseable; the JSON form is the record.
class TextWriter {
 public:
  // `names[i]` names node i; without names a node id prints as its index.
  TextWriter(std::string& out, const std::vector<std::string>* names) : out_(out), names_(names) {}

  template <class T>
  static bool empty_value(const T& v) {
    if constexpr (std::is_same_v<T, bool>) return !v;
    else if constexpr (std::is_same_v<T, std::string> || detail::is_vector<T>::value || detail::is_string_map<T>::value)
      return v.empty();
    else if constexpr (detail::is_optional<T>::value) return !v.has_value();
    else if constexpr (std::is_same_v<T, nlohmann::json>) return v.is_null();
    else return false;
  }

  // A reflectable struct's fields, without braces (a message's top level).
  template <class T>
  void fields(const T& v) {
    bool first = true;
    auto visit = [&](const char* name, const auto& f) {
      if (empty_value(f)) return;
      if (!first) out_.push_back(' ');
      first = false;
      out_.append(name);
      out_.push_back('=');
      value(f);
    };
    T::reflect(v, visit);
  }

  template <class T>
  void value(const T& v) {
    if constexpr (requires { { v.text(names_) } -> std::convertible_to<std::string>; }) {
      out_.append(v.text(names_));  // a type that names itself for people (a client session: "c1p3")
    } else if constexpr (std::is_same_v<T, NodeId>) {
      if (!v.valid()) out_.push_back('-');
      else if (names_ && v.value < names_->size()) out_.append((*names_)[v.value]);
      else out_.append(std::to_string(v.value));
    } else if constexpr (std::is_same_v<T, nlohmann::json>) {
      text(v.dump());
    } else if constexpr (std::is_same_v<T, bool>) {
      out_.append(v ? "true" : "false");
    } else if constexpr (detail::NamedEnum<T>) {
      out_.append(enum_name(v));
    } else if constexpr (std::is_integral_v<T> || std::is_enum_v<T>) {
      if constexpr (std::is_enum_v<T>) out_.append(std::to_string(static_cast<int64_t>(v)));
      else out_.append(std::to_string(v));
    } else if constexpr (std::is_floating_point_v<T>) {
      char b[32];
      std::snprintf(b, sizeof b, "%g", v);
      out_.append(b);
    } else if constexpr (std::is_same_v<T, std::string>) {
      text(v);
    } else if constexpr (detail::is_vector<T>::value) {
      out_.push_back('[');
      for (size_t i = 0; i < v.size() && i < kListItems; ++i) {
        if (i) out_.push_back(' ');
        value(v[i]);
      }
      if (v.size() > kListItems) out_.append(" +" + std::to_string(v.size() - kListItems) + " more");
      out_.push_back(']');
    } else if constexpr (detail::is_optional<T>::value) {
      if (v) value(*v); else out_.push_back('-');
    } else if constexpr (detail::is_string_map<T>::value) {
      out_.push_back('{');
      bool first = true;
      for (const auto& [k, e] : v) {
        if (!first) out_.push_back(' ');
        first = false;
        text(k);
        out_.push_back('=');
        value(e);
      }
      out_.push_back('}');
    } else if constexpr (detail::HasReflect<T>) {
      out_.push_back('{');
      fields(v);
      out_.push_back('}');
    } else {
      static_assert(detail::StrongValue<T>, "field type is not reflectable");
      value(v.value);
    }
  }

  static constexpr size_t kListItems = 4;
  static constexpr size_t kTextBytes = 40;

 private:
  // A word prints bare; anything else (spaces, quotes, control characters) as a quoted JSON
  // string; either cut at kTextBytes.
  void text(std::string_view s) {
    const bool cut = s.size() > kTextBytes;
    if (cut) s = s.substr(0, kTextBytes);
    if (is_bare_word(s)) out_.append(s);
    else out_.append(nlohmann::json(std::string(s)).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    if (cut) out_.append("...");
  }
  std::string& out_;
  const std::vector<std::string>* names_;
};

// ---- binary form (trace digest) ---------------------------------------------------------

// A fixed-size staging buffer in front of a byte consumer (the digest's hash state): a small
// write is a bounds check and a memcpy, and a full buffer goes to the consumer in one piece.
// The consumer sees the same byte stream however it is cut into pieces.
class ByteBuffer {
 public:
  using Consumer = std::function<void(const unsigned char* data, size_t n)>;
  explicit ByteBuffer(Consumer consume) : consume_(std::move(consume)), data_(new unsigned char[kSize]) {}
  void write(const void* p, size_t n) {
    if (n == 0) return;  // p may be null then (an empty string_view), which memcpy forbids
    if (n > kSize - size_) return write_past_end(p, n);
    std::memcpy(data_.get() + size_, p, n);
    size_ += n;
  }
  void flush() {
    if (size_ > 0) consume_(data_.get(), size_);
    size_ = 0;
  }

 private:
  void write_past_end(const void* p, size_t n) {
    flush();
    if (n >= kSize) return consume_(static_cast<const unsigned char*>(p), n);
    std::memcpy(data_.get(), p, n);
    size_ = n;
  }

  static constexpr size_t kSize = 1 << 16;
  Consumer consume_;
  std::unique_ptr<unsigned char[]> data_;
  size_t size_ = 0;
};

// Appends a compact, unambiguous binary encoding (fixed-width integers, length-prefixed
// strings) to a byte buffer that the digest sink hashes.
class ByteWriter {
 public:
  explicit ByteWriter(ByteBuffer& out) : out_(out) {}
  void u64(uint64_t v) { out_.write(&v, sizeof v); }
  void bytes(std::string_view s) {
    u64(s.size());
    out_.write(s.data(), s.size());
  }

  // A JSON value as tagged binary, without building its text (observations are hashed often).
  // A non-negative integer is hashed the same whether it is held signed or unsigned: JSON text
  // does not keep the difference, and a trace read back must hash like the live run.
  void json(const nlohmann::json& j) {
    using V = nlohmann::json::value_t;
    if (j.type() == V::number_integer && j.get<int64_t>() >= 0) {
      u64(static_cast<uint64_t>(V::number_unsigned));
      u64(static_cast<uint64_t>(j.get<int64_t>()));
      return;
    }
    u64(static_cast<uint64_t>(j.type()));
    switch (j.type()) {
      case V::object:
        u64(j.size());
        for (auto it = j.begin(); it != j.end(); ++it) {
          bytes(it.key());
          json(it.value());
        }
        break;
      case V::array:
        u64(j.size());
        for (const auto& e : j) json(e);
        break;
      case V::string: bytes(j.get_ref<const std::string&>()); break;
      case V::boolean: u64(j.get<bool>() ? 1 : 0); break;
      case V::number_integer: u64(static_cast<uint64_t>(j.get<int64_t>())); break;
      case V::number_unsigned: u64(j.get<uint64_t>()); break;
      case V::number_float: value(j.get<double>()); break;
      default: break;
    }
  }

  template <class T>
  void value(const T& v) {
    if constexpr (std::is_same_v<T, nlohmann::json>) {
      json(v);
    } else if constexpr (std::is_integral_v<T> || std::is_enum_v<T>) {
      u64(static_cast<uint64_t>(v));
    } else if constexpr (std::is_floating_point_v<T>) {
      uint64_t bits;
      double d = v;
      std::memcpy(&bits, &d, sizeof bits);
      u64(bits);
    } else if constexpr (std::is_same_v<T, std::string>) {
      bytes(v);
    } else if constexpr (detail::is_vector<T>::value) {
      u64(v.size());
      for (const auto& e : v) value(e);
    } else if constexpr (detail::is_optional<T>::value) {
      u64(v ? 1 : 0);
      if (v) value(*v);
    } else if constexpr (detail::is_string_map<T>::value) {
      u64(v.size());
      for (const auto& [k, e] : v) { bytes(k); value(e); }
    } else if constexpr (detail::HasReflect<T>) {
      auto visit = [&](const char*, const auto& f) { value(f); };
      T::reflect(v, visit);
    } else {
      static_assert(detail::StrongValue<T>, "field type is not reflectable");
      value(v.value);
    }
  }

 private:
  ByteBuffer& out_;
};

}  // namespace dsim::sim
