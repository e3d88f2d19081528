// tools: the `lls` toolbox (keys, inspect, scrub, subscribe, curate, bulletin, spc, export,
// simulate; later bench). Each command is a function in a *_cli.h; main.cpp only parses argv.
//
//   tools_cli.h     the commands
//   curate_cli.h    `lls curate`: a facilitator's learning queue and its signed decisions
//   scrub_cli.h     `lls scrub`: identifiers in free text (node/scrubber.h)
//   subscribe_cli.h `lls subscribe`: verified messages from a hub's subscribe endpoint
//                   (node/inbox.h's Subscriber and VerifyEntry)
//   bulletin_cli.h  `lls bulletin`: a national member's bulletin
//   spc_cli.h       `lls spc`: SPC figures from a CSV file (analytics/spc.h)
//   export_cli.h    `lls export`: a hub's figures as CSV, JSON or FHIR R4 MeasureReports
//   simulate_cli.h  `lls simulate`: deterministic synthetic data for an LLS
//   (JSON views of messages are exchange/message_json.h, shared with lls-node preview)
#pragma once

#include "tools/bulletin_cli.h"
#include "tools/curate_cli.h"
#include "tools/export_cli.h"
#include "tools/scrub_cli.h"
#include "tools/simulate_cli.h"
#include "tools/spc_cli.h"
#include "tools/subscribe_cli.h"
#include "tools/tools_cli.h"
