// tools: the `lls` toolbox (keys, inspect; later curate, subscribe, spc, simulate, export,
// bench). Each command is a function in tools_cli.h; main.cpp only parses argv.
//
//   tools_cli.h     the commands
//   curate_cli.h    `lls curate`: a facilitator's learning queue and its signed decisions
//   scrub_cli.h     `lls scrub`: identifiers in free text (node/scrubber.h)
//   subscribe_cli.h `lls subscribe`: verified messages from a hub's subscribe endpoint
//                   (node/inbox.h's Subscriber and VerifyEntry)
//   (JSON views of messages are exchange/message_json.h, shared with lls-node preview)
#pragma once

#include "tools/curate_cli.h"
#include "tools/scrub_cli.h"
#include "tools/subscribe_cli.h"
#include "tools/tools_cli.h"
