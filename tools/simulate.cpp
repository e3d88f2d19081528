// Assembles the simulated files: the model (simulate_model.h) gives each trust's plan and counts,
// the notes (simulate_notes.h) its learning; here they become projects.csv, counts.csv,
// Markdown notes and manifest.json, in the formats of docs/import.md.
#include "tools/simulate.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <optional>
#include <string_view>

#include <nlohmann/json.hpp>

#include "exchange/catalogue.h"
#include "tools/simulate_model.h"
#include "tools/simulate_notes.h"
#include "tools/simulate_random.h"

namespace lls::tools {

namespace {

using nlohmann::ordered_json;
using sim::Rng;

// Stream tags (simulate_model.cpp uses 1-3).
constexpr uint64_t kProjectStream = 11, kNoteStream = 12, kIdentifierStream = 13;

// Share of learning notes given a planted identifier paragraph (at least one per LLS).
constexpr double kIdentifierShare = 0.25;

bool IsNameChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '-';
}

bool IsName(std::string_view s, size_t max) {
  return !s.empty() && s.size() <= max && std::all_of(s.begin(), s.end(), IsNameChar);
}

// Months since year 0 for "YYYY-MM" (years 1900-2099), or nullopt.
std::optional<int> ParseMonth(std::string_view s) {
  if (s.size() != 7 || s[4] != '-') return std::nullopt;
  for (size_t i : {0, 1, 2, 3, 5, 6}) {
    if (s[i] < '0' || s[i] > '9') return std::nullopt;
  }
  int year = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
  int month = (s[5] - '0') * 10 + (s[6] - '0');
  if (year < 1900 || year > 2099 || month < 1 || month > 12) return std::nullopt;
  return year * 12 + month - 1;
}

std::string MonthLabel(int index) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02d", index / 12, index % 12 + 1);
  return buf;
}

std::string MonthName(int index) {
  static constexpr const char* kNames[] = {"January",   "February", "March",    "April",
                                           "May",       "June",     "July",     "August",
                                           "September", "October",  "November", "December"};
  return std::string(kNames[index % 12]) + " " + std::to_string(index / 12);
}

