// The dashboard's HTML pages, from plain values (the routes fetch them from the Source and
// compute the charts with analysis.h). Every Source string is escaped here. Thread-safe.
#pragma once

#include <string>
#include <vector>

#include "dashboard/analysis.h"
#include "dashboard/source.h"

namespace lls::dashboard {

std::string OverviewPage(const HubInfo& hub, const std::vector<OverviewRow>& rows,
                         const MembersSummary& members);
std::string MeasurePage(const HubInfo& hub, const MeasureView& view);
std::string LearningPage(const HubInfo& hub, const std::vector<LearningEntry>& entries);
std::string MembersPage(const HubInfo& hub, const std::vector<MemberEntry>& members);
// A small page for a 404 / 405 / 500 / 503 with a one-line reason (plain text).
std::string MessagePage(const std::string& hub_name, int status, const std::string& reason);

}  // namespace lls::dashboard
