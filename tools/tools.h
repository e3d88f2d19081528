// tools: the `lls` toolbox (keys, inspect; later curate, subscribe, spc, simulate, export,
// bench). Each command is a function in tools_cli.h; main.cpp only parses argv.
//
//   tools_cli.h     the commands
//   message_json.h  JSON views of envelopes and bodies (stable --json field names)
#pragma once

#include "tools/message_json.h"
#include "tools/tools_cli.h"