// RFC 4180: quoted when the field holds a comma, a quote or a line break.
std::string CsvField(std::string_view s) {
  if (s.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(s);
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string CsvRow(const std::vector<std::string>& fields) {
  std::string row;
  for (size_t i = 0; i < fields.size(); ++i) row += (i ? "," : "") + CsvField(fields[i]);
  return row + "\r\n";  // as Excel's "CSV UTF-8" writes
}

// Whole percent of num/den, rounded half up, in integers.
int Percent(uint64_t num, uint64_t den) {
  return den == 0 ? 0 : static_cast<int>((200 * num + den) / (2 * den));
}

// ---------------------------------------------------------------------------------------------
// Projects: one per clinical area, with the trust's own id for it.

struct AreaProject {
  ClinicalArea area;
  std::string_view id;
  std::string_view title;
  std::string_view aim;
  std::vector<std::string_view> ideas;  // usual change ideas, before any adopted package
};

const std::vector<AreaProject>& AreaProjects() {
  static const std::vector<AreaProject> kProjects = {
      {ClinicalArea::kSmokeFreePregnancy,
       "SF-01",
       "Smoke-free pregnancy pathway",
       "Reduce smoking at the time of delivery towards the national ambition of 6% or less, by "
       "CO monitoring every woman at booking and referring every woman with a raised reading",
       {"CO monitoring at every antenatal contact", "Stop-smoking adviser in antenatal clinic"}},
      {ClinicalArea::kVeryPretermInfant,
       "VPI-01",
       "Optimising the very preterm infant",
       "Every baby born below 34 weeks receives each element of optimal perinatal care that "
       "applies to them, as the NNAP measures it",
       {"Preterm birth huddle", "Thermal care checklist"}},
      {ClinicalArea::kDiabetesInPregnancy,
       "DIP-01",
       "Diabetes in pregnancy",
       "Women with diabetes plan their pregnancies, and women at risk of gestational diabetes "
       "are tested at 24 to 28 weeks",
       {"Pre-conception letters", "Joint antenatal diabetes clinic"}},
      {ClinicalArea::kNeonatalHypoglycaemia,
       "NH-01",
       "Avoiding term admissions",
       "Keep mothers and term babies together: fewer term admissions to the neonatal unit, "
       "especially for hypoglycaemia",
       {"Hypoglycaemia pathway on the postnatal ward", "Weekly ATAIN review"}},
      {ClinicalArea::kDeterioration,
       "DET-01",
       "Recognising deterioration",
       "Recognise and escalate deterioration in mothers and babies reliably, day and night",
       {"Escalation box on the MEWS chart", "NEWTT2 prompt at handover"}},
      {ClinicalArea::kSafetyCulture,
       "SC-01",
       "Safety culture",
       "Staff feel safe to speak up, and learning from incidents reaches every team",
       {"Safety huddles", "Learning from excellence"}},
  };
  return kProjects;
}

const AreaProject* ProjectFor(ClinicalArea area) {
  for (const AreaProject& p : AreaProjects()) {
    if (p.area == area) return &p;
  }
  return nullptr;
}

std::string ProjectsCsv(const std::vector<ClinicalArea>& areas, const sim::TrustPlan& plan,
                        int start, int months, Rng& rng) {
  std::string out = CsvRow(
      {"project", "title", "area", "aim", "change_ideas", "pdsa_cycles", "stage", "start_month"});
  static constexpr const char* kStages[] = {"planning", "testing", "testing", "implementing"};
  for (ClinicalArea area : areas) {
    const AreaProject* p = ProjectFor(area);
    std::vector<std::string> ideas;
    std::string stage;
    uint64_t pdsa = 0;
    int first_month = 0;
    if (plan.change && plan.change->area == area) {
      ideas.emplace_back(plan.change->idea);
      stage = "implementing";
      pdsa = 4 + rng.Below(6);
      first_month = std::max(0, plan.change_month - 3 - static_cast<int>(rng.Below(4)));
    } else {
      stage = kStages[rng.Below(std::size(kStages))];
      pdsa = stage == "planning" ? 0 : 1 + rng.Below(5);
      first_month = static_cast<int>(rng.Below(static_cast<uint64_t>(std::max(1, months / 2))));
    }
    for (std::string_view idea : p->ideas) {
      if (stage == "planning" && !ideas.empty()) break;
      ideas.emplace_back(idea);
    }
    std::string joined;
    for (size_t i = 0; i < ideas.size(); ++i) joined += (i ? "; " : "") + ideas[i];
    out += CsvRow({std::string(p->id), std::string(p->title), AreaName(area), std::string(p->aim),
                   joined, std::to_string(pdsa), stage, MonthLabel(start + first_month)});
  }
  return out;
}

std::string CountsCsv(const MeasureCatalogue& catalogue, const sim::Series& series, int start) {
  std::string out = CsvRow({"project", "measure", "period", "numerator", "denominator"});
  for (const MeasureDefinition& def : catalogue.measures) {
    const int m = sim::ModelIndex(def.code);
    const std::string project(ProjectFor(def.area)->id);
    for (size_t month = 0; month < series.size(); ++month) {
      const sim::Count& c = series[month][static_cast<size_t>(m)];
      out += CsvRow({project, def.code, MonthLabel(start + static_cast<int>(month)),
                     std::to_string(c.numerator), std::to_string(c.denominator)});
    }
  }
  return out;
}

std::string NoteMarkdown(const sim::NoteDraft& note, const std::string& id) {
  std::string tags;
  for (size_t i = 0; i < note.tags.size(); ++i) tags += (i ? ", " : "") + note.tags[i];
  return "---\nid: " + id + "\ntitle: " + note.title + "\nkind: " + note.kind +
         "\narea: " + AreaName(note.area) + "\ntags: [" + tags +
         "]\nscope: lls\nproject: " + std::string(ProjectFor(note.area)->id) + "\n---\n" +
         note.text + "\n";
}

// The figures a trust's change-idea note quotes: pooled rates before and after its change.
sim::ChangeOutcome Outcome(const sim::TrustPlan& plan, const sim::Series& series, int start) {
  sim::ChangeOutcome out;
  out.package = plan.change;
  out.month = MonthName(start + plan.change_month);
  out.months_before = plan.change_month;
  out.months_after = static_cast<int>(series.size()) - plan.change_month;
  for (const sim::Effect& effect : plan.change->effects) {
    const size_t m = static_cast<size_t>(sim::ModelIndex(effect.code));
    uint64_t num[2] = {0, 0}, den[2] = {0, 0};
    for (size_t month = 0; month < series.size(); ++month) {
      int side = static_cast<int>(month) >= plan.change_month ? 1 : 0;
      num[side] += series[month][m].numerator;
      den[side] += series[month][m].denominator;
    }
    out.percents.emplace_back(Percent(num[0], den[0]), Percent(num[1], den[1]));
  }
  return out;
}

// "north-east" -> "North East"; "NE" for the organisation code.
std::string DisplayPrefix(std::string_view prefix) {
  std::string out;
  bool word_start = true;
  for (char c : prefix) {
    if (c == '-' || c == '_' || c == '.') {
      if (!out.empty() && out.back() != ' ') out += ' ';
      word_start = true;
      continue;
    }
    out += word_start && c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c;
    word_start = false;
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out.empty() ? std::string(prefix) : out;
}

// A synthetic ODS-like code: "Z", the prefix's initials (up to three, upper case), the trust's
// number: "ZN1" for trust-north-1, "ZNE2" for trust-north-east-2. NHS trusts' ODS codes start
// with R or T; Z marks these as made up (the display name says "(synthetic)" too).
std::string OrganisationCode(std::string_view prefix, int index) {
  std::string code = "Z";
  bool word_start = true;
  for (char c : prefix) {
    bool alnum = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (!alnum) {
      word_start = true;
      continue;
    }
    if (word_start && code.size() < 4) {
      code += c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c;
    }
    word_start = false;
  }
  if (code.size() == 1) code += 'X';
  return code + std::to_string(index);
}

// The step as the manifest states it: in the measure's unit (percentage points, or per 1000),
// to one decimal place.
double EffectInUnit(const MeasureDefinition& def, double step) {
  double scale = def.unit == "per 1000" ? 1000.0 : 100.0;
  return std::round(step * scale * 10.0) / 10.0;
}

struct TrustOutput {
  std::string name;
  std::vector<sim::NoteDraft> notes;
  ordered_json manifest;
};

// The areas the catalogue's measures belong to, in its order; kInternal when the simulator
// cannot cover the catalogue (a measure without a model, an area without a project) or a
// change idea would move a measure against its improvement direction.
Result<std::vector<ClinicalArea>> CatalogueAreas(const MeasureCatalogue& catalogue) {
  std::vector<ClinicalArea> areas;
  for (const MeasureDefinition& def : catalogue.measures) {
    if (sim::ModelIndex(def.code) < 0) {
      return Status(Code::kInternal, "no simulation model for measure " + def.code);
    }
    if (!ProjectFor(def.area)) {
      return Status(Code::kInternal, "no simulated project for the area of " + def.code);
    }
    if (std::find(areas.begin(), areas.end(), def.area) == areas.end()) areas.push_back(def.area);
  }
  for (const sim::ChangePackage& package : sim::ChangePackages()) {
    for (const sim::Effect& effect : package.effects) {
      const MeasureDefinition* def = FindMeasure(catalogue, effect.code);
      if (def && (effect.step > 0) != (def->improvement == Improvement::kIncrease)) {
        return Status(Code::kInternal, "change idea " + std::string(package.key) + " moves " +
                                           def->code + " against its improvement");
      }
    }
  }
  return areas;
}

// The manifest's "changes" for a trust: one entry per measure its change idea moves.
ordered_json ChangesJson(const sim::TrustPlan& plan, const MeasureCatalogue& catalogue, int start) {
  ordered_json changes = ordered_json::array();
  if (!plan.change) return changes;
  for (const sim::Effect& effect : plan.change->effects) {
    const MeasureDefinition* def = FindMeasure(catalogue, effect.code);
    if (!def) continue;
    changes.push_back({{"measure", def->code},
                       {"month", MonthLabel(start + plan.change_month)},
                       {"effect", EffectInUnit(*def, effect.step)},
                       {"unit", def->unit == "per 1000" ? "per 1000" : "percentage points"},
                       {"idea", plan.change->idea}});
  }
  return changes;
}

// Planted identifiers: about a quarter of all the LLS's notes, at least one; the first such
// note holds every kind, the others two kinds each, drawn at random.
void PlantAcrossLls(std::vector<TrustOutput>& trusts, uint64_t seed) {
  Rng rng(sim::StreamSeed(seed, kIdentifierStream));
  std::vector<std::pair<size_t, size_t>> chosen;
  for (size_t t = 0; t < trusts.size(); ++t) {
    for (size_t n = 0; n < trusts[t].notes.size(); ++n) {
      if (rng.Bernoulli(kIdentifierShare)) chosen.emplace_back(t, n);
    }
  }
  if (chosen.empty()) {
    size_t t = rng.Below(trusts.size());
    chosen.emplace_back(t, rng.Below(trusts[t].notes.size()));
  }
  for (size_t i = 0; i < chosen.size(); ++i) {
    std::vector<std::string> kinds = sim::PlantableKinds();
    if (i > 0) {
      for (size_t k = kinds.size(); k > 1; --k) std::swap(kinds[k - 1], kinds[rng.Below(k)]);
      kinds.resize(2);
    }
    sim::PlantIdentifiers(trusts[chosen[i].first].notes[chosen[i].second], kinds, rng);
  }
}

// Adds the trust's note files to `files` and its "files" entry to its manifest.
void AddNoteFiles(TrustOutput& t, std::vector<SimulatedFile>& files) {
  ordered_json learning = ordered_json::array();
  for (size_t n = 0; n < t.notes.size(); ++n) {
    const sim::NoteDraft& note = t.notes[n];
    const std::string number = (n + 1 < 10 ? "0" : "") + std::to_string(n + 1);
    const std::string id = "L-" + number;
    const std::string path = t.name + "/learning/" + number + "-" + note.slug + ".md";
    files.push_back({path, NoteMarkdown(note, id)});
    learning.push_back({{"path", path},
                        {"id", id},
                        {"area", AreaName(note.area)},
                        {"kind", note.kind},
                        {"identifiers", note.identifiers}});
  }
  t.manifest["files"] = {{"projects", t.name + "/projects.csv"},
                         {"counts", t.name + "/counts.csv"},
                         {"learning", learning}};
}

}  // namespace

std::string EffectivePrefix(const SimulateOptions& options) {
  if (!options.prefix.empty()) return options.prefix;
  std::string_view lls = options.lls;
  if (lls.substr(0, 4) == "lls-") lls.remove_prefix(4);
  return std::string(lls);
}

Status ValidateSimulateOptions(const SimulateOptions& options) {
  if (!IsName(options.lls, 64)) {
    return Status(Code::kInvalidArgument,
                  "--lls '" + options.lls + "' must be 1-64 characters of A-Z a-z 0-9 . _ -");
  }
  if (!options.prefix.empty() && !IsName(options.prefix, 40)) {
    return Status(Code::kInvalidArgument,
                  "--prefix '" + options.prefix + "' must be 1-40 characters of A-Z a-z 0-9 . _ -");
  }
  if (!IsName(EffectivePrefix(options), 40)) {
    return Status(Code::kInvalidArgument,
                  "--lls '" + options.lls +
                      "' gives no usable trust prefix (1-40 characters after 'lls-'); give "
                      "--prefix");
  }
  if (options.trusts < 1 || options.trusts > kMaxSimulatedTrusts) {
    return Status(Code::kInvalidArgument,
                  "--trusts must be 1-" + std::to_string(kMaxSimulatedTrusts));
  }
  if (options.months < 1 || options.months > kMaxSimulatedMonths) {
    return Status(Code::kInvalidArgument,
                  "--months must be 1-" + std::to_string(kMaxSimulatedMonths));
  }
  std::optional<int> start = ParseMonth(options.start);
  if (!start) {
    return Status(Code::kInvalidArgument,
                  "--start '" + options.start + "' must be a month as YYYY-MM (1900-2099)");
  }
  if (*start + options.months - 1 > 2099 * 12 + 11) {
    return Status(Code::kInvalidArgument, "--start and --months run past 2099-12");
  }
  return Status::Ok();
}

Result<std::vector<SimulatedFile>> Simulate(const SimulateOptions& options,
                                            const MeasureCatalogue& catalogue) {
  if (Status s = ValidateSimulateOptions(options); !s.ok()) return s;
  Result<std::vector<ClinicalArea>> areas = CatalogueAreas(catalogue);
  if (!areas.ok()) return areas.status();

  const std::string prefix = EffectivePrefix(options);
  const int start = *ParseMonth(options.start);
  // The LLS's name is part of the seed: two LLSs simulated with the same --seed differ.
  const uint64_t seed = sim::StreamSeed(options.seed, sim::HashName(options.lls));

  std::vector<SimulatedFile> files(1);  // manifest.json goes first, written last
  std::vector<TrustOutput> trusts;
  for (const sim::TrustPlan& plan : sim::PlanTrusts(seed, options.trusts, options.months)) {
    TrustOutput t;
    t.name = "trust-" + prefix + "-" + std::to_string(plan.index);
    const uint64_t index = static_cast<uint64_t>(plan.index);
    const sim::Series series = sim::SimulateCounts(plan, seed, options.months);
    Rng project_rng(sim::StreamSeed(seed, kProjectStream, index));
    files.push_back(
        {t.name + "/projects.csv", ProjectsCsv(*areas, plan, start, options.months, project_rng)});
    files.push_back({t.name + "/counts.csv", CountsCsv(catalogue, series, start)});

    std::optional<sim::ChangeOutcome> outcome;
    if (plan.change) outcome = Outcome(plan, series, start);
    Rng note_rng(sim::StreamSeed(seed, kNoteStream, index));
    t.notes = sim::DraftNotes(outcome, note_rng);
    t.manifest = {{"name", t.name},
                  {"display_name",
                   DisplayPrefix(prefix) + " Trust " + std::to_string(plan.index) + " (synthetic)"},
                  {"organisation", OrganisationCode(prefix, plan.index)},
                  {"size", sim::SizeName(plan.size)},
                  {"births_per_month", plan.births_per_month},
                  {"changes", ChangesJson(plan, catalogue, start)}};
    trusts.push_back(std::move(t));
  }
  PlantAcrossLls(trusts, seed);

  ordered_json manifest_trusts = ordered_json::array();
  for (TrustOutput& t : trusts) {
    AddNoteFiles(t, files);
    manifest_trusts.push_back(std::move(t.manifest));
  }
  ordered_json manifest = {{"seed", options.seed},
                           {"lls", options.lls},
                           {"prefix", prefix},
                           {"start", MonthLabel(start)},
                           {"end", MonthLabel(start + options.months - 1)},
                           {"months", options.months},
                           {"synthetic", true},
                           {"generator", "lls simulate (docs/simulate.md)"},
                           {"trusts", manifest_trusts}};
  files[0] = {"manifest.json", manifest.dump(2) + "\n"};
  return files;
}

}  // namespace lls::tools
