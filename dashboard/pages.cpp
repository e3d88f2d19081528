#include "dashboard/pages.h"

#include "dashboard/html.h"
#include "dashboard/icons.h"
#include "dashboard/svg_chart.h"
#include "dashboard/svg_funnel.h"
#include "dashboard/svg_scale.h"

namespace lls::dashboard {

namespace {

std::string Td(const std::string& html, bool num = false) {
  return std::string(num ? "<td class=\"num\">" : "<td>") + html + "</td>";
}

std::string Th(const std::string& text, bool num = false) {
  return std::string(num ? "<th scope=\"col\" class=\"num\">" : "<th scope=\"col\">") + text +
         "</th>";
}

std::string Card(const std::string& label, int64_t n) {
  return "<div class=\"card\"><div class=\"n\">" + std::to_string(n) + "</div>" + label + "</div>";
}

std::string TierText(const std::string& tier) {
  if (tier == "national") return "National hub";
  if (tier == "lls") return "LLS hub";
  return tier;
}

std::string PartsNoun(const std::vector<SeriesChart>& parts) {
  if (!parts.empty() && parts.front().kind == "lls") return "LLS";
  return "trust";
}

}  // namespace

std::string OverviewPage(const HubInfo& hub, const std::vector<OverviewRow>& rows,
                         const MembersSummary& members) {
  std::string b = "<h1>" + Escape(hub.name) + " <span class=\"muted\">(" +
                  Escape(TierText(hub.tier)) + ")</span></h1>\n";
  b += "<p class=\"muted\">As of <time datetime=\"" + IsoTime(hub.now_ms) + "\">" +
       IsoTime(hub.now_ms) + "</time></p>\n";
  b += "<section aria-labelledby=\"counts-h\"><h2 id=\"counts-h\">At a glance</h2>"
       "<div class=\"cards\">";
  b += Card("members", hub.members) + Card("connected now", hub.connected) +
       Card("log entries", hub.log_entries) + Card("awaiting curation", hub.pending_curation);
  b += "</div></section>\n";

  b += "<section aria-labelledby=\"measures-h\"><h2 id=\"measures-h\">Measures</h2>\n";
  b += "<table><caption>Each measure's latest month, with its SPC variation and assurance"
       "</caption><thead><tr>" +
       Th("Measure") + Th("Area") + Th("Latest month") + Th("Latest value", true) +
       Th("Variation") + Th("Assurance") + Th("Recent trend") + "</tr></thead><tbody>\n";
  for (const OverviewRow& r : rows) {
    const SeriesPoint* latest = r.main.latest();
    const std::string href = "/measure/" + UrlSegment(r.measure.code);
    b += "<tr><th scope=\"row\"><a href=\"" + Escape(href) + "\">" + Escape(r.measure.name) +
         "</a> <span class=\"muted\">" + Escape(r.measure.code) + "</span></th>";
    b += Td(Escape(r.measure.area));
    if (latest) {
      b += Td(Escape(MonthLabel(latest->cell.period)));
      b += Td(Escape(FormatValue(latest->value, r.measure.unit)), true);
    } else {
      b += Td("<span class=\"muted\">no data</span>") + Td("—", true);
    }
    b += Td(VariationIconSvg(r.main.variation, 32) + "<span class=\"muted\"> " +
            Escape(VariationText(r.main.variation)) + "</span>");
    b += Td(r.main.assurance == analytics::AssuranceIcon::kNone
                ? "<span class=\"muted\">no target</span>"
                : AssuranceIconSvg(r.main.assurance, 32) + "<span class=\"muted\"> " +
                      Escape(AssuranceText(r.main.assurance)) + "</span>");
    b += Td(SparklineSvg(r.main, "Recent trend of " + r.measure.name));
    b += "</tr>\n";
  }
  b += "</tbody></table></section>\n";

  b += "<section aria-labelledby=\"members-h\"><h2 id=\"members-h\">Members</h2>";
  b += "<p>" + std::to_string(members.total) + " members, " + std::to_string(members.connected) +
       " connected now, " + std::to_string(members.revoked) +
       " revoked. <a href=\"/members\">All members</a></p>";
  if (!members.by_role.empty()) {
    b += "<table><caption>Members by role</caption><thead><tr>" + Th("Role") + Th("Members", true) +
         "</tr></thead><tbody>";
    for (const auto& [role, n] : members.by_role) {
      b +=
          "<tr><th scope=\"row\">" + Escape(role) + "</th>" + Td(std::to_string(n), true) + "</tr>";
    }
    b += "</tbody></table>";
  }
  b += "</section>\n";
  return Layout("Overview", hub.name, NavItem::kOverview, b);
}

namespace {

std::string Legend() {
  std::string s = "<div class=\"legend\" aria-hidden=\"true\">";
  for (auto sig : {analytics::PointSignal::kCommonCause, analytics::PointSignal::kImprovement,
                   analytics::PointSignal::kConcern, analytics::PointSignal::kNeutral}) {
    s += "<span><svg width=\"16\" height=\"16\" viewBox=\"0 0 16 16\">" + SignalMark(sig, 8, 8, 5) +
         "</svg> " + std::string(SignalText(sig)) + "</span>";
  }
  s += "<span><svg width=\"28\" height=\"10\"><line x1=\"0\" x2=\"28\" y1=\"5\" y2=\"5\" "
       "stroke=\"#505a5f\" stroke-dasharray=\"6 4\"/></svg> process limits</span>";
  s += "<span><svg width=\"28\" height=\"10\"><line x1=\"0\" x2=\"28\" y1=\"5\" y2=\"5\" "
       "stroke=\"#1d1d1d\"/></svg> mean</span>";
  s += "<span><svg width=\"28\" height=\"12\"><rect width=\"28\" height=\"12\" "
       "fill=\"#eef3f8\"/></svg> 2-sigma band</span>";
  s += "<span><svg width=\"28\" height=\"10\"><line x1=\"0\" x2=\"28\" y1=\"5\" y2=\"5\" "
       "stroke=\"#a4000b\" stroke-width=\"1.5\" stroke-dasharray=\"2 3\"/></svg> target</span>";
  s += "</div>";
  return s;
}

std::string ReceivedText(const std::optional<ReceivedSignal>& r, const std::string& unit) {
  if (!r) return "";
  std::string s = r->signal;
  if (!r->rules.empty()) s += " (" + r->rules + ")";
  s += "; mean " + FormatValue(r->centre, unit) + ", limits " + FormatValue(r->lower, unit) +
       " to " + FormatValue(r->upper, unit);
  if (!r->variation.empty()) s += "; variation " + r->variation;
  if (!r->assurance.empty()) s += "; assurance " + r->assurance;
  return s;
}

// The accessible alternative to a chart: one row per period.
std::string DataTable(const SeriesChart& c, const std::string& caption, const std::string& unit,
                      const std::string& reporter) {
  bool any_received = false, any_llss = false;
  for (const SeriesPoint& p : c.points) {
    any_received = any_received || p.cell.received.has_value();
    any_llss = any_llss || p.cell.llss > 0;
  }
  std::string s = "<table><caption>" + Escape(caption) + "</caption><thead><tr>" + Th("Month") +
                  Th("Numerator", true) + Th("Denominator", true) +
                  Th("Rate (" + Escape(unit) + ")", true) + Th("Trusts", true);
  if (any_llss) s += Th("LLSs", true);
  s += Th("Suppressed cells", true) + Th("Mean", true) + Th("Limits", true) + Th("Signal");
  if (any_received) s += Th("Reported by the " + Escape(reporter));
  s += "</tr></thead><tbody>\n";
  for (const SeriesPoint& p : c.points) {
    s += "<tr><th scope=\"row\">" + Escape(MonthLabel(p.cell.period)) + "</th>";
    if (p.cell.suppressed) {
      // The Cell holds 0s here; they are not figures.
      s += Td("suppressed", true) + Td("suppressed", true) + Td("suppressed", true);
    } else {
      s +=
          Td(std::to_string(p.cell.numerator), true) + Td(std::to_string(p.cell.denominator), true);
      s += Td(p.gap && !p.partial ? "no data" : FormatNumber(p.value, 1), true);
    }
    s += Td(std::to_string(p.cell.trusts), true);
    if (any_llss) s += Td(std::to_string(p.cell.llss), true);
    s += Td(std::to_string(p.cell.suppressed_cells), true);
    if (p.chart) {
      s += Td(FormatNumber(p.chart->centre, 1), true);
      s += Td(FormatNumber(p.chart->lower, 1) + " to " + FormatNumber(p.chart->upper, 1), true);
      std::string signal = SignalText(p.chart->signal);
      if (p.chart->rules != analytics::kRuleNone) {
        signal += ": " + RulesText(p.chart->rules);
      }
      s += Td(Escape(signal));
    } else {
      s += Td("—", true) + Td("—", true) +
           Td(p.partial ? "partial month: not charted" : p.gap ? "gap" : "—");
    }
    if (any_received) s += Td(Escape(ReceivedText(p.cell.received, unit)));
    s += "</tr>\n";
  }
  s += "</tbody></table>\n";
  return s;
}

// "2 trusts left out: counts suppressed (North Trust, South Trust)", or "" when none.
std::string LeftOutText(const std::vector<std::string>& names, const std::string& noun) {
  if (names.empty()) return "";
  std::string s = std::to_string(names.size()) + " " + noun + (names.size() == 1 ? "" : "s") +
                  " left out: counts suppressed (";
  for (size_t i = 0; i < names.size(); ++i) s += (i > 0 ? ", " : "") + names[i];
  return s + ")";
}

std::string FunnelSection(const MeasureView& v, const std::string& noun) {
  std::string s = "<section aria-labelledby=\"funnel-h\"><h2 id=\"funnel-h\">Funnel plot: each " +
                  Escape(noun) + (v.funnel ? ", " + Escape(MonthLabel(v.funnel->period)) : "") +
                  "</h2>\n";
  const std::string left_out = LeftOutText(v.funnel_suppressed, noun);
  if (!v.funnel) {
    s += "<p>No funnel plot: " +
         Escape(v.funnel_error.empty() ? "no " + noun + " has data" : v.funnel_error) + ".";
    if (!left_out.empty()) s += " " + Escape(left_out) + ".";
    return s + "</p></section>\n";
  }
  const analytics::Funnel& f = v.funnel->funnel;
  s += "<p>Each " + Escape(noun) + "'s rate against its denominator for " +
       Escape(MonthLabel(v.funnel->period)) +
       ". Points outside the dashed (95%) or solid "
       "(99.8%) curves differ from the average by more than chance would explain. "
       "Within the limits: grey circle; beyond 95%: square; beyond 99.8%: diamond.";
  if (f.overdispersed) {
    s += " The limits are widened for over-dispersion (phi " + FormatNumber(f.phi, 2) + ").";
  }
  if (!left_out.empty()) s += " " + Escape(left_out) + ".";
  s += "</p>\n";
  s += FunnelSvg(*v.funnel, "funnel",
                 v.measure.name + ": funnel plot by " + noun + ", " + MonthLabel(v.funnel->period),
                 v.measure.unit);
  s += "<table><caption>Funnel plot values, " + Escape(MonthLabel(v.funnel->period)) +
       (left_out.empty() ? "" : "; " + Escape(left_out)) + "</caption><thead><tr>" +
       Th(Escape(noun == "LLS" ? "LLS" : "Trust")) + Th("Numerator", true) +
       Th("Denominator", true) + Th("Rate", true) + Th("z", true) + Th("95% limits", true) +
       Th("99.8% limits", true) + Th("Position") + "</tr></thead><tbody>";
  const double k = v.funnel->scale;
  for (const analytics::FunnelPoint& p : f.points) {
    s += "<tr><th scope=\"row\">" + Escape(p.name) + "</th>" +
         Td(FormatNumber(p.numerator, 0), true) + Td(FormatNumber(p.denominator, 0), true) +
         Td(FormatNumber(p.value * k, 1), true) + Td(FormatNumber(p.z_adjusted, 2), true) +
         Td(FormatNumber(p.lower95 * k, 1) + " to " + FormatNumber(p.upper95 * k, 1), true) +
         Td(FormatNumber(p.lower998 * k, 1) + " to " + FormatNumber(p.upper998 * k, 1), true) +
         Td(FunnelPositionText(p.position)) + "</tr>";
  }
  s += "</tbody></table></section>\n";
  return s;
}

}  // namespace

std::string MeasurePage(const HubInfo& hub, const MeasureView& v) {
  const MeasureInfo& m = v.measure;
  const std::string noun = PartsNoun(v.parts);
  std::string b =
      "<h1>" + Escape(m.name) + " <span class=\"muted\">" + Escape(m.code) + "</span></h1>\n";
  b += "<dl class=\"facts\"><dt>Area</dt><dd>" + Escape(m.area) + "</dd><dt>Numerator</dt><dd>" +
       Escape(m.numerator_definition) + "</dd><dt>Denominator</dt><dd>" +
       Escape(m.denominator_definition) + "</dd><dt>Unit</dt><dd>" + Escape(m.unit) +
       "</dd><dt>Better when</dt><dd>" +
       (m.improvement == analytics::Direction::kIncrease   ? "higher"
        : m.improvement == analytics::Direction::kDecrease ? "lower"
                                                           : "neither (no direction)") +
       "</dd>";
  if (v.target) b += "<dt>Target</dt><dd>" + Escape(FormatValue(*v.target, m.unit)) + "</dd>";
  b += "</dl>\n";

  b += "<section aria-labelledby=\"main-h\"><h2 id=\"main-h\">" + Escape(v.main.scope) +
       ": XmR chart</h2>\n";
  if (!v.main.error.empty()) {
    b += "<p>Process limits could not be computed: " + Escape(v.main.error) + "</p>";
  }
  b += "<div class=\"chart-row\">";
  b += XmrChartSvg(v.main, {"main-chart", m.name + ", " + v.main.scope + ": XmR chart", m.unit,
                            v.target, false});
  b += IconPair(v.main.variation, v.main.assurance, 52);
  b += "</div>" + Legend();
  b += "<p class=\"muted\">Hover over or tab to a point for its values; the table under "
       "<a href=\"#data-h\">Data</a> holds them all.</p></section>\n";

  if (!v.parts.empty()) {
    b += "<section aria-labelledby=\"parts-h\"><h2 id=\"parts-h\">By " + Escape(noun) +
         "</h2><div class=\"multiples\">\n";
    for (size_t i = 0; i < v.parts.size(); ++i) {
      const SeriesChart& p = v.parts[i];
      b += "<figure><h3>" + Escape(p.scope) + "</h3>";
      b += XmrChartSvg(p, {"part-" + std::to_string(i), m.name + ", " + p.scope + ": XmR chart",
                           m.unit, v.target, true});
      b += IconPair(p.variation, p.assurance, 30);
      b += "</figure>\n";
    }
    b += "</div></section>\n";
    b += FunnelSection(v, noun);
  }

  b += "<section aria-labelledby=\"data-h\"><h2 id=\"data-h\">Data</h2>\n";
  b += DataTable(v.main, v.main.scope + ": monthly figures", m.unit, "LLS hub");
  for (const SeriesChart& p : v.parts) {
    b += "<details><summary>" + Escape(p.scope) + "</summary>" +
         DataTable(p, p.scope + ": monthly figures", m.unit, p.kind == "lls" ? "LLS hub" : "hub") +
         "</details>\n";
  }
  b += "</section>\n";
  return Layout(m.name, hub.name, NavItem::kNone, b);
}

std::string LearningPage(const HubInfo& hub, const std::vector<LearningEntry>& entries) {
  std::string b = "<h1>Learning</h1>\n<p class=\"muted\">" + std::to_string(entries.size()) +
                  (entries.size() == 1 ? " item" : " items") +
                  ", newest first.</p>\n<div class=\"learning\">\n";
  for (const LearningEntry& e : entries) {
    std::string state = e.state;
    if (state != "pending" && state != "approved" && state != "rejected") state = "pending";
    b += "<article><h2>" + Escape(e.title) + "</h2><p>";
    b += "<span class=\"badge " + state + "\">" + Escape(e.state) + "</span> ";
    if (e.featured) b += "<span class=\"badge featured\">featured</span> ";
    b += Escape(e.author);
    if (!e.organisation.empty()) b += " (" + Escape(e.organisation) + ")";
    b += " · " + Escape(e.area) + " · <time datetime=\"" + IsoTime(e.received_ms) + "\">" +
         IsoTime(e.received_ms) + "</time></p>";
    if (!e.tags.empty()) {
      b += "<p>";
      for (const std::string& t : e.tags) b += "<span class=\"tag\">" + Escape(t) + "</span>";
      b += "</p>";
    }
    b += "<p class=\"text\">" + Escape(e.summary) + "</p>";  // line breaks kept (CSS)
    if (!e.reason.empty()) b += "<p><strong>Reason:</strong> " + Escape(e.reason) + "</p>";
    b += "</article>\n";
  }
  if (entries.empty()) b += "<p>Nothing shared yet.</p>";
  b += "</div>\n";
  return Layout("Learning", hub.name, NavItem::kLearning, b);
}

std::string MembersPage(const HubInfo& hub, const std::vector<MemberEntry>& members) {
  std::string b = "<h1>Members</h1>\n<table><caption>Members of " + Escape(hub.name) +
                  "</caption><thead><tr>" + Th("Name") + Th("Display name") + Th("ODS code") +
                  Th("Role") + Th("LLS") + Th("Connected") + Th("Last seen") + Th("Revoked") +
                  "</tr></thead><tbody>\n";
  for (const MemberEntry& m : members) {
    b += "<tr><th scope=\"row\">" + Escape(m.name) + "</th>" + Td(Escape(m.display_name)) +
         Td(Escape(m.organisation)) + Td(Escape(m.role)) + Td(Escape(m.lls)) +
         Td(m.connected ? "yes" : "no");
    if (m.last_seen_ms) {
      b += Td(RelativeTime(*m.last_seen_ms, hub.now_ms) + " <span class=\"muted\"><time>" +
              IsoTime(*m.last_seen_ms) + "</time></span>");
    } else {
      b += Td("never");
    }
    b += Td(m.revoked ? "<strong>revoked</strong>" : "no") + "</tr>\n";
  }
  b += "</tbody></table>\n";
  return Layout("Members", hub.name, NavItem::kMembers, b);
}

std::string MessagePage(const std::string& hub_name, int status, const std::string& reason) {
  std::string title = status == 404   ? "Not found"
                      : status == 405 ? "Method not allowed"
                      : status == 503 ? "Unavailable"
                                      : "Error";
  std::string b = "<h1>" + title + "</h1>\n<p>" + Escape(reason) +
                  "</p>\n<p><a href=\"/\">Back to the overview</a></p>\n";
  return Layout(title, hub_name, NavItem::kNone, b);
}

}  // namespace lls::dashboard
