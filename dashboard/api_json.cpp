#include "dashboard/api_json.h"

#include <nlohmann/json.hpp>

#include "dashboard/html.h"
#include "dashboard/json_writer.h"

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

// The measure answer is written straight into one string (dashboard/json_writer.h): a chart
// per trust over ten years is megabytes, and building it as nlohmann::json (a std::map per
// point) cost most of the request. The bytes are those dump() gave for the same tree, so each
// object's keys are written here in dump()'s (sorted) order.

void WriteReceived(JsonWriter& w, const std::optional<ReceivedSignal>& r) {
  if (!r) return w.Null();
  w.BeginObject();
  w.Key("assurance"), w.String(r->assurance);
  w.Key("centre"), w.Double(r->centre);
  w.Key("lower"), w.Double(r->lower);
  w.Key("rules"), w.String(r->rules);
  w.Key("signal"), w.String(r->signal);
  w.Key("upper"), w.Double(r->upper);
  w.Key("variation"), w.String(r->variation);
  w.EndObject();
}

void WriteRules(JsonWriter& w, uint8_t rules) {
  w.BeginArray();
  if (rules != 0) {
    const std::string names = analytics::RuleFlagNames(rules);
    size_t start = 0;
    while (start < names.size()) {
      size_t comma = names.find(',', start);
      if (comma == std::string::npos) comma = names.size();
      if (comma > start) w.String(std::string_view(names).substr(start, comma - start));
      start = comma + 1;
    }
  }
  w.EndArray();
}

void WritePoint(JsonWriter& w, const SeriesPoint& p) {
  // A suppressed cell's counts are 0 in the Cell but are not figures: null, never 0.
  const bool suppressed = p.cell.suppressed;
  const analytics::ChartPoint* c = p.chart ? &*p.chart : nullptr;
  w.BeginObject();
  w.Key("centre"), c ? w.Double(c->centre) : w.Null();
  w.Key("denominator"), suppressed ? w.Null() : w.Int(p.cell.denominator);
  w.Key("gap"), w.Bool(p.gap);
  w.Key("llss"), w.Int(p.cell.llss);
  w.Key("lower"), c ? w.Double(c->lower) : w.Null();
  w.Key("lower_2s"), c ? w.Double(c->lower_2s) : w.Null();
  w.Key("moving_range"), c ? w.OptionalDouble(c->moving_range) : w.Null();
  w.Key("numerator"), suppressed ? w.Null() : w.Int(p.cell.numerator);
  w.Key("partial"), w.Bool(p.partial);
  w.Key("period"), w.String(p.cell.period);
  w.Key("received"), WriteReceived(w, p.cell.received);
  w.Key("rules"), c ? WriteRules(w, c->rules) : w.EmptyArray();
  w.Key("segment"), c ? w.Int(c->segment) : w.Null();
  w.Key("signal"), c ? w.String(analytics::PointSignalName(c->signal)) : w.Null();
  w.Key("suppressed"), w.Bool(suppressed);
  w.Key("suppressed_cells"), w.Int(p.cell.suppressed_cells);
  w.Key("trusts"), w.Int(p.cell.trusts);
  w.Key("upper"), c ? w.Double(c->upper) : w.Null();
  w.Key("upper_2s"), c ? w.Double(c->upper_2s) : w.Null();
  w.Key("value"), p.gap && !p.partial ? w.Null() : w.Double(p.value);
  w.EndObject();
}

void WriteChart(JsonWriter& w, const SeriesChart& c) {
  w.BeginObject();
  w.Key("assurance"), w.String(analytics::AssuranceIconName(c.assurance));
  w.Key("chart"), w.String("xmr");
  w.Key("error"), c.error.empty() ? w.Null() : w.String(c.error);
  w.Key("kind"), w.String(c.kind);
  w.Key("mean_moving_range");
  c.data_points() > 0 && c.error.empty() ? w.Double(c.mean_moving_range) : w.Null();
  w.Key("organisation"), w.String(c.organisation);
  w.Key("points");
  w.BeginArray();
  for (const SeriesPoint& p : c.points) WritePoint(w, p);
  w.EndArray();
  w.Key("scope"), w.String(c.scope);
  w.Key("variation"), w.String(analytics::VariationIconName(c.variation));
  w.EndObject();
}

void WriteMeasureInfo(JsonWriter& w, const MeasureInfo& m) {
  w.BeginObject();
  w.Key("area"), w.String(m.area);
  w.Key("code"), w.String(m.code);
  w.Key("denominator_definition"), w.String(m.denominator_definition);
  w.Key("improvement"), w.String(analytics::DirectionName(m.improvement));
  w.Key("name"), w.String(m.name);
  w.Key("numerator_definition"), w.String(m.numerator_definition);
  w.Key("scale"), w.Double(m.scale);
  w.Key("unit"), w.String(m.unit);
  w.EndObject();
}

void WriteFunnel(JsonWriter& w, const MeasureView& v) {
  if (!v.funnel) return w.Null();
  const analytics::Funnel& f = v.funnel->funnel;
  const double k = v.funnel->scale;
  w.BeginObject();
  w.Key("overdispersed"), w.Bool(f.overdispersed);
  w.Key("period"), w.String(v.funnel->period);
  w.Key("phi"), w.Double(f.phi);
  w.Key("target"), w.Double(f.target * k);
  w.Key("tau2"), w.Double(f.tau2);
  w.Key("units");
  w.BeginArray();
  for (const analytics::FunnelPoint& p : f.points) {
    w.BeginObject();
    w.Key("denominator"), w.Double(p.denominator);
    w.Key("lower95"), w.Double(p.lower95 * k);
    w.Key("lower998"), w.Double(p.lower998 * k);
    w.Key("name"), w.String(p.name);
    w.Key("numerator"), w.Double(p.numerator);
    w.Key("position"), w.String(analytics::FunnelPositionName(p.position));
    w.Key("upper95"), w.Double(p.upper95 * k);
    w.Key("upper998"), w.Double(p.upper998 * k);
    w.Key("value"), w.Double(p.value * k);
    w.Key("z"), w.Double(p.z);
    w.Key("z_adjusted"), w.Double(p.z_adjusted);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
}

// A generous guess at the answer's size, so the string grows once or not at all.
size_t EstimatedSize(const MeasureView& v) {
  size_t points = v.main.points.size();
  for (const SeriesChart& p : v.parts) points += p.points.size();
  return 4096 + points * 720 + (v.parts.size() + 1) * 512;
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
  std::string out;
  out.reserve(EstimatedSize(v));
  JsonWriter w(out);
  w.BeginObject();
  w.Key("funnel"), WriteFunnel(w, v);
  w.Key("funnel_error"), v.funnel_error.empty() ? w.Null() : w.String(v.funnel_error);
  w.Key("funnel_suppressed");
  w.BeginArray();
  for (const std::string& name : v.funnel_suppressed) w.String(name);
  w.EndArray();
  w.Key("main"), WriteChart(w, v.main);
  w.Key("measure"), WriteMeasureInfo(w, v.measure);
  w.Key("parts");
  w.BeginArray();
  for (const SeriesChart& p : v.parts) WriteChart(w, p);
  w.EndArray();
  w.Key("target"), w.OptionalDouble(v.target);
  w.EndObject();
  out.push_back('\n');
  return out;
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
