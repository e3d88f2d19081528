// SendSigned: what `lls curate` and `lls bulletin` share — seal one message with the caller's
// key into its node.db outbox (durable: a message the hub does not answer stays queued and is
// sent again by the next command with that config, or by lls-node publish), send the outbox,
// and report what the hub said about *this* message. Not thread-safe.
#pragma once

#include <chrono>
#include <string>

#include "crypto/crypto.h"
#include "node/node_config.h"
#include "schema/messages.h"
#include "schema/status.h"

namespace lls::tools {

struct SendOutcome {
  enum class Answer { kAcked, kRefused, kNoAnswer };
  Answer answer = Answer::kNoAnswer;
  std::string message_id;  // hex
  std::string refusal;     // "<nack code>: <text>" when refused
};

Result<SendOutcome> SendSigned(const node::NodeConfig& config, const crypto::Identity& identity,
                               const crypto::PublicIdentity& hub, const Body& body,
                               std::chrono::seconds wait);

}  // namespace lls::tools
