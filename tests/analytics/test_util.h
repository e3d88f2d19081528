// Small helpers for the analytics tests: building series and reading results.
#pragma once

#include <string>
#include <vector>

#include "analytics/spc.h"

namespace lls::analytics::test {

// Observations named "1", "2", ... in order.
inline std::vector<Observation> Series(const std::vector<double>& values) {
  std::vector<Observation> out;
  for (size_t i = 0; i < values.size(); ++i) out.push_back({std::to_string(i + 1), values[i]});
  return out;
}

inline std::vector<Proportion> Proportions(const std::vector<double>& numerators,
                                           const std::vector<double>& denominators) {
  std::vector<Proportion> out;
  for (size_t i = 0; i < numerators.size(); ++i) {
    out.push_back({std::to_string(i + 1), numerators[i], denominators[i]});
  }
  return out;
}

// Appends `tail` to `head`.
inline std::vector<double> Concat(std::vector<double> head, const std::vector<double>& tail) {
  head.insert(head.end(), tail.begin(), tail.end());
  return head;
}

}  // namespace lls::analytics::test
