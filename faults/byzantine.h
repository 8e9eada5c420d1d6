// Byzantine message rewriting through a message's JSON form: the generic strategies that work
// for every protocol (corrupt, equivocate, replay, mute). A rewritten message is decoded back
// with the protocol's own codec, so it is always type-correct: a Byzantine node lies with
// well-formed messages, which is what makes it dangerous.
#pragma once

#include <deque>

#include <nlohmann/json.hpp>

#include "sim/message.h"
#include "sim/registry.h"
#include "sim/rng.h"

namespace dsim::faults {

// Mutates one leaf (number, string, boolean) of `body` chosen with rng, keeping its type.
// Returns false if the message has no leaf to mutate.
bool mutate_random_leaf(nlohmann::json& body, sim::Rng& rng);
// Mutates the leaf chosen by `salt` in a way that depends only on salt (equivocation: each
// destination gets its own consistent lie).
bool mutate_for_destination(nlohmann::json& body, uint64_t salt);

// Re-encodes a JSON body as the protocol's message; the original if it no longer decodes.
sim::MessagePtr reencode(const sim::ProtocolSpec& protocol, const sim::MessagePtr& original, const nlohmann::json& body);

}  // namespace dsim::faults
