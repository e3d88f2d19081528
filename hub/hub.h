// hub: the LLS hub (and, one tier up, the national hub) — start at hub_server.h.
//
//   hub_server.h       the loop: one thread owns sockets, database and member directory
//   ingest.h           validation pipeline and group commit; one reply per frame
//   subscriptions.h    redistribution: members pull the log by hub sequence, with long-poll;
//                      what a member may read (MayRead)
//   hub_store.h        SQLite: member registry, audit trail, append-only message log
//   state_applier.h    the seam: materialised state follows the log inside its transaction
//   aggregates.h       latest summary per (trust, project); aggregates per (LLS, measure, month)
//   curation.h         learning items and their curation state; the relay on approval
//   federation.h       upward: forward changed cells and relays to a [parent] via the outbox
//   downward.h         downward: read the parent's log, relay bulletins, catalogues, national
//                      learning to this hub's members as its own signed relays
//   presence.h         last_seen, connected and subscribers, kept in hub.db for status
//   member_directory.h in-memory members; the ZAP authority
//   roles.h            which role may send which kind
//   hub_config.h       hub.toml
//   hub_cli.h          the lls-hub command line (main.cpp only parses argv into it)
//
// Depends on exchange, crypto and schema; nothing depends on hub except the lls-hub program.
#pragma once

#include "hub/aggregates.h"
#include "hub/curation.h"
#include "hub/downward.h"
#include "hub/federation.h"
#include "hub/hub_cli.h"
#include "hub/hub_config.h"
#include "hub/hub_server.h"
#include "hub/hub_store.h"
#include "hub/ingest.h"
#include "hub/member_directory.h"
#include "hub/presence.h"
#include "hub/roles.h"
#include "hub/subscriptions.h"
