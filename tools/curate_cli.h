// `lls curate`: a facilitator's view of the learning queue and its decisions (docs/cli.md).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace lls::tools {

struct CurateArgs {
  std::filesystem::path config;  // the facilitator's node.toml
  std::string command;           // list | approve | reject | feature | tag
  std::string id;                // the item's message id, hex; a unique prefix of >= 8 digits
  std::string reason;            // reject
  std::vector<std::string> tags; // tag
  std::string state = "pending"; // list: pending | approved | rejected | withdrawn | all
  bool json = false;             // list
};

// list: reads the hub's subscribe endpoint from sequence 1 (a facilitator reads learning items,
// curations, relays and retractions), computes each item's current state from them, as the hub
// does (hub/curation.h), and prints the items in `state`: one line each, or a JSON array.
// approve|reject|feature|tag: resolves ID (a full 32-digit id is sent as is; a prefix is looked
// up in the list), builds a Curation, seals it with the facilitator's key through the node's
// durable outbox (node.db) and sends it, waiting up to 10 s for the hub's answer; prints one
// line. Exit 0 on success, 1 when the hub refuses the decision or cannot be reached (one line
// on stderr), 2 for usage or configuration errors (bad ID, reject without a reason).
int Curate(const CurateArgs& args);

}  // namespace lls::tools
