// StateApplier: the seam through which the hub's materialised state (aggregates, learning and
// its curation, ...) follows the message log.
//
// Each applier is called for every message appended to the log, INSIDE the transaction that
// appends it: state and log commit together or not at all, so after a crash the state is
// exactly what the log says. An error from Apply rolls the whole batch back (its senders get
// `internal` and resend). Work per message must not grow with the size of the history.
//
// An applier owns its tables: it declares them with HubStore::RegisterSchema (a migration list
// per component, versioned in the hub's `component_versions` table), not in hub_store.cpp.
// Appliers run on the hub thread; they are not thread-safe.
#pragma once

#include <cstdint>

#include "exchange/sqlite.h"
#include "hub/hub_store.h"
#include "schema/messages.h"
#include "schema/status.h"

namespace lls::hub {

struct AppliedMessage {
  uint64_t hub_seq = 0;
  const Envelope& envelope;
  const Body& body;      // decoded and verified
  const Member& member;  // the member who sent it (on whose connection it arrived)
  int64_t received_at_ms = 0;
};

class StateApplier {
 public:
  virtual ~StateApplier() = default;
  virtual Status Apply(db::Database& db, const AppliedMessage& message) = 0;
  // Called once per batch, after Apply has seen every record, still inside the transaction:
  // work coalesced over a batch (one forward per changed aggregate cell, hub/federation.h)
  // commits with it or not at all. Messages appended with HubStore::AppendAuthored during the
  // batch are in HubStore::authored() here. An error rolls the batch back, like Apply's.
  virtual Status Finish(db::Database& db) {
    (void)db;
    return Status::Ok();
  }
};

}  // namespace lls::hub
