#include "exchange/message_json.h"

#include "crypto/crypto.h"
#include "exchange/clock.h"

namespace lls {

namespace {

using nlohmann::json;

json ToJson(const ProjectSummary& s) {
  json measures = json::array();
  for (const MeasureSeries& series : s.measures) {
    json points = json::array();
    for (const MeasurePoint& p : series.points) {
      points.push_back({{"period", p.period},
                        {"numerator", p.numerator_suppressed ? json(nullptr) : json(p.numerator)},
                        {"denominator",
                         p.denominator_suppressed ? json(nullptr) : json(p.denominator)},
                        {"numerator_suppressed", p.numerator_suppressed},
                        {"denominator_suppressed", p.denominator_suppressed}});
    }
    measures.push_back({{"code", series.measure_code}, {"points", points}});
  }
  return {{"project_id", s.project_id},   {"organisation", s.organisation},
          {"title", s.title},             {"area", AreaName(s.area)},
          {"aim", s.aim},                 {"change_ideas", s.change_ideas},
          {"pdsa_cycles", s.pdsa_cycles}, {"stage", StageName(s.stage)},
          {"start_month", s.start_month}, {"measures", measures}};
}

json ToJson(const LearningItem& i) {
  return {{"item_id", i.item_id}, {"organisation", i.organisation},
          {"title", i.title},     {"kind", LearningKindName(i.kind)},
          {"area", AreaName(i.area)}, {"tags", i.tags},
          {"text", i.text},       {"scope", ScopeName(i.scope)},
          {"project_id", i.project_id}};
}

json ToJson(const Curation& c) {
  return {{"target", crypto::ToHex(c.target)},
          {"action", CurationActionName(c.action)},
          {"reason", c.reason},
          {"tags", c.tags}};
}

json ToJson(const Aggregate& a) {
  json j = {{"scope", a.scope},
            {"measure_code", a.measure_code},
            {"period", a.period},
            {"contributing_trusts", a.contributing_trusts},
            {"contributing_llss", a.contributing_llss},
            {"numerator", a.numerator},
            {"denominator", a.denominator},
            {"suppressed_cells", a.suppressed_cells},
            {"spc", nullptr}};
  if (a.spc) {
    j["spc"] = {{"value", a.spc->value},         {"centre", a.spc->centre},
                {"lower", a.spc->lower},         {"upper", a.spc->upper},
                {"rules", a.spc->rules},         {"signal", a.spc->signal},
                {"variation", a.spc->variation}, {"assurance", a.spc->assurance},
                {"points", a.spc->points}};
  }
  return j;
}

json ToJson(const Retraction& r) {
  return {{"target", crypto::ToHex(r.target)}, {"reason", r.reason}};
}

json ToJson(const MeasureCatalogue& c) {
  json measures = json::array();
  for (const MeasureDefinition& m : c.measures) {
    measures.push_back({{"code", m.code},
                        {"name", m.name},
                        {"area", AreaName(m.area)},
                        {"numerator_definition", m.numerator_definition},
                        {"denominator_definition", m.denominator_definition},
                        {"unit", m.unit},
                        {"improvement", ImprovementName(m.improvement)},
                        {"source", m.source}});
  }
  return {{"version", c.version}, {"measures", measures}};
}

json ToJson(const Bulletin& b) {
  return {{"title", b.title}, {"text", b.text}, {"area", AreaName(b.area)}};
}

json ToJson(const Relay& r) {
  return {{"original", crypto::ToHex(r.original)}, {"curation", crypto::ToHex(r.curation)}};
}

}  // namespace

nlohmann::json BodyToJson(const Body& body) {
  return std::visit([](const auto& b) { return ToJson(b); }, body);
}

nlohmann::json EnvelopeHeaderToJson(const Envelope& e) {
  return {{"version", e.version},
          {"message_id", crypto::ToHex(e.message_id)},
          {"signer", crypto::ToHex(e.signer)},
          {"sequence", e.sequence},
          {"created_at", FormatTimeMs(e.created_at_ms)},
          {"created_at_ms", e.created_at_ms},
          {"kind", KindName(e.kind)},
          {"body_bytes", e.body.size()},
          {"signature", crypto::ToHex(e.signature)}};
}

}  // namespace lls
