// Publication: what leaves the trust, built from what was imported.
//
// For every pending project and learning item this builds the exact message body that will be
// sent: counts through disclosure control (disclosure.h), local ids replaced by keyed
// pseudonyms, and every free-text field scanned for identifiers (scrubber.h). Findings are
// reported per field; with `redact` each is replaced in the body, otherwise the caller must
// refuse to publish. `lls-node preview` prints these bodies; `publish` queues them. Queueing
// seals each body into a signed envelope in the outbox and marks its item published, all in
// one transaction: after a crash either both happened or neither did.
//
// Not thread-safe (it uses the NodeStore).
#pragma once

#include <string>
#include <vector>

#include "crypto/crypto.h"
#include "node/disclosure.h"
#include "node/node_store.h"
#include "node/scrubber.h"
#include "schema/messages.h"

namespace lls::node {

struct FieldFinding {
  std::string field;  // "title", "aim", "change_ideas[1]", "text", "tags[0]"
  Finding finding;
};

struct Outgoing {
  ItemKind item = ItemKind::kProject;
  std::string local_id;
  int64_t revision = 0;
  Body body;                           // exactly what will be signed and sent
  std::vector<FieldFinding> findings;  // identifiers in its free text (replaced when redacted)
  bool redacted = false;
  // Redaction left findings in the text (node/scrubber.h Redact): the message is refused.
  bool left_after_redaction = false;
};

struct PublicationOptions {
  std::string organisation;  // ODS code of the trust
  SuppressionRule rule;
  bool redact = false;
};

Result<std::vector<Outgoing>> BuildPending(NodeStore& store, const crypto::Identity& identity,
                                           const Scrubber& scrubber,
                                           const PublicationOptions& options);

// Total findings across `outgoing`.
size_t CountFindings(const std::vector<Outgoing>& outgoing);

// Seals and queues every message and marks its item published (one transaction). Refuses
// (kPermissionDenied) if any message still holds findings that were not redacted, or that
// redaction could not remove.
Result<std::vector<Envelope>> QueueAll(NodeStore& store, const crypto::Identity& identity,
                                       const std::vector<Outgoing>& outgoing, int64_t now_ms);

// The pseudonym sent in place of a local project or item id.
std::string PublicId(const crypto::Identity& identity, std::string_view local_id);

}  // namespace lls::node
