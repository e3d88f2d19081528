// Readiness for systemd (Type=notify) without libsystemd: sd_notify's protocol is one datagram
// of "KEY=VALUE" lines to the AF_UNIX socket named by $NOTIFY_SOCKET (a path, or '@' for the
// abstract namespace). Without $NOTIFY_SOCKET (not under systemd) it does nothing.
#pragma once

#include <string_view>

#include "schema/status.h"

namespace lls {

// Sends `state` (e.g. "READY=1", "STOPPING=1"). An error only when $NOTIFY_SOCKET is set and
// the datagram cannot be sent; callers log it and carry on (the service still works).
Status NotifySystemd(std::string_view state);

}  // namespace lls
