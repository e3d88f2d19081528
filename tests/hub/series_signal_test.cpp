// SeriesSignals: the XmR reading an LLS hub sends with each month, computed on complete months
// only (a denominator and no suppressed trust-month).
#include <catch2/catch.hpp>

#include "exchange/catalogue.h"
#include "hub/series_signal.h"

namespace lls::hub {
namespace {

AggregateRow Month(const std::string& period, int64_t n, int64_t d, int64_t suppressed = 0) {
  AggregateRow row;
  row.lls = "north";
  row.measure = "SATOD";
  row.period = period;
  row.trusts = d > 0 ? 2 : 0;
  row.numerator = n;
  row.denominator = d;
  row.suppressed_cells = suppressed;
  return row;
}

TEST_CASE("series readings skip partial and empty months", "[hub][spc]") {
  const MeasureDefinition* satod = FindMeasure(BuiltInCatalogue(), "SATOD");
  REQUIRE(satod != nullptr);
  // February has a suppressed trust-month: its sum (0 of 100) leans to zero events and is not
  // charted; March has no unsuppressed data at all.
  std::vector<AggregateRow> series = {Month("2026-01", 10, 100), Month("2026-02", 0, 100, 1),
                                      Month("2026-03", 0, 0, 2), Month("2026-04", 20, 100)};
  std::map<std::string, SpcSignal> signals = SeriesSignals(series, *satod);
  REQUIRE(signals.size() == 2);
  CHECK(signals.contains("2026-01"));
  CHECK(signals.contains("2026-04"));
  // April's reading is over January and April only: mean 15 %, one moving range of 10.
  const SpcSignal& april = signals.at("2026-04");
  CHECK(april.points == 2);
  CHECK(april.value == Approx(20.0));
  CHECK(april.centre == Approx(15.0));
  CHECK(april.upper == Approx(15.0 + 2.66 * 10));
  // Limits 15 -/+ 26.6 = -11.6 .. 41.6. Lower is better for SATOD: a target of -20 lies beyond
  // the limits on the better side, so the process will consistently miss it ("fail", 2); one of
  // 50 lies beyond them on the worse side, so it will consistently meet it ("pass", 1).
  CHECK(SeriesSignals(series, *satod, -20.0).at("2026-04").assurance == 2);
  CHECK(SeriesSignals(series, *satod, 50.0).at("2026-04").assurance == 1);
  CHECK(SeriesSignals(series, *satod, 10.0).at("2026-04").assurance == 3);  // hit and miss
  CHECK(april.assurance == 0);  // no target
}

}  // namespace
}  // namespace lls::hub
