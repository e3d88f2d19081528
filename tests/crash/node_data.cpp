#include "tests/crash/node_data.h"

#include <cctype>
#include <cstdio>
#include <fstream>
#include <iterator>

namespace lls::crash {

namespace fs = std::filesystem;

namespace {

std::string Period(int month) {  // month 0 = 2023-01
  char text[24];
  std::snprintf(text, sizeof text, "%04d-%02d", 2023 + month / 12, month % 12 + 1);
  return text;
}

void WriteFile(const fs::path& path, const std::string& text, bool atomic) {
  const fs::path target = atomic ? fs::path(path.string() + ".tmp") : path;
  std::ofstream(target, std::ios::binary) << text;
  if (atomic) fs::rename(target, path);
}

// Plain words only: no digits, dates, names or titles the node's scrubber would flag.
const char* const kPhrases[] = {
    "the opt-out referral was offered at every booking appointment",
    "carbon monoxide readings were taken in the antenatal clinic",
    "the team met weekly to review the run chart",
    "midwives asked about smoking at each contact",
    "steroids were given sooner once the checklist was on the ward",
    "the huddle agreed one change to test next",
    "uptake rose after the leaflet was redesigned with families",
    "the pathway was simplified and the handover sheet shortened",
    "a reminder on the electronic record helped the night shift",
    "we stopped the change because it added work without benefit",
};
const char* const kTitles[] = {
    "Opt-out referral at booking", "Checklist for antenatal steroids",
    "Weekly review of the run chart", "Redesigned leaflet", "Shorter handover sheet",
};
const char* const kKinds[] = {"change-idea", "excellence", "error", "resource"};

}  // namespace

TrustData::TrustData(uint64_t seed) : rng_(seed) {
  projects_.push_back({"P-SF", "Smoke-free pathway", "smoke-free-pregnancy",
                       {"SATOD", "CO_BOOKING"}, 0});
  projects_.push_back({"P-VPI", "Preterm optimisation", "very-preterm-infant",
                       {"ANTENATAL_STEROIDS", "MAGNESIUM_SULPHATE"}, 0});
}

std::pair<uint32_t, uint32_t> TrustData::Counts() {
  const uint32_t den = std::uniform_int_distribution<uint32_t>(20, 400)(rng_);
  const int shape = std::uniform_int_distribution<int>(0, 9)(rng_);
  uint32_t num;
  if (shape < 2) {
    num = std::uniform_int_distribution<uint32_t>(0, 9)(rng_);  // often suppressed
  } else if (shape < 3) {
    num = den - std::uniform_int_distribution<uint32_t>(0, 9)(rng_);  // small complement
  } else {
    num = std::uniform_int_distribution<uint32_t>(0, den)(rng_);
  }
  return {num, den};
}

std::string TrustData::Sentence() {
  std::string text;
  const int n = std::uniform_int_distribution<int>(1, 4)(rng_);
  for (int i = 0; i < n; ++i) {
    std::string s = kPhrases[std::uniform_int_distribution<size_t>(0, std::size(kPhrases) - 1)(rng_)];
    s[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(s[0])));
    text += (i ? " " : "") + s + ".";
  }
  return text;
}

std::vector<fs::path> TrustData::Write(int cycle, const fs::path& dir, bool atomic) {
  char stem[24];
  std::snprintf(stem, sizeof stem, "c%04d-", cycle);
  std::vector<fs::path> files;
  std::bernoulli_distribution coin(0.5);
  if (cycle == 0) {
    std::string csv = "project,title,area,stage,start_month\n";
    for (const Project& p : projects_) csv += p.id + "," + p.title + "," + p.area + ",testing,2023-01\n";
    files.push_back(dir / (std::string(stem) + "1-projects.csv"));
    WriteFile(files.back(), csv, atomic);
  }
  // (project, measure, period) rows of this file; one row per key, as import requires.
  std::map<std::tuple<std::string, std::string, std::string>, std::pair<uint32_t, uint32_t>> rows;
  for (Project& p : projects_) {
    const int add = cycle == 0 ? 6 : (coin(rng_) ? 1 : 0);
    for (int m = p.months; m < p.months + add; ++m) {
      for (const std::string& measure : p.measures) rows[{p.id, measure, Period(m)}] = Counts();
    }
    p.months += add;
    if (cycle > 0 && p.months > 0 && coin(rng_)) {  // revise earlier months
      const int revisions = std::uniform_int_distribution<int>(1, 3)(rng_);
      for (int r = 0; r < revisions; ++r) {
        const int m = std::uniform_int_distribution<int>(0, p.months - 1)(rng_);
        const std::string& measure =
            p.measures[std::uniform_int_distribution<size_t>(0, p.measures.size() - 1)(rng_)];
        rows[{p.id, measure, Period(m)}] = Counts();
      }
    }
  }
  if (rows.empty()) {  // every cycle brings new counts
    Project& p = projects_[0];
    for (const std::string& measure : p.measures) rows[{p.id, measure, Period(p.months)}] = Counts();
    ++p.months;
  }
  std::string csv = "project,measure,period,numerator,denominator\n";
  for (const auto& [key, value] : rows) {
    const auto& [project, measure, period] = key;
    csv += project + "," + measure + "," + period + "," + std::to_string(value.first) + "," +
           std::to_string(value.second) + "\n";
    counts_[key] = value;
  }
  count_rows_ += static_cast<int64_t>(rows.size());
  files.push_back(dir / (std::string(stem) + "2-counts.csv"));
  WriteFile(files.back(), csv, atomic);

  if (cycle == 0 || coin(rng_)) {
    // A new note, or (a third of the time) a revision of an earlier one.
    std::string id;
    if (!notes_.empty() && std::uniform_int_distribution<int>(0, 2)(rng_) == 0) {
      id = notes_[std::uniform_int_distribution<size_t>(0, notes_.size() - 1)(rng_)];
    } else {
      id = "L-" + std::to_string(notes_.size() + 1);
      notes_.push_back(id);
    }
    const Project& p = projects_[std::uniform_int_distribution<size_t>(0, 1)(rng_)];
    std::string md = "---\nid: " + id + "\ntitle: " +
                     kTitles[std::uniform_int_distribution<size_t>(0, std::size(kTitles) - 1)(rng_)] +
                     "\nkind: " + kKinds[std::uniform_int_distribution<size_t>(0, 3)(rng_)] +
                     "\narea: " + p.area + "\ntags: [pathway, review]\nproject: " + p.id +
                     "\n---\n" + Sentence() + "\n";
    ++note_files_;
    files.push_back(dir / (std::string(stem) + "3-note.md"));
    WriteFile(files.back(), md, atomic);
  }
  return files;
}

std::map<std::pair<std::string, std::string>, MeasurePoint> TrustData::Controlled(
    const node::SuppressionRule& rule) const {
  std::map<std::pair<std::string, std::string>, MeasurePoint> points;
  for (const auto& [key, value] : counts_) {
    const auto& [project, measure, period] = key;
    points[{measure, period}] = node::ControlPoint(period, value.first, value.second, rule);
  }
  return points;
}

}  // namespace lls::crash
