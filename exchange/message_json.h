// JSON views of envelopes and bodies, for `lls inspect`, `lls subscribe` and `lls-node inbox`.
// The field names are part of the stable --json output (docs/cli.md). Pure; thread-safe.
#pragma once

#include <nlohmann/json.hpp>

#include "schema/messages.h"

namespace lls {

nlohmann::json BodyToJson(const Body& body);
// Header fields; `body` is added by the caller (decoded, or absent when it cannot be).
nlohmann::json EnvelopeHeaderToJson(const Envelope& envelope);

}  // namespace lls
