#include "sim/params.h"

#include "sim/assert.h"

namespace dsim::sim {

std::string_view to_string(ParamType t) {
  switch (t) {
    case ParamType::integer: return "integer";
    case ParamType::number: return "number";
    case ParamType::boolean: return "boolean";
    case ParamType::string: return "string";
    case ParamType::duration: return "duration";
    case ParamType::duration_range: return "duration range";
  }
  return "?";
}

const nlohmann::json& Params::at(const std::string& name) const {
  auto it = values_.find(name);
  DSIM_ASSERT(it != values_.end(), "protocol read an undeclared parameter");
  return *it;
}

int64_t Params::integer(const std::string& name) const { return at(name).get<int64_t>(); }
double Params::number(const std::string& name) const { return at(name).get<double>(); }
bool Params::boolean(const std::string& name) const { return at(name).get<bool>(); }
std::string Params::string(const std::string& name) const { return at(name).get<std::string>(); }

Duration Params::duration(const std::string& name) const {
  auto d = parse_duration(at(name).get<std::string>(), nullptr);
  DSIM_ASSERT(d.has_value(), "resolved duration parameter does not parse");
  return *d;
}

std::pair<Duration, Duration> Params::duration_range(const std::string& name) const {
  const auto& j = at(name);
  auto lo = parse_duration(j[0].get<std::string>(), nullptr);
  auto hi = parse_duration(j[1].get<std::string>(), nullptr);
  DSIM_ASSERT(lo && hi, "resolved duration range does not parse");
  return {*lo, *hi};
}

nlohmann::json resolve_params(const std::vector<ParamSpec>& specs, ConfigReader* reader, const nlohmann::json* base) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& spec : specs) {
    nlohmann::json value = base ? base->at(spec.name) : spec.default_value;
    if (reader && reader->has(spec.name)) {
      switch (spec.type) {
        case ParamType::integer:
          value = *reader->integer(spec.name, static_cast<int64_t>(spec.min), static_cast<int64_t>(spec.max));
          break;
        case ParamType::number:
          value = *reader->number(spec.name, spec.min, spec.max);
          break;
        case ParamType::boolean:
          value = *reader->boolean(spec.name);
          break;
        case ParamType::string:
          value = spec.choices.empty() ? *reader->string(spec.name) : *reader->choice(spec.name, spec.choices);
          break;
        case ParamType::duration:
        {
          const Duration d = *reader->duration(spec.name);
          if (static_cast<double>(d.ns()) < spec.min)
            reader->fail(spec.name, "must be at least " + format_duration(Duration::nanos(static_cast<int64_t>(spec.min))));
          value = format_duration(d);
          break;
        }
        case ParamType::duration_range: {
          const auto* j = reader->raw(spec.name);
          std::string error;
          if (!j->is_array() || j->size() != 2 || !(*j)[0].is_string() || !(*j)[1].is_string())
            reader->fail(spec.name, "must be a range [\"min\", \"max\"] of two durations, e.g. [\"150ms\", \"300ms\"]");
          auto lo = parse_duration((*j)[0].get<std::string>(), &error);
          if (!lo) reader->fail(spec.name, error);
          auto hi = parse_duration((*j)[1].get<std::string>(), &error);
          if (!hi) reader->fail(spec.name, error);
          if (*hi < *lo) reader->fail(spec.name, "range is empty: max is below min");
          value = nlohmann::json::array({format_duration(*lo), format_duration(*hi)});
          break;
        }
      }
    }
    out[spec.name] = value;
  }
  return out;
}

}  // namespace dsim::sim
