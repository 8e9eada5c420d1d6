// A Raft client node (Raft §8): the shared key-value client (protocols/common/kv_client.h)
// speaking Raft's ClientRequest and ClientReply.
#pragma once

#include "protocols/common/kv_client.h"
#include "protocols/raft/messages.h"

namespace dsim::raft {

using Client = kv::Client<Message, ClientRequest, ClientReply>;

}  // namespace dsim::raft
