// The protocol registry: what a protocol tells the rest of dsim about itself. The engine
// names no protocol; protocols/registry.cc fills a Registry and the CLI looks things up here.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "sim/invariant.h"
#include "sim/message.h"
#include "sim/params.h"
#include "sim/simulation.h"

namespace dsim::sim {

struct InvariantSpec {
  std::string name;  // "pingmesh.reply_matches_ping"
  std::string help;
  InvariantFactory factory;
};

struct BugSpec {
  std::string name;
  std::string help;
};

// What a node factory needs: resolved parameters and the enabled bug switches.
struct ProtocolConfig {
  Params params;
  std::vector<std::string> bugs;
  bool has_bug(std::string_view b) const {
    for (const auto& x : bugs)
      if (x == b) return true;
    return false;
  }
};

struct ProtocolSpec {
  std::string name;
  std::string description;
  std::vector<ParamSpec> params;
  std::vector<InvariantSpec> invariants;
  std::vector<BugSpec> bugs;
  std::vector<std::string_view> message_types;
  uint32_t min_nodes = 1;
  std::function<ProcessFactory(const ProtocolConfig&)> make_factory;
  // Decodes a message read back from a trace; nullptr MessagePtr for an unknown type.
  std::function<MessagePtr(std::string_view type, const nlohmann::json& body)> decode;
};

class Registry {
 public:
  void add(ProtocolSpec spec) { protocols_.push_back(std::move(spec)); }
  const ProtocolSpec* find(std::string_view name) const {
    for (const auto& p : protocols_)
      if (p.name == name) return &p;
    return nullptr;
  }
  const std::vector<ProtocolSpec>& all() const { return protocols_; }

 private:
  std::vector<ProtocolSpec> protocols_;
};

// A decode function for a protocol whose messages are the variant `Message`.
template <class Message>
std::function<MessagePtr(std::string_view, const nlohmann::json&)> message_decoder() {
  return [](std::string_view type, const nlohmann::json& body) -> MessagePtr {
    auto m = decode_message<Message>(type, body);
    return m ? make_message<Message>(std::move(*m)) : MessagePtr();
  };
}

}  // namespace dsim::sim
