#include "dashboard/api_json.h"

#include <nlohmann/json.hpp>

#include "dashboard/html.h"

namespace lls::dashboard {

using nlohmann::json;

namespace {

// Source strings may hold bytes that are not UTF-8; replace them rather than throw.
std::string Dump(const json& j) {
  return j.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

json Optional(const std::optional<double>& v) { return v ? json(*v) : json(nullptr); }

json MeasureInfoJson(const MeasureInfo& m) {
  return {{"code", m.code},
          {"name", m.name},
          {"area", m.area},
          {"unit", m.unit},
          {"scale", m.scale},
          {"improvement", analytics::DirectionName(m.improvement)},
          {"numerator_definition", m.numerator_definition},
          {"denominator_definition", m.denominator_definition}};
}

json ReceivedJson(const std::optional<ReceivedSignal>& r) {
  if (!r) return nullptr;
  return {{"centre", r->centre},      {"lower", r->lower}, {"upper", r->upper},
          {"signal", r->signal},      {"rules", r->rules}, {"variation", r->variation},
          {"assurance", r->assurance}};
}

json RulesJson(uint8_t rules) {
  json out = json::array();
  const std::string names = analytics::RuleFlagNames(rules);
  size_t start = 0;
  while (start < names.size()) {
    size_t comma = names.find(',', start);
    if (comma == std::string::npos) comma = names.size();
    if (comma > start) out.push_back(names.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

json PointJson(const SeriesPoint& p) {
  // A suppressed cell's counts are 0 in the Cell but are not figures: null, never 0.
  const bool suppressed = p.cell.suppressed;
  json j = {{"period", p.cell.period},
            {"numerator", suppressed ? json(nullptr) : json(p.cell.numerator)},
            {"denominator", suppressed ? json(nullptr) : json(p.cell.denominator)},
            {"trusts", p.cell.trusts},
            {"llss", p.cell.llss},
            {"suppressed_cells", p.cell.suppressed_cells},
            {"suppressed", suppressed},
            {"gap", p.gap},
            {"partial", p.partial},
            {"value", p.gap && !p.partial ? json(nullptr) : json(p.value)}};
  if (p.chart) {
    const analytics::ChartPoint& c = *p.chart;
    j["centre"] = c.centre;
    j["lower"] = c.lower;
    j["upper"] = c.upper;
    j["lower_2s"] = c.lower_2s;
    j["upper_2s"] = c.upper_2s;
    j["moving_range"] = Optional(c.moving_range);
    j["segment"] = c.segment;
    j["rules"] = RulesJson(c.rules);
    j["signal"] = analytics::PointSignalName(c.signal);
  } else {
    for (const char* k : {"centre", "lower", "upper", "lower_2s", "upper_2s", "moving_range",
                          "segment", "signal"}) {
      j[k] = nullptr;
    }
    j["rules"] = json::array();
  }
  j["received"] = ReceivedJson(p.cell.received);
  return j;
}

json ChartJson(const SeriesChart& c) {
  json points = json::array();
  for (const SeriesPoint& p : c.points) points.push_back(PointJson(p));
  return {{"scope", c.scope},
          {"kind", c.kind},
          {"organisation", c.organisation},
          {"chart", "xmr"},
          {"variation", analytics::VariationIconName(c.variation)},
          {"assurance", analytics::AssuranceIconName(c.assurance)},
          {"mean_moving_range",
           c.data_points() > 0 && c.error.empty() ? json(c.mean_moving_range) : json(nullptr)},
          {"error", c.error.empty() ? json(nullptr) : json(c.error)},
          {"points", points}};
}

json FunnelJson(const MeasureView& v) {
  if (!v.funnel) return nullptr;
  const analytics::Funnel& f = v.funnel->funnel;
  const double k = v.funnel->scale;
  json units = json::array();
  for (const analytics::FunnelPoint& p : f.points) {
    units.push_back({{"name", p.name},
                     {"numerator", p.numerator},
                     {"denominator", p.denominator},
                     {"value", p.value * k},
                     {"z", p.z},
                     {"z_adjusted", p.z_adjusted},
                     {"lower95", p.lower95 * k},
                     {"upper95", p.upper95 * k},
                     {"lower998", p.lower998 * k},
                     {"upper998", p.upper998 * k},
                     {"position", analytics::FunnelPositionName(p.position)}});
  }
  return {{"period", v.funnel->period},
          {"target", f.target * k},
          {"phi", f.phi},
          {"tau2", f.tau2},
          {"overdispersed", f.overdispersed},
          {"units", units}};
}

}  // namespace

std::string OverviewJson(const HubInfo& hub, const std::vector<OverviewRow>& rows,
                         const MembersSummary& members) {
  json measures = json::array();
  for (const OverviewRow& r : rows) {
    json m = MeasureInfoJson(r.measure);
    m["target"] = Optional(r.target);
    const SeriesPoint* latest = r.main.latest();
    if (latest) {
      m["latest"] = {
          {"period", latest->cell.period},
          {"value", latest->value},
          {"numerator", latest->cell.numerator},
          {"denominator", latest->cell.denominator},
          {"signal", latest->chart ? json(analytics::PointSignalName(latest->chart->signal))
                                   : json(nullptr)}};
    } else {
      m["latest"] = nullptr;
    }
    m["variation"] = analytics::VariationIconName(r.main.variation);
    m["assurance"] = analytics::AssuranceIconName(r.main.assurance);
    m["points"] = r.main.data_points();
    m["href"] = "/measure/" + UrlSegment(r.measure.code);
    m["api"] = "/api/measures/" + UrlSegment(r.measure.code);
    measures.push_back(m);
  }
  json j = {{"hub",
             {{"name", hub.name},
              {"tier", hub.tier},
              {"now_ms", hub.now_ms},
              {"now", IsoTime(hub.now_ms)},
              {"log_entries", hub.log_entries},
              {"pending_curation", hub.pending_curation},
              {"members", hub.members},
              {"connected", hub.connected}}},
            {"measures", measures},
            {"members",
             {{"total", members.total},
              {"connected", members.connected},
              {"revoked", members.revoked},
              {"by_role", members.by_role}}}};
  return Dump(j);
}

std::string MeasureJson(const MeasureView& v) {
  json parts = json::array();
  for (const SeriesChart& p : v.parts) parts.push_back(ChartJson(p));
  json j = {{"measure", MeasureInfoJson(v.measure)},
            {"target", Optional(v.target)},
            {"main", ChartJson(v.main)},
            {"parts", parts},
            {"funnel", FunnelJson(v)},
            {"funnel_error", v.funnel_error.empty() ? json(nullptr) : json(v.funnel_error)},
            {"funnel_suppressed", v.funnel_suppressed}};
  return Dump(j);
}

std::string LearningJson(const std::vector<LearningEntry>& entries) {
  json items = json::array();
  for (const LearningEntry& e : entries) {
    items.push_back({{"id", e.id},
                     {"title", e.title},
                     {"area", e.area},
                     {"author", e.author},
                     {"organisation", e.organisation},
                     {"state", e.state},
                     {"featured", e.featured},
                     {"tags", e.tags},
                     {"reason", e.reason},
                     {"summary", e.summary},
                     {"received_ms", e.received_ms},
                     {"received", IsoTime(e.received_ms)}});
  }
  return Dump(json{{"entries", items}});
}

std::string MembersJson(const std::vector<MemberEntry>& members, int64_t now_ms) {
  json items = json::array();
  for (const MemberEntry& m : members) {
    items.push_back(
        {{"name", m.name},
         {"display_name", m.display_name},
         {"organisation", m.organisation},
         {"role", m.role},
         {"lls", m.lls},
         {"revoked", m.revoked},
         {"connected", m.connected},
         {"last_seen_ms", m.last_seen_ms ? json(*m.last_seen_ms) : json(nullptr)},
         {"last_seen", m.last_seen_ms ? json(IsoTime(*m.last_seen_ms)) : json(nullptr)}});
  }
  return Dump(json{{"now_ms", now_ms}, {"members", items}});
}

std::string ErrorJson(const std::string& message) { return Dump(json{{"error", message}}); }

}  // namespace lls::dashboard
