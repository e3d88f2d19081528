#include "analytics/segments.h"

#include <algorithm>

namespace lls::analytics::internal {

Result<std::vector<size_t>> SegmentBounds(const std::vector<std::string>& periods,
                                          const ChartOptions& options) {
  if (options.fix_after && *options.fix_after < 2) {
    // One point has no moving range, so it cannot set limits.
    return Status(Code::kInvalidArgument, "fix_after must be at least 2");
  }
  std::vector<size_t> bounds = {0, periods.size()};
  for (const std::string& period : options.rebase_at) {
    auto it = std::find(periods.begin(), periods.end(), period);
    if (it == periods.end()) {
      return Status(Code::kInvalidArgument, "rebase period '" + period + "' is not in the series");
    }
    if (it == periods.begin()) {
      return Status(Code::kInvalidArgument,
                    "rebase period '" + period + "' is the first period: nothing before it");
    }
    bounds.push_back(static_cast<size_t>(it - periods.begin()));
  }
  std::sort(bounds.begin(), bounds.end());
  bounds.erase(std::unique(bounds.begin(), bounds.end()), bounds.end());
  return bounds;
}

size_t BaselineEnd(size_t begin, size_t end, const ChartOptions& options) {
  if (!options.fix_after) return end;
  return std::min(end, begin + *options.fix_after);
}

}  // namespace lls::analytics::internal
