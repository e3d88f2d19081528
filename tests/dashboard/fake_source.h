// A Source filled with a fixed data set, for the dashboard's tests (the hub's real Source is
// tested by the integration tests). Thread-safe: a mutex guards everything. Each call can be
// made to fail by setting `fail`, and Health() by setting `unhealthy`.
#pragma once

#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "dashboard/source.h"

namespace lls::dashboard::test {

inline constexpr const char* kHostile = "<script>alert(1)</script>";

class FakeSource : public Source {
 public:
  // An LLS hub ("Test & Learn LLS") with three measures: SATOD (percent, lower is better,
  // target 6, 24 months with a gap in 2022-06 and a fall in 2023), COBOOK (percent, higher is
  // better, no target) and an empty one (NODATA); three trusts, one named kHostile.
  // With `national`, a national hub: the parts are LLSs whose cells carry ReceivedSignal.
  explicit FakeSource(bool national = false);

  Result<HubInfo> Info() override;
  Result<std::vector<MeasureInfo>> Measures() override;
  Result<std::optional<MeasureData>> Measure(const std::string& code) override;
  // As the hub's does: the measure without its parts.
  Result<std::optional<MeasureData>> MeasureSummary(const std::string& code) override;
  Result<std::vector<LearningEntry>> Learning() override;
  Result<std::vector<MemberEntry>> Members() override;
  Result<std::string> Metrics() override;
  Status Health() override;
  Result<std::optional<int64_t>> Version() override;

  void set_fail(bool fail);
  // What Version() says: nullopt (the default) lets nothing be kept.
  void set_version(std::optional<int64_t> version);
  void set_unhealthy(bool unhealthy);
  // How many times Measure() and MeasureSummary() were called.
  int measure_calls() const;
  int summary_calls() const;

  HubInfo info;
  std::vector<MeasureData> measures;
  std::vector<LearningEntry> learning;
  std::vector<MemberEntry> members;

 private:
  Status Check() const;
  mutable std::mutex mu_;
  bool fail_ = false;
  bool unhealthy_ = false;
  int measure_calls_ = 0;
  int summary_calls_ = 0;
  std::optional<int64_t> version_;
};

// The rates the fake puts in SATOD's main series (numerator, denominator per month; 0/0 gap).
std::vector<Cell> SatodCells();

}  // namespace lls::dashboard::test
