// The simulator's model of a trust's monthly counts (tools/simulate.h; docs/simulate.md).
//
// A trust has a size and a mean number of births a month. Each month its births (and bookings)
// are drawn around that mean; the populations each measure counts (maternities, babies born
// below 32 weeks, women with pre-existing diabetes, audited charts ...) are drawn from them as
// nested binomial subsets, so related denominators agree (fewer babies below 30 weeks than
// below 32). Each measure's numerator is Binomial(denominator, rate), where the rate is the
// measure's baseline moved by a per-trust factor, plus the step of a change idea from the month
// the trust adopted it. Baselines, fractions and steps, with their sources, are in
// simulate_model.cpp. Pure functions of their arguments; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "schema/messages.h"

namespace lls::tools::sim {

enum class TrustSize { kLarge, kMedium, kSmall };
const char* SizeName(TrustSize size);  // "large", "medium", "small"

// What a measure's denominator counts (see the fractions in simulate_model.cpp).
enum class Population {
  kMaternities,      // births at 24 weeks or more, twins once
  kBookings,         // women booked for antenatal care
  kCoAbove4,         // women booked with a CO reading above 4 ppm
  kBelow34,          // babies born 23+0 to 33+6 weeks
  kBelow32,          // babies born below 32 weeks
  kBelow32Admitted,  // ... of them admitted to a neonatal unit
  kBelow30,          // babies born below 30 weeks
  kBelow27,          // babies born below 27 weeks
  kTermLiveBirths,   // live births at 37 weeks or more
  kDiabetesBooked,   // women with pre-existing diabetes booked
  kDiabetesHba1c,    // ... of them with an early-pregnancy HbA1c recorded
  kGdmRisk,          // women booked with a risk factor for gestational diabetes
  kMaternalAudit,    // maternal observation charts audited
  kNewbornAudit,     // newborn observation charts audited
};
inline constexpr int kPopulationCount = 14;

struct MeasureModel {
  std::string_view code;  // a catalogue code
  double baseline;        // the rate, as a probability (percent / 100, per 1000 / 1000)
  Population population;  // what the denominator counts
  // A measure whose numerator is a subset of another's (term admissions for hypoglycaemia are
  // term admissions): drawn from that numerator, so it can never exceed it. Empty otherwise.
  std::string_view part_of;
};

// Every measure the simulator can produce, in drawing order (parents before their parts).
const std::vector<MeasureModel>& MeasureModels();

// The model's index for a code, or -1.
int ModelIndex(std::string_view code);

// One measure's step when a trust adopts a change idea: added to the rate as a probability
// (+0.10 is ten percentage points), in the measure's improvement direction.
struct Effect {
  std::string_view code;
  double step;
};

// A change idea a trust may adopt, with the measures it moves.
struct ChangePackage {
  std::string_view key;  // stable name, e.g. "opt-out-referral"
  ClinicalArea area;
  std::string_view idea;  // one line, for projects.csv's change_ideas and the manifest
  std::vector<Effect> effects;
};
const std::vector<ChangePackage>& ChangePackages();

struct TrustPlan {
  int index = 0;  // 1-based
  TrustSize size = TrustSize::kLarge;
  uint32_t births_per_month = 0;  // the trust's mean
  std::vector<double> rates;      // per MeasureModels() entry, before any change
  const ChangePackage* change = nullptr;
  int change_month = 0;  // month index (0 = the first month) the change takes effect
};

// A step is only planned where it would stand out of the trust's monthly noise: the expected
// before/after difference is at least this many standard errors (computed from the expected
// denominators). A trust that QI coaching would steer to a measure it can see move.
inline constexpr double kMinVisibility = 5.0;

// The trusts of one LLS: sizes, births, rates and who adopts which change idea when. With
// `months` >= 2, at least one trust adopts a change and, with two or more trusts, not all do.
std::vector<TrustPlan> PlanTrusts(uint64_t seed, int trusts, int months);

struct Count {
  uint32_t numerator = 0;
  uint32_t denominator = 0;
};

// counts[month][model index], for `months` months.
using Series = std::vector<std::vector<Count>>;
Series SimulateCounts(const TrustPlan& plan, uint64_t seed, int months);

}  // namespace lls::tools::sim
