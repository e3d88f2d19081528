// analytics: the numbers people read — SPC (XmR, p, Laney p', run charts, funnel plots) as
// pure functions (spc.h). No I/O and no dependency but schema/status.h, so the hub, the
// dashboard and the `lls spc` tool share one implementation. Start at spc.h.
#pragma once

#include "analytics/spc.h"
