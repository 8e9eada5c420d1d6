#include "faults/byzantine.h"

#include <vector>

namespace dsim::faults {
namespace {

void collect_leaves(nlohmann::json& j, std::vector<nlohmann::json*>& out) {
  if (j.is_object()) {
    for (auto it = j.begin(); it != j.end(); ++it) collect_leaves(it.value(), out);  // sorted keys: deterministic
  } else if (j.is_array()) {
    for (auto& e : j) collect_leaves(e, out);
  } else if (j.is_number() || j.is_string() || j.is_boolean()) {
    out.push_back(&j);
  }
}

// Changes a leaf by `delta` (>= 1), keeping its JSON type (unsigned stays non-negative).
void change(nlohmann::json& leaf, uint64_t delta, bool up) {
  if (leaf.is_boolean()) {
    leaf = !leaf.get<bool>();
  } else if (leaf.is_number_unsigned()) {
    const uint64_t v = leaf.get<uint64_t>();
    leaf = (up || v < delta) ? v + delta : v - delta;
  } else if (leaf.is_number_integer()) {
    const int64_t v = leaf.get<int64_t>();
    leaf = up ? v + static_cast<int64_t>(delta) : v - static_cast<int64_t>(delta);
  } else if (leaf.is_number_float()) {
    leaf = leaf.get<double>() + static_cast<double>(delta);
  } else if (leaf.is_string()) {
    leaf = leaf.get<std::string>() + "~" + std::to_string(delta);
  }
}

}  // namespace

bool mutate_random_leaf(nlohmann::json& body, sim::Rng& rng) {
  std::vector<nlohmann::json*> leaves;
  collect_leaves(body, leaves);
  if (leaves.empty()) return false;
  nlohmann::json& leaf = *leaves[rng.uniform(leaves.size())];
  change(leaf, 1 + rng.uniform(1000), rng.bernoulli(0.5));
  return true;
}

bool mutate_for_destination(nlohmann::json& body, uint64_t salt) {
  std::vector<nlohmann::json*> leaves;
  collect_leaves(body, leaves);
  if (leaves.empty()) return false;
  change(*leaves[salt % leaves.size()], 1 + salt, true);
  return true;
}

sim::MessagePtr reencode(const sim::ProtocolSpec& protocol, const sim::MessagePtr& original, const nlohmann::json& body) {
  try {
    sim::MessagePtr m = protocol.decode(original->type_name(), body);
    return m ? m : original;
  } catch (const std::invalid_argument&) {
    return original;
  }
}

}  // namespace dsim::faults
