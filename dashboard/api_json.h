// The JSON twin of each page (docs/dashboard.md lists every key). Key names are stable: new
// keys may be added, none renamed or removed. Values are in the measure's unit (proportion x
// scale) unless a key says otherwise; absent values are null, never 0. Thread-safe.
#pragma once

#include <string>
#include <vector>

#include "dashboard/analysis.h"
#include "dashboard/source.h"

namespace lls::dashboard {

std::string OverviewJson(const HubInfo& hub, const std::vector<OverviewRow>& rows,
                         const MembersSummary& members);
std::string MeasureJson(const MeasureView& view);
std::string LearningJson(const std::vector<LearningEntry>& entries);
std::string MembersJson(const std::vector<MemberEntry>& members, int64_t now_ms);
// {"error": message}
std::string ErrorJson(const std::string& message);

}  // namespace lls::dashboard
