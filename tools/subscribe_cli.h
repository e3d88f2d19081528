// `lls subscribe`: prints what a hub redistributes to this node, verified, as JSON lines.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>

namespace lls::tools {

// Uses the node's config (node.toml: key, hub.public_key, hub.subscribe_endpoint) but not its
// database: the inbox and its cursor are left alone. Asks from `from` (default 1) and prints
// one JSON object per verified message (the JSON of `lls inspect`, on one line, plus
// "hub_seq" and "from", the sender's organisation as the hub enrolled it).
// Without `count`: prints what exists and exits once caught up (nextSeq > headSeq).
// With `count`: exits after that many messages, long-polling for new ones as long as needed.
// An entry that fails verification is reported on stderr and not printed; the exit code is
// then 1. Exit 2 for usage or configuration errors, 1 when the hub refuses the key or does not
// answer within 10 s (one line on stderr).
int Subscribe(const std::filesystem::path& config, uint64_t from, std::optional<uint64_t> count);

}  // namespace lls::tools
