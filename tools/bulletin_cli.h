// `lls bulletin`: publish a bulletin as a national-role member (docs/cli.md).
#pragma once

#include <filesystem>
#include <string>

namespace lls::tools {

struct BulletinArgs {
  std::filesystem::path config;  // the national member's node.toml
  std::string title;
  std::string text;
  std::string area;  // a clinical area name ("smoke-free-pregnancy", ...); empty: unspecified
};

// Builds a Bulletin, seals it with the member's key through the node's durable outbox
// (node.db) and sends it to the hub, waiting up to 10 s for the answer; prints one line.
// Exit 0 when acknowledged, 1 when refused or unanswered (it stays queued), 2 for usage or
// configuration errors.
int PublishBulletin(const BulletinArgs& args);

}  // namespace lls::tools
