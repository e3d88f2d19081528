// Internal to analytics/: how XmR and p-charts cut a series into segments (rebasing) and pick
// each segment's baseline (fix_after). Shared so both charts refuse the same bad options.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "analytics/spc.h"

namespace lls::analytics::internal {

// Segment i covers points [bounds[i], bounds[i + 1]); bounds starts at 0 and ends at the
// series size. kInvalidArgument when a rebase period is not in the series or is its first
// period, or when fix_after is below 2.
Result<std::vector<size_t>> SegmentBounds(const std::vector<std::string>& periods,
                                          const ChartOptions& options);

// One past the last baseline point of the segment [begin, end).
size_t BaselineEnd(size_t begin, size_t end, const ChartOptions& options);

}  // namespace lls::analytics::internal
