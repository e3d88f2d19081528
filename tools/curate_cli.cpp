#include "tools/curate_cli.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <iostream>
#include <map>
#include <optional>
#include <set>

#include <nlohmann/json.hpp>

#include "crypto/crypto.h"
#include "exchange/clock.h"
#include "exchange/publisher.h"
#include "exchange/transport.h"
#include "node/inbox.h"
#include "node/node_config.h"
#include "node/node_store.h"
#include "tools/signed_send.h"

namespace lls::tools {

namespace {

using nlohmann::json;

constexpr auto kConnectTimeout = std::chrono::seconds(10);
constexpr auto kAckWait = std::chrono::seconds(10);
constexpr size_t kMinPrefix = 8;

int Fail(const Status& status) {
  std::fprintf(stderr, "lls: %s\n", status.message().c_str());
  return status.code() == Code::kInvalidArgument ? 2 : 1;
}

// One learning item as the facilitator's reading of the log says it stands now. The same
// rules as the hub's (hub/curation.h), applied to what the subscribe endpoint sends.
struct ListedItem {
  uint64_t hub_seq = 0;
  MessageId id{};
  SignPublicKey author{};
  std::string organisation;  // the hub's word for the sender
  LearningItem item;
  std::string state = "pending";
  bool featured = false;
  std::set<std::string> tags;  // curator tags
  std::string reason;
};

class Queue {
 public:
  void Add(const node::VerifiedEntry& entry) {
    if (const auto* item = std::get_if<LearningItem>(&entry.body)) {
      auto key = std::make_pair(entry.envelope.signer, item->item_id);
      if (auto it = current_.find(key); it != current_.end()) items_.erase(it->second);
      current_[key] = entry.envelope.message_id;
      ListedItem& listed = items_[entry.envelope.message_id];
      listed.hub_seq = entry.hub_seq;
      listed.id = entry.envelope.message_id;
      listed.author = entry.envelope.signer;
      listed.organisation = entry.organisation;
      listed.item = *item;
    } else if (const auto* relay = std::get_if<lls::Relay>(&entry.body)) {
      // A relay with no curation is an auto-approval (with one, the curation says it).
      auto original = DecodeEnvelope(relay->original, DecodeLimits{node::kMaxEntryBytes});
      if (!original.ok() || !relay->curation.empty()) return;
      if (ListedItem* item = Find(original->message_id)) item->state = "approved";
    } else if (const auto* curation = std::get_if<lls::Curation>(&entry.body)) {
      ListedItem* item = Find(curation->target);
      if (item == nullptr) return;
      switch (curation->action) {
        case CurationAction::kApprove:
          item->state = "approved";
          item->reason.clear();
          break;
        case CurationAction::kFeature:
          item->state = "approved";
          item->reason.clear();
          item->featured = true;
          break;
        case CurationAction::kReject:
          item->state = "rejected";
          item->reason = curation->reason;
          break;
        case CurationAction::kTag:
          item->tags.insert(curation->tags.begin(), curation->tags.end());
          break;
        case CurationAction::kUnspecified:
          break;
      }
    } else if (const auto* retraction = std::get_if<Retraction>(&entry.body)) {
      if (auto it = items_.find(retraction->target); it != items_.end()) {
        it->second.state = "withdrawn";
      }
    }
  }

  std::vector<const ListedItem*> InState(const std::string& state) const {
    std::vector<const ListedItem*> out;
    for (const auto& [id, item] : items_) {
      if (state == "all" || item.state == state) out.push_back(&item);
    }
    std::sort(out.begin(), out.end(),
              [](const ListedItem* a, const ListedItem* b) { return a->hub_seq < b->hub_seq; });
    return out;
  }

