// exchange: what hub and node share beyond schema and crypto — the machinery of exchanging
// signed messages. Start here; each header states its own contract:
//
//   transport.h   CURVE-encrypted ZeroMQ: ServerTransport (ingest and subscribe ROUTERs
//                 behind one fail-closed ZAP handler)
//                 and ClientTransport (DEALER + handshake monitor). Only transport code
//                 includes zmq.hpp.
//   outbox.h      the durable queue of signed envelopes awaiting a hub's Ack
//   publisher.h   drains an Outbox over a ClientTransport, with resends and backoff
//   subscribe_client.h  a subscribe endpoint's client: VerifyEntry and Subscriber
//   sqlite.h      SQLite wrapped once (Database, Statement, Transaction, migrations)
//   wal_checkpointer.h  a database's WAL checkpointed on a thread and connection of its own
//   config_file.h TOML configuration with defaults and unknown-key detection
//   catalogue.h   the measure catalogue (built in from measures.json)
//   message_json.h JSON views of envelopes and bodies (stable --json field names)
//   clock.h       the time seam;  log.h  one-line stderr logging
//
// Layering: exchange depends on crypto and schema, never on hub, node or tools.
// Threading: nothing here is thread-safe unless its header says so; one thread owns the
// sockets and the database connection of a process (WalCheckpointer's thread has its own
// connection and touches the writer's only through SQLite's commit hook).
#pragma once

#include "exchange/catalogue.h"
#include "exchange/clock.h"
#include "exchange/config_file.h"
#include "exchange/log.h"
#include "exchange/message_json.h"
#include "exchange/outbox.h"
#include "exchange/publisher.h"
#include "exchange/sqlite.h"
#include "exchange/subscribe_client.h"
#include "exchange/transport.h"
#include "exchange/wal_checkpointer.h"
