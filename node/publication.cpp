#include "node/publication.h"

#include <map>

#include "exchange/sqlite.h"

namespace lls::node {

namespace {

// Scans one field; with `redact` replaces its text by the redacted form.
void ScrubField(const Scrubber& scrubber, const std::string& field, std::string& text,
                bool redact, Outgoing& out) {
  std::vector<Finding> found = scrubber.Scan(text);
  if (found.empty()) return;
  for (Finding& f : found) out.findings.push_back({field, std::move(f)});
  if (redact) {
    text = scrubber.Redact(text);
    out.redacted = true;
    // What redaction could not remove must not leave the trust: it stays a finding, and
    // QueueAll refuses the message.
    for (Finding& f : scrubber.Scan(text)) {
      out.findings.push_back({field + " (after redaction)", std::move(f)});
      out.left_after_redaction = true;
    }
  }
}

Result<Outgoing> BuildProject(NodeStore& store, const crypto::Identity& identity,
                              const Scrubber& scrubber, const PublicationOptions& options,
                              const Pending<ProjectRecord>& pending) {
  const ProjectRecord& p = pending.record;
  Outgoing out;
  out.item = ItemKind::kProject;
  out.local_id = p.local_id;
  out.revision = pending.revision;
  ProjectSummary s;
  s.project_id = PublicId(identity, p.local_id);
  s.organisation = options.organisation;
  s.title = p.title;
  s.area = p.area;
  s.aim = p.aim;
  s.change_ideas = p.change_ideas;
  s.pdsa_cycles = p.pdsa_cycles;
  s.stage = p.stage;
  s.start_month = p.start_month;
  ScrubField(scrubber, "title", s.title, options.redact, out);
  ScrubField(scrubber, "aim", s.aim, options.redact, out);
  for (size_t i = 0; i < s.change_ideas.size(); ++i) {
    ScrubField(scrubber, "change_ideas[" + std::to_string(i) + "]", s.change_ideas[i],
               options.redact, out);
  }
  LLS_ASSIGN_OR_RETURN(std::vector<CountRecord> counts, store.CountsFor(p.local_id));
  std::map<std::string, MeasureSeries> series;
  for (const CountRecord& c : counts) {
    MeasureSeries& m = series[c.measure_code];
    m.measure_code = c.measure_code;
    m.points.push_back(ControlPoint(c.period, c.numerator, c.denominator, options.rule));
  }
  for (auto& [code, m] : series) s.measures.push_back(std::move(m));
  out.body = std::move(s);
  return out;
}

Outgoing BuildLearning(const crypto::Identity& identity, const Scrubber& scrubber,
                       const PublicationOptions& options, const Pending<LearningRecord>& pending) {
  const LearningRecord& l = pending.record;
  Outgoing out;
  out.item = ItemKind::kLearning;
  out.local_id = l.local_id;
  out.revision = pending.revision;
  LearningItem item;
  item.item_id = PublicId(identity, l.local_id);
  item.organisation = options.organisation;
  item.title = l.title;
  item.kind = l.kind;
  item.area = l.area;
  item.tags = l.tags;
  item.text = l.text;
  item.scope = l.scope;
  item.project_id = l.project.empty() ? "" : PublicId(identity, l.project);
  ScrubField(scrubber, "title", item.title, options.redact, out);
  ScrubField(scrubber, "text", item.text, options.redact, out);
  for (size_t i = 0; i < item.tags.size(); ++i) {
    ScrubField(scrubber, "tags[" + std::to_string(i) + "]", item.tags[i], options.redact, out);
  }
  out.body = std::move(item);
  return out;
}

}  // namespace

std::string PublicId(const crypto::Identity& identity, std::string_view local_id) {
  return crypto::Pseudonym(identity, local_id);
}

Result<std::vector<Outgoing>> BuildPending(NodeStore& store, const crypto::Identity& identity,
                                           const Scrubber& scrubber,
                                           const PublicationOptions& options) {
  std::vector<Outgoing> out;
  LLS_ASSIGN_OR_RETURN(auto projects, store.PendingProjects());
  for (const auto& p : projects) {
    LLS_ASSIGN_OR_RETURN(Outgoing o, BuildProject(store, identity, scrubber, options, p));
    out.push_back(std::move(o));
  }
  LLS_ASSIGN_OR_RETURN(auto learning, store.PendingLearning());
  for (const auto& l : learning) out.push_back(BuildLearning(identity, scrubber, options, l));
  return out;
}

size_t CountFindings(const std::vector<Outgoing>& outgoing) {
  size_t n = 0;
  for (const Outgoing& o : outgoing) n += o.findings.size();
  return n;
}

Result<std::vector<Envelope>> QueueAll(NodeStore& store, const crypto::Identity& identity,
                                       const std::vector<Outgoing>& outgoing, int64_t now_ms) {
  for (const Outgoing& o : outgoing) {
    if (!o.findings.empty() && (!o.redacted || o.left_after_redaction)) {
      return Status(Code::kPermissionDenied,
                    "refusing to queue '" + o.local_id + "': it holds identifiers");
    }
  }
  std::vector<Envelope> queued;
  LLS_ASSIGN_OR_RETURN(db::Transaction tx, db::Transaction::Begin(store.database()));
  for (const Outgoing& o : outgoing) {
    LLS_ASSIGN_OR_RETURN(Envelope e, store.outbox().Enqueue(identity, o.body, now_ms));
    LLS_RETURN_IF_ERROR(store.MarkPublished(o.item, o.local_id, o.revision, e.message_id, now_ms));
    queued.push_back(std::move(e));
  }
  LLS_RETURN_IF_ERROR(tx.Commit());
  return queued;
}

}  // namespace lls::node