 private:
  ListedItem* Find(const MessageId& id) {
    auto it = items_.find(id);
    return it == items_.end() || it->second.state == "withdrawn" ? nullptr : &it->second;
  }
  std::map<MessageId, ListedItem> items_;
  std::map<std::pair<SignPublicKey, std::string>, MessageId> current_;
};

// Reads everything this member may read from the hub and folds it into the queue.
Result<Queue> FetchQueue(const node::NodeConfig& config, const crypto::Identity& identity,
                         const crypto::PublicIdentity& hub) {
  if (config.hub_subscribe_endpoint.empty()) {
    return Status(Code::kInvalidArgument,
                  "hub.subscribe_endpoint is not set in the facilitator's config (needed to list)");
  }
  LLS_ASSIGN_OR_RETURN(auto client,
                       transport::ClientTransport::Connect(
                           identity, {config.hub_subscribe_endpoint, hub.curve,
                                      node::kMaxReplyBytes}));
  LLS_RETURN_IF_ERROR(client->WaitConnected(kConnectTimeout));
  node::Subscriber subscriber(*client);
  Queue queue;
  uint64_t cursor = 1;
  for (;;) {
    LLS_RETURN_IF_ERROR(subscriber.Request(cursor, 1000, 0));
    LLS_ASSIGN_OR_RETURN(std::optional<SubscribeBatch> batch, subscriber.Receive(kConnectTimeout));
    if (!batch) {
      return Status(Code::kUnavailable, "no answer from the hub's subscribe endpoint at " +
                                            config.hub_subscribe_endpoint);
    }
    for (const LogEntry& entry : batch->entries) {
      if (entry.hub_seq < cursor) continue;
      cursor = entry.hub_seq + 1;
      auto verified = node::VerifyEntry(entry);
      if (!verified.ok()) {
        std::fprintf(stderr, "lls: %s; ignored\n", verified.status().message().c_str());
        continue;
      }
      queue.Add(*verified);
    }
    cursor = std::max(cursor, batch->next_seq);
    if (cursor > batch->head_seq) return queue;
  }
}

json ItemJson(const ListedItem& i) {
  return {{"id", crypto::ToHex(i.id)},
          {"hub_seq", i.hub_seq},
          {"state", i.state},
          {"featured", i.featured},
          {"from", i.organisation},
          {"item_id", i.item.item_id},
          {"title", i.item.title},
          {"kind", LearningKindName(i.item.kind)},
          {"area", AreaName(i.item.area)},
          {"scope", ScopeName(i.item.scope)},
          {"author_tags", i.item.tags},
          {"curator_tags", std::vector<std::string>(i.tags.begin(), i.tags.end())},
          {"reason", i.reason},
          {"text", i.item.text}};
}

void PrintItem(const ListedItem& i) {
  std::string line = crypto::ToHex(i.id) + "  " + i.state + (i.featured ? " (featured)" : "") +
                     "  " + i.organisation + "  " + i.item.title;
  if (!i.tags.empty()) {
    std::string tags;
    for (const std::string& t : i.tags) tags += (tags.empty() ? "" : ",") + t;
    line += "  [tags: " + tags + "]";
  }
  if (!i.reason.empty()) line += "  (reason: " + i.reason + ")";
  std::cout << line << "\n";
}

bool IsHex(const std::string& s) {
  return std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isxdigit(c); });
}

Result<MessageId> ResolveId(const std::string& given, const node::NodeConfig& config,
                            const crypto::Identity& identity, const crypto::PublicIdentity& hub) {
  std::string id = given;
  std::transform(id.begin(), id.end(), id.begin(), [](unsigned char c) { return std::tolower(c); });
  if (!IsHex(id) || id.size() < kMinPrefix || id.size() > 32) {
    return Status(Code::kInvalidArgument, "ID '" + given + "' must be a learning item's message "
                                          "id in hex, or a unique prefix of at least 8 digits");
  }
  MessageId out{};
  if (id.size() == 32) {
    LLS_ASSIGN_OR_RETURN(Bytes bytes, crypto::FromHex(id));
    std::copy_n(bytes.begin(), out.size(), out.begin());
    return out;
  }
  LLS_ASSIGN_OR_RETURN(Queue queue, FetchQueue(config, identity, hub));
  std::vector<const ListedItem*> matches;
  for (const ListedItem* item : queue.InState("all")) {
    if (crypto::ToHex(item->id).starts_with(id)) matches.push_back(item);
  }
  if (matches.empty()) {
    return Status(Code::kInvalidArgument, "no learning item at the hub has an id starting " + id);
  }
  if (matches.size() > 1) {
    return Status(Code::kInvalidArgument, "ID prefix " + id + " matches " +
                                              std::to_string(matches.size()) +
                                              " items; give more digits");
  }
  return matches.front()->id;
}

