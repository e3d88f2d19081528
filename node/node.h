// node: the trust side (lls-node). Start at node_cli.h for what a trust can do, then:
//
//   summary_import.h  JSON project + monthly counts -> a ProjectSummary safe to leave the trust
//   disclosure.h      small-number suppression and rounding (NHS England's rule by default)
//   node_store.h      node.db: the durable outbox (exchange/outbox.h)
//   node_config.h     node.toml
//
// Publishing itself is exchange/publisher.h over exchange/transport.h.
// Depends on exchange, crypto and schema; nothing depends on node except lls-node.
#pragma once

#include "node/disclosure.h"
#include "node/node_cli.h"
#include "node/node_config.h"
#include "node/node_store.h"
#include "node/summary_import.h"
