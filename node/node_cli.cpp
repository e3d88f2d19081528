#include "node/node_cli.h"

#include <signal.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <thread>

#include <nlohmann/json.hpp>

#include "crypto/crypto.h"
#include "exchange/catalogue.h"
#include "exchange/clock.h"
#include "exchange/log.h"
#include "exchange/message_json.h"
#include "exchange/publisher.h"
#include "exchange/sqlite.h"
#include "exchange/systemd_notify.h"
#include "exchange/transport.h"
#include "node/daemon.h"
#include "node/import.h"
#include "node/inbox.h"
#include "node/node_config.h"
#include "node/node_store.h"
#include "node/publication.h"

namespace lls::node {

namespace {

// True when redaction left identifiers in some message (it will be refused).
bool LeftAfterRedaction(const std::vector<lls::node::Outgoing>& outgoing) {
  for (const lls::node::Outgoing& o : outgoing) {
    if (o.left_after_redaction) return true;
  }
  return false;
}

using nlohmann::json;

// A storage fault (node.db on a full disk, an I/O error) gets the same advice whatever the
// command: every write is one transaction, so what was queued before is still there.
std::string StorageAdvice(const Status& status) {
  if (db::StorageFaultOf(status) == db::StorageFault::kNone) return "";
  return " (nothing already in node.db is lost, queued messages included: free space or "
         "repair the disk, then run the command again)";
}

int Fail(const Status& status) {
  std::fprintf(stderr, "lls-node: %s%s\n", status.message().c_str(),
               StorageAdvice(status).c_str());
  return status.code() == Code::kInvalidArgument ? 2 : 1;
}

// What every command needs: the config, the node's identity, its database, its scrubber.
struct Node {
  NodeConfig config;
  crypto::Identity identity;
  std::unique_ptr<NodeStore> store;
  Scrubber scrubber;
};

Result<Node> OpenNode(const std::filesystem::path& config_path) {
  LLS_ASSIGN_OR_RETURN(NodeConfig config, NodeConfig::Load(config_path));
  LLS_ASSIGN_OR_RETURN(crypto::Identity identity, crypto::LoadSecretKeyFile(config.key_path));
  LLS_ASSIGN_OR_RETURN(Scrubber scrubber, Scrubber::Create(config.scrub_patterns));
  LLS_ASSIGN_OR_RETURN(std::unique_ptr<NodeStore> store, NodeStore::Open(config.database()));
  return Node{std::move(config), std::move(identity), std::move(store), std::move(scrubber)};
}

json FindingJson(const FieldFinding& f) {
  return {{"field", f.field},         {"kind", f.finding.kind},
          {"line", f.finding.line},   {"column", f.finding.column},
          {"masked", f.finding.masked}};
}

std::string FindingText(const Outgoing& o, const FieldFinding& f) {
  return o.local_id + " " + f.field + ":" + std::to_string(f.finding.line) + ":" +
         std::to_string(f.finding.column) + ": " + f.finding.kind + ": " + f.finding.masked;
}

void PrintPoint(const std::string& code, const MeasurePoint& p) {
  auto count = [](uint32_t value, bool suppressed) {
    return suppressed ? std::string("suppressed") : std::to_string(value);
  };
  std::printf("  %-28s numerator %s, denominator %s%s\n", (code + " " + p.period).c_str(),
              count(p.numerator, p.numerator_suppressed).c_str(),
              count(p.denominator, p.denominator_suppressed).c_str(),
              (p.numerator_suppressed || p.denominator_suppressed) ? " (no rate shown)" : "");
}

void PrintOutgoing(const Outgoing& o) {
  auto field = [](const char* name, const std::string& value) {
    // Continuation lines of multi-line text line up under the first.
    std::string indented;
    for (char c : value) indented += c == '\n' ? std::string("\n") + std::string(31, ' ') : std::string(1, c);
    std::printf("  %-28s %s\n", name, indented.c_str());
  };
  if (const auto* s = std::get_if<ProjectSummary>(&o.body)) {
    std::printf("project-summary for local project %s (sent as %s)\n", o.local_id.c_str(),
                s->project_id.c_str());
    field("organisation", s->organisation);
    field("title", s->title);
    field("area", AreaName(s->area));
    field("aim", s->aim);
    for (size_t i = 0; i < s->change_ideas.size(); ++i) {
      field(("change_ideas[" + std::to_string(i) + "]").c_str(), s->change_ideas[i]);
    }
    field("pdsa_cycles", std::to_string(s->pdsa_cycles));
    field("stage", StageName(s->stage));
    field("start_month", s->start_month);
    for (const MeasureSeries& m : s->measures) {
      for (const MeasurePoint& p : m.points) PrintPoint(m.measure_code, p);
    }
  } else if (const auto* l = std::get_if<LearningItem>(&o.body)) {
    std::printf("learning-item for local item %s (sent as %s)\n", o.local_id.c_str(),
                l->item_id.c_str());
    field("organisation", l->organisation);
    field("title", l->title);
    field("kind", LearningKindName(l->kind));
    field("area", AreaName(l->area));
    field("scope", ScopeName(l->scope));
    std::string tags;
    for (const std::string& t : l->tags) tags += (tags.empty() ? "" : ", ") + t;
    field("tags", tags);
    if (!l->project_id.empty()) field("project_id", l->project_id);
    field("text", l->text);
  }
  for (const FieldFinding& f : o.findings) {
    const bool left = f.field.find(" (after redaction)") != std::string::npos;
    std::printf("  ! %s %s:%zu:%zu: %s\n", o.redacted && !left ? "redacted" : "FOUND", f.field.c_str(),
                f.finding.line, f.finding.column, (f.finding.kind + ": " + f.finding.masked).c_str());
  }
}

// Sends the outbox and prints the report; the exit code of publish and retract.
int SendOutbox(Node& node, int wait_seconds, bool json_out) {
  auto hub = crypto::LoadPublicKeyFile(node.config.hub_public_key);
  if (!hub.ok()) return Fail(hub.status());
  transport::ClientOptions options;
  options.endpoint = node.config.hub_endpoint;
  options.server_key = hub->curve;
  auto client = transport::ClientTransport::Connect(node.identity, options);
  if (!client.ok()) return Fail(client.status());
  SystemClock clock;
  Publisher publisher(node.store->outbox(), **client, clock);
  auto report = publisher.PublishAll(std::chrono::seconds(wait_seconds));
  if (!report.ok()) return Fail(report.status());
  if (json_out) {
    std::cout << json{{"acked", report->acked},
                      {"duplicates", report->duplicates},
                      {"rejected", report->rejected},
                      {"remaining", report->remaining},
                      {"deferred", report->deferred},
                      {"last_deferral", report->last_deferral},
                      {"rejections", report->rejections}}
                     .dump()
              << "\n";
  } else {
    std::cout << "published: " << report->acked << " acknowledged (" << report->duplicates
              << " already stored), " << report->rejected << " refused, " << report->remaining
              << " still queued\n";
  }
  for (const std::string& r : report->rejections) std::fprintf(stderr, "lls-node: %s\n", r.c_str());
  if (report->remaining > 0) {
    if (report->deferred > 0) {
      // The hub answered, but could not store them now (e.g. its disk is full).
      std::fprintf(stderr,
                   "lls-node: %lld message(s) not acknowledged within %d s: the hub at %s "
                   "deferred them (%s); they stay queued and are resent\n",
                   static_cast<long long>(report->remaining), wait_seconds,
                   node.config.hub_endpoint.c_str(), report->last_deferral.c_str());
    } else {
      std::fprintf(stderr,
                   "lls-node: %lld message(s) not acknowledged within %d s: no answer from the "
                   "hub at %s (they stay queued)\n",
                   static_cast<long long>(report->remaining), wait_seconds,
                   node.config.hub_endpoint.c_str());
    }
    return 1;
  }
  return report->rejected > 0 ? 1 : 0;
}

}  // namespace

int ImportFiles(const std::filesystem::path& config_path,
                const std::vector<std::filesystem::path>& files, bool json_out) {
  auto node = OpenNode(config_path);
  if (!node.ok()) return Fail(node.status());
  int exit_code = 0;
  json results = json::array();
  for (const std::filesystem::path& file : files) {
    std::vector<ImportProblem> problems;
    ImportResult parsed = ImportFile(file, BuiltInCatalogue());
    if (!parsed.ok()) {
      problems = parsed.error();
    } else {
      Status stored =
          node->store->StoreImport(*parsed, file.string(), SystemClock().NowMs(), &problems);
      // One transaction per file: a failed one stored nothing; files before it are imported.
      if (!stored.ok() && problems.empty()) {
        return Fail(stored.Context("importing " + file.string() + ": nothing from it was stored"));
      }
    }
    for (const ImportProblem& p : problems) {
      std::fprintf(stderr, "lls-node: %s\n", p.ToString().c_str());
    }
    if (!problems.empty()) {
      exit_code = 2;
      results.push_back({{"file", file.string()}, {"imported", false},
                         {"problems", problems.size()}});
      continue;
    }
    results.push_back({{"file", file.string()}, {"imported", true},
                       {"projects", parsed->projects.size()}, {"counts", parsed->counts.size()},
                       {"learning", parsed->learning.size()}});
    if (!json_out) {
      std::printf("imported %s: %zu project(s), %zu monthly count(s), %zu learning item(s)\n",
                  file.string().c_str(), parsed->projects.size(), parsed->counts.size(),
                  parsed->learning.size());
    }
  }
  if (json_out) std::cout << results.dump() << "\n";
  return exit_code;
}

int Preview(const std::filesystem::path& config_path, bool redact, bool json_out) {
  auto node = OpenNode(config_path);
  if (!node.ok()) return Fail(node.status());
  PublicationOptions options{node->config.organisation, node->config.disclosure, redact};
  auto outgoing = BuildPending(*node->store, node->identity, node->scrubber, options);
  if (!outgoing.ok()) return Fail(outgoing.status());
  size_t findings = CountFindings(*outgoing);
  if (json_out) {
    json messages = json::array();
    for (const Outgoing& o : *outgoing) {
      json found = json::array();
      for (const FieldFinding& f : o.findings) found.push_back(FindingJson(f));
      messages.push_back({{"kind", KindName(KindOf(o.body))},
                          {"local_id", o.local_id},
                          {"body", BodyToJson(o.body)},
                          {"findings", found},
                          {"redacted", o.redacted},
                          {"left_after_redaction", o.left_after_redaction}});
    }
    std::cout << json{{"hub", node->config.hub_endpoint},
                      {"messages", messages},
                      {"findings", findings},
                      {"would_publish", findings == 0 || (redact && !LeftAfterRedaction(*outgoing))}}
                     .dump()
              << "\n";
    return 0;
  }
  if (outgoing->empty()) {
    std::printf("nothing pending: everything imported has been published\n");
    return 0;
  }
  std::printf("%zu message(s) would be sent to %s, exactly as below:\n\n", outgoing->size(),
              node->config.hub_endpoint.c_str());
  for (const Outgoing& o : *outgoing) {
    PrintOutgoing(o);
    std::printf("\n");
  }
  if (findings > 0 && !redact) {
    std::printf("%zu possible identifier(s) found: publish will refuse; fix the source, or "
                "use --redact to replace them\n", findings);
  }
  return 0;
}

int Publish(const std::filesystem::path& config_path, bool redact, int wait_seconds,
            bool json_out) {
  auto node = OpenNode(config_path);
  if (!node.ok()) return Fail(node.status());
  PublicationOptions options{node->config.organisation, node->config.disclosure, redact};
  auto outgoing = BuildPending(*node->store, node->identity, node->scrubber, options);
  if (!outgoing.ok()) return Fail(outgoing.status());
  if (size_t findings = CountFindings(*outgoing); findings > 0 && !redact) {
    for (const Outgoing& o : *outgoing) {
      for (const FieldFinding& f : o.findings) {
        std::fprintf(stderr, "lls-node: %s\n", FindingText(o, f).c_str());
      }
    }
    std::fprintf(stderr,
                 "lls-node: publishing refused: %zu possible identifier(s) in the text above; "
                 "fix the source and import again, or publish --redact to replace them\n",
                 findings);
    return 1;
  }
  auto queued = QueueAll(*node->store, node->identity, *outgoing, SystemClock().NowMs());
  if (!queued.ok()) return Fail(queued.status());
  if (!json_out && !queued->empty()) {
    std::printf("queued %zu message(s)%s\n", queued->size(),
                redact && CountFindings(*outgoing) > 0 ? " (identifiers redacted)" : "");
  }
  return SendOutbox(*node, wait_seconds, json_out);
}

int ShowStatus(const std::filesystem::path& config_path, bool probe, bool json_out) {
  auto node = OpenNode(config_path);
  if (!node.ok()) return Fail(node.status());
  auto stats = node->store->outbox().Stats();
  if (!stats.ok()) return Fail(stats.status());
  auto rejections = node->store->outbox().Rejections(20);
  if (!rejections.ok()) return Fail(rejections.status());
  auto pending = node->store->Summary();
  if (!pending.ok()) return Fail(pending.status());

  json reachable = nullptr;
  std::string reach_text = "not checked";
  if (probe) {
    auto hub = crypto::LoadPublicKeyFile(node->config.hub_public_key);
    if (!hub.ok()) return Fail(hub.status());
    auto client = transport::ClientTransport::Connect(
        node->identity, {node->config.hub_endpoint, hub->curve, 1 << 20});
    if (!client.ok()) return Fail(client.status());
    Status reached = (*client)->WaitConnected(std::chrono::seconds(2));
    reachable = reached.ok();
    reach_text = reached.ok() ? "yes (CURVE handshake accepted)" : "no: " + reached.message();
  }
  auto time_or_null = [](int64_t ms) { return ms ? json(FormatTimeMs(ms)) : json(nullptr); };
  if (json_out) {
    json rejected = json::array();
    for (const auto& r : *rejections) {
      rejected.push_back({{"message_id", crypto::ToHex(r.message_id)},
                          {"kind", KindName(r.kind)},
                          {"sequence", r.sequence},
                          {"reason", r.reason}});
    }
    std::cout << json{{"hub", {{"endpoint", node->config.hub_endpoint}, {"reachable", reachable}}},
                      {"outbox",
                       {{"queued", stats->queued},
                        {"in_flight", stats->in_flight},
                        {"acked", stats->acked},
                        {"rejected", stats->rejected},
                        {"next_sequence", stats->next_sequence},
                        {"last_hub_seq", stats->last_hub_seq},
                        {"last_ack", time_or_null(stats->last_ack_ms)},
                        {"last_error",
                         stats->last_error.empty() ? json(nullptr) : json(stats->last_error)},
                        {"last_error_at", time_or_null(stats->last_error_ms)}}},
                      {"pending",
                       {{"projects", pending->pending_projects},
                        {"learning", pending->pending_learning}}},
                      {"recent_rejections", rejected}}
                     .dump()
              << "\n";
    return 0;
  }
  std::cout << "hub " << node->config.hub_endpoint << ": reachable " << reach_text << "\n"
            << "outbox: " << stats->queued << " queued (" << stats->in_flight
            << " sent, awaiting an answer), " << stats->acked << " acknowledged, "
            << stats->rejected << " refused\n"
            << "pending: " << pending->pending_projects << " project(s), "
            << pending->pending_learning << " learning item(s) not yet published\n";
  if (stats->last_ack_ms) std::cout << "last ack: " << FormatTimeMs(stats->last_ack_ms) << "\n";
  if (!stats->last_error.empty()) {
    std::cout << "last error: " << stats->last_error << " (" << FormatTimeMs(stats->last_error_ms)
              << ")\n";
  }
  return 0;
}

int Retract(const std::filesystem::path& config_path, const std::string& id,
            const std::string& reason, int wait_seconds, bool json_out) {
  auto node = OpenNode(config_path);
  if (!node.ok()) return Fail(node.status());
  auto ref = node->store->LastPublished(id);
  if (!ref.ok()) return Fail(ref.status());
  Retraction retraction;
  retraction.reason = reason;
  if (ref->has_value()) {
    retraction.target = (*ref)->message_id;
  } else {
    auto bytes = crypto::FromHex(id);
    if (!bytes.ok() || bytes->size() != retraction.target.size()) {
      return Fail(Status(Code::kInvalidArgument,
                         "'" + id + "' is neither a published project or learning id nor a "
                                    "32-hex-digit message id"));
    }
    std::copy(bytes->begin(), bytes->end(), retraction.target.begin());
  }
  int64_t now = SystemClock().NowMs();
  auto envelope = node->store->outbox().Enqueue(node->identity, retraction, now);
  if (!envelope.ok()) return Fail(envelope.status());
  if (ref->has_value()) {
    Status marked = node->store->MarkRetracted((*ref)->kind, id, now);
    if (!marked.ok()) return Fail(marked);
  }
  if (!json_out) {
    std::printf("queued retraction of message %s\n", crypto::ToHex(retraction.target).c_str());
  }
  return SendOutbox(*node, wait_seconds, json_out);
}

namespace {

// One line saying what a received message is about.
// A learning item the hub relayed on approval (hub/curation.h): the author's envelope inside
// the relay, decoded and its own signature verified; nullopt for anything else.
struct Relayed {
  Envelope envelope;
  LearningItem item;
};

// The innermost message of a relay (a hub relays a parent's relay nested one level: hub/
// downward.h), each level's signature verified; nullopt if any level fails.
struct Unwrapped {
  Envelope envelope;
  Body body;
  int depth = 0;  // relays around it
};
std::optional<Unwrapped> UnwrapRelay(const Relay& relay) {
  DecodeLimits limits;
  limits.max_frame_bytes = kMaxEntryBytes;
  const Relay* current = &relay;
  std::optional<Unwrapped> out;
  for (int depth = 1; depth <= 3; ++depth) {
    WireResult<Envelope> e = DecodeEnvelope(current->original, limits);
    if (!e.ok() || !crypto::Verify(*e)) return std::nullopt;
    WireResult<Body> b = DecodeBody(e->body, limits);
    if (!b.ok() || KindOf(*b) != e->kind) return std::nullopt;
    out = Unwrapped{std::move(e).value(), std::move(b).value(), depth};
    current = std::get_if<Relay>(&out->body);
    if (current == nullptr) return out;
  }
  return std::nullopt;  // deeper than any hub relays
}

std::optional<Relayed> RelayedLearning(const Relay& relay) {
  std::optional<Unwrapped> inner = UnwrapRelay(relay);
  if (!inner || !std::holds_alternative<LearningItem>(inner->body)) return std::nullopt;
  return Relayed{std::move(inner->envelope), std::get<LearningItem>(std::move(inner->body))};
}

std::string Headline(const Body& body) {
  struct Visitor {
    std::string operator()(const ProjectSummary& s) const {
      std::string codes;
      for (const MeasureSeries& m : s.measures) codes += (codes.empty() ? "" : ", ") + m.measure_code;
      return s.title + (codes.empty() ? "" : " [" + codes + "]");
    }
    std::string operator()(const LearningItem& l) const {
      return l.title + " (" + LearningKindName(l.kind) + ")";
    }
    std::string operator()(const Curation& c) const {
      return std::string(CurationActionName(c.action)) + " " + crypto::ToHex(c.target).substr(0, 12);
    }
    std::string operator()(const Aggregate& a) const {
      return a.measure_code + " " + a.period + ": " + std::to_string(a.numerator) + "/" +
             std::to_string(a.denominator) + " from " + std::to_string(a.contributing_trusts) +
             " trust(s) (" + a.scope + ")";
    }
    std::string operator()(const Retraction& r) const {
      return "withdraws " + crypto::ToHex(r.target).substr(0, 12) + ": " + r.reason;
    }
    std::string operator()(const MeasureCatalogue& c) const {
      return "catalogue version " + std::to_string(c.version) + ", " +
             std::to_string(c.measures.size()) + " measure(s)";
    }
    std::string operator()(const Bulletin& b) const { return b.title; }
    std::string operator()(const Relay& r) const {
      std::optional<Unwrapped> inner = UnwrapRelay(r);
      if (inner) {
        if (const auto* item = std::get_if<LearningItem>(&inner->body)) {
          return "approved learning from " + item->organisation + ": " + item->title + " (" +
                 LearningKindName(item->kind) + ")";
        }
        if (const auto* b = std::get_if<Bulletin>(&inner->body)) {
          return "bulletin from national: " + b->title;
        }
        if (const auto* c = std::get_if<MeasureCatalogue>(&inner->body)) {
          return "measure catalogue from national: version " + std::to_string(c->version);
        }
      }
      return "relay of " + std::to_string(r.original.size()) + " bytes";
    }
  };
  return std::visit(Visitor{}, body);
}

struct Received {
  InboxRecord record;
  Envelope envelope;
  Body body;
};

// Stored envelopes were verified before they were stored; they are decoded again here only
// to be shown. One that no longer decodes (a damaged database) is reported, not shown.
Result<std::vector<Received>> LoadInbox(NodeStore& store, Kind kind) {
  LLS_ASSIGN_OR_RETURN(std::vector<InboxRecord> records, store.InboxMessages(kind));
  std::vector<Received> out;
  DecodeLimits limits;
  limits.max_frame_bytes = kMaxEntryBytes;
  for (InboxRecord& r : records) {
    WireResult<Envelope> e = DecodeEnvelope(r.envelope, limits);
    WireResult<Body> b = e.ok() ? DecodeBody(e->body, limits) : WireResult<Body>(e.error());
    if (!b.ok()) {
      return Status(Code::kCorrupt, "inbox entry at hub sequence " + std::to_string(r.hub_seq) +
                                        " does not decode: " + b.error().text);
    }
    out.push_back({std::move(r), std::move(e).value(), std::move(b).value()});
  }
  return out;
}

// The kind of what a message carries at its origin: a relay's original (relays of relays
// followed, a few levels at most), or the message's own kind.
Kind OriginKind(const Envelope& envelope, const Body& body, int depth = 0) {
  const auto* relay = std::get_if<Relay>(&body);
  if (relay == nullptr || depth > 4) return envelope.kind;
  DecodeLimits limits;
  limits.max_frame_bytes = kMaxEntryBytes;
  WireResult<Envelope> original = DecodeEnvelope(relay->original, limits);
  if (!original.ok()) return envelope.kind;
  WireResult<Body> inner = DecodeBody(original->body, limits);
  if (!inner.ok()) return original->kind;
  return OriginKind(*original, *inner, depth + 1);
}

json ReceivedJson(const Received& m) {
  return {{"hub_seq", m.record.hub_seq},
          {"kind", KindName(m.record.kind)},
          {"from", m.record.organisation},
          {"message_id", crypto::ToHex(m.record.message_id)},
          {"signer", crypto::ToHex(m.record.signer)},
          {"created_at", FormatTimeMs(m.record.created_at_ms)},
          {"received_at", FormatTimeMs(m.record.received_at_ms)},
          {"summary", Headline(m.body)},
          {"body", BodyToJson(m.body)}};
}

Status ExportLearning(const std::vector<Received>& messages, const std::string& format,
                      const std::filesystem::path& out, size_t* exported) {
  std::string text;
  json items = json::array();
  *exported = 0;
  if (format == "markdown") text = "# Learning received through the LLS hub\n";
  for (const Received& m : messages) {
    // Approved learning arrives as the hub's relay of the author's envelope.
    std::optional<Relayed> relayed;
    if (const auto* relay = std::get_if<Relay>(&m.body)) relayed = RelayedLearning(*relay);
    const auto* item = relayed ? &relayed->item : std::get_if<LearningItem>(&m.body);
    if (item == nullptr) continue;
    ++*exported;
    const std::string from = relayed ? item->organisation : m.record.organisation;
    const MessageId& id = relayed ? relayed->envelope.message_id : m.record.message_id;
    const int64_t created = relayed ? relayed->envelope.created_at_ms : m.record.created_at_ms;
    if (format == "json") {
      json j = ReceivedJson(m);
      j.erase("summary");
      if (relayed) {
        j["kind"] = KindName(Kind::kLearningItem);
        j["from"] = from;
        j["message_id"] = crypto::ToHex(id);
        j["signer"] = crypto::ToHex(relayed->envelope.signer);
        j["created_at"] = FormatTimeMs(created);
        j["body"] = BodyToJson(*item);
        j["relayed_by_hub"] = crypto::ToHex(m.record.message_id);
      }
      items.push_back(j);
      continue;
    }
    std::string tags;
    for (const std::string& t : item->tags) tags += (tags.empty() ? "" : ", ") + t;
    text += "\n## " + item->title + "\n\n";
    text += "- From: " + from + " (hub sequence " + std::to_string(m.record.hub_seq) +
            ", message " + crypto::ToHex(id) + ")\n";
    text += std::string("- Kind: ") + LearningKindName(item->kind) + "; area: " +
            AreaName(item->area) + "; scope: " + ScopeName(item->scope) + "\n";
    if (!tags.empty()) text += "- Tags: " + tags + "\n";
    text += "- Created: " + FormatTimeMs(created) + "\n\n" + item->text + "\n";
  }
  if (format == "json") text = items.dump(2) + "\n";
  std::ofstream file(out, std::ios::trunc | std::ios::binary);
  file << text;
  if (!file.flush()) return Status(Code::kIoError, "cannot write " + out.string());
  return Status::Ok();
}

}  // namespace

int ShowInbox(const std::filesystem::path& config_path, const InboxArgs& args) {
  Kind kind = Kind::kUnknown;
  if (!args.kind.empty()) {
    std::string names;
    for (uint16_t k = 1; k <= kMaxKind; ++k) {
      if (args.kind == KindName(static_cast<Kind>(k))) kind = static_cast<Kind>(k);
      names += std::string(names.empty() ? "" : ", ") + KindName(static_cast<Kind>(k));
    }
    if (kind == Kind::kUnknown) {
      return Fail(Status(Code::kInvalidArgument,
                         "--kind '" + args.kind + "' is not a kind; use one of " + names));
    }
  }
  if (!args.export_format.empty() && args.export_format != "markdown" &&
      args.export_format != "json") {
    return Fail(Status(Code::kInvalidArgument, "--export must be markdown or json"));
  }
  if (!args.export_format.empty() && args.out.empty()) {
    return Fail(Status(Code::kInvalidArgument, "--export needs --out FILE"));
  }
  auto node = OpenNode(config_path);
  if (!node.ok()) return Fail(node.status());
  if (args.sync) {
    if (node->config.hub_subscribe_endpoint.empty()) {
      return Fail(Status(Code::kInvalidArgument,
                         "--sync needs hub.subscribe_endpoint in " + config_path.string()));
    }
    auto hub = crypto::LoadPublicKeyFile(node->config.hub_public_key);
    if (!hub.ok()) return Fail(hub.status());
    auto client = transport::ClientTransport::Connect(
        node->identity, {node->config.hub_subscribe_endpoint, hub->curve, kMaxReplyBytes});
    if (!client.ok()) return Fail(client.status());
    SystemClock clock;
    InboxOptions inbox_options;
    inbox_options.hub_signer = hub->sign;  // relays must come from this node's own hub
    InboxClient inbox(*node->store, **client, clock, inbox_options);
    auto report = inbox.Sync(std::chrono::seconds(10));
    if (!report.ok()) return Fail(report.status());
    for (const std::string& p : report->problems) {
      std::fprintf(stderr, "lls-node: inbox: %s\n", p.c_str());
    }
  }
  auto state = node->store->Inbox();
  if (!state.ok()) return Fail(state.status());
  // Bulletins, catalogues and approved learning arrive as the hub's relays: --kind matches the
  // message's own kind or, for a relay, the kind of its original.
  auto messages = LoadInbox(*node->store, kind == Kind::kRelay ? kind : Kind::kUnknown);
  if (!messages.ok()) return Fail(messages.status());
  if (kind != Kind::kUnknown && kind != Kind::kRelay) {
    std::erase_if(*messages, [&](const Received& m) {
      return m.record.kind != kind && OriginKind(m.envelope, m.body) != kind;
    });
  }

  if (!args.export_format.empty()) {
    size_t exported = 0;
    Status written = ExportLearning(*messages, args.export_format, args.out, &exported);
    if (!written.ok()) return Fail(written);
    if (!args.json) {
      std::printf("exported %zu learning item(s) to %s\n", exported, args.out.c_str());
    } else {
      std::cout << json{{"exported", exported}, {"file", args.out.string()}}.dump() << "\n";
    }
    return 0;
  }
  auto time_or_null = [](int64_t ms) { return ms ? json(FormatTimeMs(ms)) : json(nullptr); };
  if (args.json) {
    json list = json::array();
    for (const Received& m : *messages) list.push_back(ReceivedJson(m));
    std::cout << json{{"inbox",
                       {{"subscribe_endpoint", node->config.hub_subscribe_endpoint.empty()
                                                   ? json(nullptr)
                                                   : json(node->config.hub_subscribe_endpoint)},
                        {"messages", state->messages},
                        {"next_seq", state->next_seq},
                        {"head_seq", state->head_seq},
                        {"up_to_date", state->next_seq > state->head_seq},
                        {"rejected", state->rejected},
                        {"last_sync", time_or_null(state->last_sync_ms)}}},
                      {"messages", list}}
                     .dump()
              << "\n";
    return 0;
  }
  std::printf("inbox: %lld message(s); next hub sequence %llu, hub at %llu%s; %lld rejected\n",
              static_cast<long long>(state->messages),
              static_cast<unsigned long long>(state->next_seq),
              static_cast<unsigned long long>(state->head_seq),
              state->last_sync_ms ? (" (as of " + FormatTimeMs(state->last_sync_ms) + ")").c_str()
                                  : " (never synchronised)",
              static_cast<long long>(state->rejected));
  if (node->config.hub_subscribe_endpoint.empty()) {
    std::printf("(hub.subscribe_endpoint is not set: the inbox is off)\n");
  }
  for (const Received& m : *messages) {
    std::printf("%6llu  %-17s %-8s %s  %s\n", static_cast<unsigned long long>(m.record.hub_seq),
                KindName(m.record.kind), m.record.organisation.c_str(),
                FormatTimeMs(m.record.created_at_ms).c_str(), Headline(m.body).c_str());
  }
  return 0;
}

namespace {
std::atomic<bool> g_stop{false};
void OnSignal(int) { g_stop.store(true); }

// Runs the daemon until it stops. It stops on a database error rather than lose track of the
// outbox; a storage fault (disk full, I/O error) passes once the operator frees space, so
// then it waits 5 s and goes on: the outbox keeps every message (one whose Ack could not be
// recorded is sent again and acked as a duplicate). Said once, then once a minute while it
// lasts. Anything else ends the process, as before.
Status RunThroughStorageFaults(NodeDaemon& daemon) {
  using Steady = std::chrono::steady_clock;
  constexpr auto kRetry = std::chrono::seconds(5);
  constexpr auto kRemindEvery = std::chrono::minutes(1);
  Status ran = daemon.Run(g_stop);
  int retries = 0;
  Steady::time_point since, logged;
  while (!ran.ok() && db::StorageFaultOf(ran) != db::StorageFault::kNone) {
    const auto now = Steady::now();
    if (retries == 0) {
      since = logged = now;
      log::Error(ran.message() + "; retrying every " + std::to_string(kRetry.count()) + " s" +
                 StorageAdvice(ran));
    } else if (now - logged >= kRemindEvery) {
      logged = now;
      log::Error("still failing after " +
                 std::to_string(std::chrono::duration_cast<std::chrono::seconds>(now - since)
                                    .count()) +
                 " s (" + std::to_string(retries) + " retries): " + ran.message());
    }
    ++retries;
    while (!g_stop.load() && Steady::now() < now + kRetry) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    if (g_stop.load()) {  // asked to stop while waiting: an ordinary stop
      log::Info("stopping; unsent messages stay in the outbox");
      return Status::Ok();
    }
    const auto resumed = Steady::now();
    ran = daemon.Run(g_stop);
    if (Steady::now() - resumed >= kRemindEvery) retries = 0;  // it worked for a while
  }
  return ran;
}
}  // namespace

int Run(const std::filesystem::path& config_path) {
  // Handlers first: a SIGTERM while node.db is being opened (a service manager stopping a
  // node that is still starting) then ends in an ordinary stop, not death by signal.
  struct sigaction action {};
  action.sa_handler = OnSignal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
  auto node = OpenNode(config_path);
  if (!node.ok()) return Fail(node.status());
  auto hub = crypto::LoadPublicKeyFile(node->config.hub_public_key);
  if (!hub.ok()) return Fail(hub.status());
  SystemClock clock;
  NodeDaemon daemon(std::move(node->config), std::move(node->identity), std::move(hub).value(),
                    std::move(node->store), std::move(node->scrubber), clock);
  if (Status notified = NotifySystemd("READY=1"); !notified.ok()) log::Warn(notified.message());
  Status ran = RunThroughStorageFaults(daemon);
  (void)NotifySystemd("STOPPING=1");
  if (!ran.ok()) return Fail(ran);
  return 0;
}

int Backup(const std::filesystem::path& config_path, const std::filesystem::path& out) {
  auto config = NodeConfig::Load(config_path);
  if (!config.ok()) return Fail(config.status());
  db::OpenOptions options;
  options.create = false;  // the node may be running; never create or migrate here
  auto db = db::Database::Open(config->database(), options);
  if (!db.ok()) return Fail(db.status());
  if (Status backed_up = db->BackupTo(out); !backed_up.ok()) return Fail(backed_up);
  std::printf("backed up %s to %s\n", config->database().c_str(), out.c_str());
  return 0;
}

}  // namespace lls::node