int List(const CurateArgs& args, const node::NodeConfig& config, const crypto::Identity& identity,
         const crypto::PublicIdentity& hub) {
  static const std::set<std::string> kStates = {"pending", "approved", "rejected", "withdrawn",
                                                "all"};
  if (!kStates.contains(args.state)) {
    return Fail(Status(Code::kInvalidArgument,
                       "--state must be pending, approved, rejected, withdrawn or all"));
  }
  auto queue = FetchQueue(config, identity, hub);
  if (!queue.ok()) return Fail(queue.status());
  std::vector<const ListedItem*> items = queue->InState(args.state);
  if (args.json) {
    json out = json::array();
    for (const ListedItem* item : items) out.push_back(ItemJson(*item));
    std::cout << out.dump() << "\n";
  } else {
    for (const ListedItem* item : items) PrintItem(*item);
    if (items.empty()) std::cout << "no " << (args.state == "all" ? "" : args.state + " ")
                                 << "learning items\n";
  }
  return 0;
}

int Decide(const CurateArgs& args, const node::NodeConfig& config, crypto::Identity& identity,
           const crypto::PublicIdentity& hub) {
  lls::Curation curation;
  if (args.command == "approve") {
    curation.action = CurationAction::kApprove;
  } else if (args.command == "reject") {
    curation.action = CurationAction::kReject;
    curation.reason = args.reason;
    if (std::all_of(curation.reason.begin(), curation.reason.end(),
                    [](unsigned char c) { return std::isspace(c); })) {
      return Fail(Status(Code::kInvalidArgument, "reject needs --reason TEXT"));
    }
  } else if (args.command == "feature") {
    curation.action = CurationAction::kFeature;
  } else if (args.command == "tag") {
    curation.action = CurationAction::kTag;
    for (const std::string& t : args.tags) {
      if (!t.empty()) curation.tags.push_back(t);
    }
    if (curation.tags.empty()) return Fail(Status(Code::kInvalidArgument, "tag needs --tags a,b"));
  } else {
    return Fail(Status(Code::kInvalidArgument, "unknown curate command '" + args.command + "'"));
  }
  auto target = ResolveId(args.id, config, identity, hub);
  if (!target.ok()) return Fail(target.status());
  curation.target = *target;

  auto outcome = SendSigned(config, identity, hub, curation, kAckWait);
  if (!outcome.ok()) return Fail(outcome.status());
  switch (outcome->answer) {
    case SendOutcome::Answer::kRefused:
      std::fprintf(stderr, "lls: %s of %s refused by the hub: %s\n", args.command.c_str(),
                   crypto::ToHex(curation.target).c_str(), outcome->refusal.c_str());
      return 1;
    case SendOutcome::Answer::kNoAnswer:
      std::fprintf(stderr,
                   "lls: no answer from the hub at %s within %lld s; the %s stays queued in %s "
                   "and is sent again by the next lls curate or lls-node publish\n",
                   config.hub_endpoint.c_str(), static_cast<long long>(kAckWait.count()),
                   args.command.c_str(), config.database().string().c_str());
      return 1;
    case SendOutcome::Answer::kAcked:
      break;
  }
  std::cout << args.command << " " << crypto::ToHex(curation.target)
            << ": acknowledged by the hub\n";
  return 0;
}

}  // namespace

int Curate(const CurateArgs& args) {
  auto config = node::NodeConfig::Load(args.config);
  if (!config.ok()) return Fail(config.status());
  auto identity = crypto::LoadSecretKeyFile(config->key_path);
  if (!identity.ok()) return Fail(identity.status());
  auto hub = crypto::LoadPublicKeyFile(config->hub_public_key);
  if (!hub.ok()) return Fail(hub.status());
  if (args.command == "list") return List(args, *config, *identity, *hub);
  return Decide(args, *config, *identity, *hub);
}

}  // namespace lls::tools
