// node: the trust side (lls-node). Start at node_cli.h for what a trust can do, then:
//
//   import.h       CSV, JSON and Markdown files -> plain records (all or nothing per file);
//                  csv.h is the RFC 4180 reader underneath; formats in docs/import.md
//   node_store.h   node.db: what was imported (raw, never sent), the durable outbox, and
//                  the inbox with its cursor
//   inbox.h        the hub's redistribution, received: every entry verified before it is
//                  stored; the cursor moves past bad ones (InboxClient, Subscriber)
//   publication.h  pending records -> the exact bodies that leave the trust
//   disclosure.h   small-number suppression and rounding (NHS England's rule by default)
//   scrubber.h     identifiers in free text (NHS and CHI numbers, postcodes, dates ...)
//   daemon.h       `lls-node run`: outbox flowing, inbox current, drop folder watched
//   node_config.h  node.toml
//
// Publishing itself is exchange/publisher.h over exchange/transport.h.
// Depends on exchange, crypto and schema; only lls-node and the lls toolbox depend on node.
#pragma once

#include "node/csv.h"
#include "node/daemon.h"
#include "node/disclosure.h"
#include "node/import.h"
#include "node/inbox.h"
#include "node/node_cli.h"
#include "node/node_config.h"
#include "node/node_store.h"
#include "node/publication.h"
#include "node/scrubber.h"
