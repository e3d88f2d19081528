// Synthetic exports of one trust for the node crash harness (node_crash.cpp): the files a
// trust's analyst would import, written cycle after cycle, and what the hub must end up with.
//
// Two projects with disjoint measures (smoke-free pregnancy: SATOD, CO_BOOKING; very preterm
// infant: ANTENATAL_STEROIDS, MAGNESIUM_SULPHATE), so each (measure, month) has one figure per
// trust and the hub's cell is a plain sum over trusts. Each cycle adds months, revises earlier
// ones (new counts for a month already sent), and sometimes adds or revises a learning note.
// Counts include small ones and small complements, so disclosure control suppresses some.
// Same index and seed, same files.
//
// Not thread-safe; one harness thread owns each TrustData.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <random>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "node/disclosure.h"
#include "schema/messages.h"

namespace lls::crash {

class TrustData {
 public:
  explicit TrustData(uint64_t seed);

  // Writes this cycle's export files into `dir` and returns them in import order. The names
  // are unique per cycle and sort in import order (c0007-1-projects.csv, c0007-2-counts.csv,
  // c0007-3-note.md), as the node's drop folder imports them. Cycle 0 also writes the
  // projects. With `atomic`, each file is written as NAME.tmp and renamed (the drop folder
  // skips .tmp files). The counts are recorded as the node will hold them once imported.
  std::vector<std::filesystem::path> Write(int cycle, const std::filesystem::path& dir,
                                           bool atomic);

  // (measure, period) -> the point the node publishes once every file written is imported:
  // the latest raw counts through `rule`.
  std::map<std::pair<std::string, std::string>, MeasurePoint> Controlled(
      const node::SuppressionRule& rule) const;

  int64_t count_rows() const { return count_rows_; }      // rows written, revisions included
  int64_t note_files() const { return note_files_; }      // notes written, revisions included

 private:
  struct Project {
    std::string id;
    std::string title;
    std::string area;
    std::vector<std::string> measures;
    int months = 0;  // months 0 .. months-1 have counts
  };
  std::pair<uint32_t, uint32_t> Counts();
  std::string Sentence();

  std::mt19937_64 rng_;
  std::vector<Project> projects_;
  std::map<std::tuple<std::string, std::string, std::string>, std::pair<uint32_t, uint32_t>>
      counts_;  // (project, measure, period) -> (numerator, denominator), the latest written
  std::vector<std::string> notes_;
  int64_t count_rows_ = 0;
  int64_t note_files_ = 0;
};

}  // namespace lls::crash
