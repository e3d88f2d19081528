#include "tools/simulate_model.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>

#include "tools/simulate_random.h"

namespace lls::tools::sim {

namespace {

// Stream tags for StreamSeed: one sequence per purpose.
constexpr uint64_t kPlanStream = 1, kTrustStream = 2, kCountStream = 3;

// -------------------------------------------------------------------------------------------
// Populations, as fractions of a trust's births or bookings. measures.md names where each
// measure is defined but gives no population sizes, so every fraction here is assumed, from
// general knowledge of English maternity services, and says why.

// Maternities per birth: twins count once; about 1.5% of births are in a multiple birth.
constexpr double kMaternityPerBirth = 0.985;
// Bookings per birth: some women booked miscarry, move away or give birth elsewhere.
constexpr double kBookingsPerBirth = 1.05;
// Women booked with CO above 4 ppm: close to the share who smoke at booking (roughly 1 in 10).
constexpr double kCoAbove4PerBooking = 0.10;
// Babies born 23+0 to 33+6 weeks: about 2.5% of births in an average unit ...
constexpr double kBelow34PerBirth = 0.025;
// ... scaled by where very preterm babies are born: a large trust is taken to host the LLS's
// neonatal intensive care unit and receive in-utero transfers; a small unit transfers out.
double PretermFactor(TrustSize size) {
  switch (size) {
    case TrustSize::kLarge:
      return 1.8;
    case TrustSize::kMedium:
      return 1.0;
    case TrustSize::kSmall:
      return 0.6;
  }
  return 1.0;
}
// Nested gestations, as shares of the group above: below 32 weeks about 1.2% of births,
// below 30 about 0.7%, below 27 about 0.25%; 95% of those below 32 are admitted.
constexpr double kBelow32PerBelow34 = 0.48;
constexpr double kBelow30PerBelow32 = 0.58;
constexpr double kBelow27PerBelow30 = 0.36;
constexpr double kAdmittedPerBelow32 = 0.95;
// Term live births: births less preterm births (about 7.5%) and stillbirths.
constexpr double kTermPerBirth = 0.92;
// Pre-existing (type 1 or 2) diabetes: about 1 woman in 100 booked; 85% have an
// early-pregnancy HbA1c recorded.
constexpr double kDiabetesPerBooking = 0.01;
constexpr double kHba1cPerDiabetes = 0.85;
// At least one NICE NG3 risk factor for gestational diabetes (BMI above 30, family history,
// ethnicity, previous GDM or large baby): common, about a third of women booked.
constexpr double kGdmRiskPerBooking = 0.35;

// Observation charts audited a month: audits take a fixed sample, larger in larger units.
uint32_t AuditCharts(TrustSize size) {
  switch (size) {
    case TrustSize::kLarge:
      return 30;
    case TrustSize::kMedium:
      return 20;
    case TrustSize::kSmall:
      return 10;
  }
  return 10;
}

// Mean births a month by size. England has about 600,000 births a year across some 120 trusts
// with maternity services (about 420 a month each on average); "large" is a tertiary unit of
// 6,000-8,000 births a year, "small" a unit of 1,100-1,600, where counts of 1-7 are common.
std::pair<double, double> BirthsRange(TrustSize size) {
  switch (size) {
    case TrustSize::kLarge:
      return {520, 680};
    case TrustSize::kMedium:
      return {280, 380};
    case TrustSize::kSmall:
      return {90, 130};
  }
  return {90, 130};
}

// Per-trust variation: each trust's odds for each measure are the baseline odds times a factor
// between 1/1.4 and 1.4 (trusts differ, but all sit near the national picture).
constexpr double kTrustOddsSpread = 0.4;

}  // namespace

const char* SizeName(TrustSize size) {
  switch (size) {
    case TrustSize::kLarge:
      return "large";
    case TrustSize::kMedium:
      return "medium";
    case TrustSize::kSmall:
      return "small";
  }
  return "unknown";
}

// -------------------------------------------------------------------------------------------
// Baselines. measures.md (../shared/context/measures.md) names each measure's source but gives
// a level for only two (the SATOD ambition, the Scottish CO aim); the rest are assumed, each
// with its reason. All are rates before any change idea, for an average trust.
const std::vector<MeasureModel>& MeasureModels() {
  static const std::vector<MeasureModel> kModels = {
      // SATOD 8.5%: assumed. measures.md gives only the national ambition of 6% or less; a
      // baseline above the ambition is the position the programme set out to improve.
      {"SATOD", 0.085, Population::kMaternities, {}},
      // CO at booking 82%: assumed, below the 95% that measures.md reports as Scotland's aim.
      {"CO_BOOKING", 0.82, Population::kBookings, {}},
      // Referral of women with CO > 4 ppm 50%: assumed (measures.md: no figure); opt-in
      // referral, where the midwife must ask, typically loses about half.
      {"SMOKING_REFERRAL", 0.50, Population::kCoAbove4, {}},
      // Very preterm measures: measures.md cites NNAP 2021 for the definitions but gives no
      // rates; assumed, high for long-established practice (steroids, magnesium, place of
      // birth), lower for the newer cord-clamping and normothermia measures.
      {"ANTENATAL_STEROIDS", 0.88, Population::kBelow34, {}},
      {"MAGNESIUM_SULPHATE", 0.82, Population::kBelow30, {}},
      {"PLACE_OF_BIRTH", 0.75, Population::kBelow27, {}},
      {"DEFERRED_CORD_CLAMPING", 0.35, Population::kBelow32, {}},
      {"NORMOTHERMIA", 0.72, Population::kBelow32Admitted, {}},
      // Term admissions 60 per 1000 (6%): assumed; measures.md cites ATAIN without a figure.
      {"TERM_ADMISSIONS", 0.060, Population::kTermLiveBirths, {}},
      // Admissions primarily for hypoglycaemia 8 per 1000: assumed, one of the commonest
      // reasons for a term admission (measures.md cites the BAPM framework without a figure).
      {"TERM_ADMISSIONS_HYPOGLYCAEMIA", 0.008, Population::kTermLiveBirths, "TERM_ADMISSIONS"},
      // Diabetes measures are candidates without national programme figures (measures.md);
      // assumed: a minority reach the HbA1c target, well under half take 5 mg folic acid
      // before conception, most women with risk factors are tested.
      {"HBA1C_EARLY_PREGNANCY", 0.25, Population::kDiabetesHba1c, {}},
      {"FOLIC_ACID_5MG", 0.40, Population::kDiabetesBooked, {}},
      {"GDM_TESTING", 0.80, Population::kGdmRisk, {}},
      // Deterioration measures are candidates without national figures (measures.md);
      // assumed: chart audits commonly start around two thirds complete.
      {"MEWS_COMPLIANCE", 0.70, Population::kMaternalAudit, {}},
      {"NEWTT2_COMPLIANCE", 0.65, Population::kNewbornAudit, {}},
  };
  return kModels;
}

int ModelIndex(std::string_view code) {
  const std::vector<MeasureModel>& models = MeasureModels();
  for (size_t i = 0; i < models.size(); ++i) {
    if (models[i].code == code) return static_cast<int>(i);
  }
  return -1;
}

// -------------------------------------------------------------------------------------------
// Change ideas, each with a step in the measure's improvement direction. The steps are
// assumed (measures.md has no effect sizes): large for process changes that remove a step
// where care depended on someone remembering, as QI reports of such changes describe. Outcome
// measures (SATOD, term admissions) are not stepped: a single trust's step in them would not
// stand out of two years of monthly noise (kMinVisibility), so no coach would pick them as a
// project's first measure.
const std::vector<ChangePackage>& ChangePackages() {
  static const std::vector<ChangePackage> kPackages = {
      {"opt-out-referral",
       ClinicalArea::kSmokeFreePregnancy,
       "Opt-out referral to stop-smoking support for every woman with CO above 4 ppm",
       {{"SMOKING_REFERRAL", +0.35}}},  // 50% -> 85%: the referral no longer has to be offered
      {"co-monitor-every-room",
       ClinicalArea::kSmokeFreePregnancy,
       "A CO monitor in every antenatal clinic room and a CO step in the booking template",
       {{"CO_BOOKING", +0.10}}},  // 82% -> 92%, towards the 95% aim
      {"cord-clamping-timer",
       ClinicalArea::kVeryPretermInfant,
       "A timer on every resuscitaire and cord clamping in the preterm birth huddle",
       {{"DEFERRED_CORD_CLAMPING", +0.35}}},  // 35% -> 70%
      {"observation-huddle",
       ClinicalArea::kDeterioration,
       "Daily safety huddle reviewing maternal and newborn observation charts",
       {{"MEWS_COMPLIANCE", +0.20}, {"NEWTT2_COMPLIANCE", +0.20}}},  // 70 -> 90, 65 -> 85
      {"gdm-booking-checklist",
       ClinicalArea::kDiabetesInPregnancy,
       "Glucose tolerance test booked at the booking appointment from a risk-factor checklist",
       {{"GDM_TESTING", +0.10}}},  // 80% -> 90%
  };
  return kPackages;
}

namespace {

double ApplyOddsFactor(double p, double factor) {
  double odds = p / (1 - p) * factor;
  return odds / (1 + odds);
}

// Expected monthly size of a population for a trust (the means of the draws in
// SimulateCounts), for planning which steps would be visible.
double ExpectedPopulation(Population population, double births, TrustSize size) {
  const double bookings = births * kBookingsPerBirth;
  const double below34 = births * kBelow34PerBirth * PretermFactor(size);
  const double below32 = below34 * kBelow32PerBelow34;
  switch (population) {
    case Population::kMaternities:
      return births * kMaternityPerBirth;
    case Population::kBookings:
      return bookings;
    case Population::kCoAbove4:
      return bookings * kCoAbove4PerBooking;
    case Population::kBelow34:
      return below34;
    case Population::kBelow32:
      return below32;
    case Population::kBelow32Admitted:
      return below32 * kAdmittedPerBelow32;
    case Population::kBelow30:
      return below32 * kBelow30PerBelow32;
    case Population::kBelow27:
      return below32 * kBelow30PerBelow32 * kBelow27PerBelow30;
    case Population::kTermLiveBirths:
      return births * kTermPerBirth;
    case Population::kDiabetesBooked:
      return bookings * kDiabetesPerBooking;
    case Population::kDiabetesHba1c:
      return bookings * kDiabetesPerBooking * kHba1cPerDiabetes;
    case Population::kGdmRisk:
      return bookings * kGdmRiskPerBooking;
    case Population::kMaternalAudit:
    case Population::kNewbornAudit:
      return AuditCharts(size);
  }
  return 0;
}

// How many standard errors the package's weakest step would stand out by, comparing the
// pooled rate over months [0, change) with [change, months).
double Visibility(const TrustPlan& plan, const ChangePackage& package, int change, int months) {
  double weakest = 1e9;
  for (const Effect& effect : package.effects) {
    int m = ModelIndex(effect.code);
    if (m < 0) return 0;
    const MeasureModel& model = MeasureModels()[m];
    double n = ExpectedPopulation(model.population, plan.births_per_month, plan.size);
    if (n <= 0) return 0;
    double p0 = plan.rates[m], p1 = std::clamp(p0 + effect.step, 0.0, 1.0);
    double se = std::sqrt(p0 * (1 - p0) / (n * change) + p1 * (1 - p1) / (n * (months - change)));
    weakest = std::min(weakest, se > 0 ? std::abs(effect.step) / se : 1e9);
  }
  return weakest;
}

TrustSize SizeFor(int index, int trusts) {
  // Large, medium, small in turn; with fewer than three trusts the last is small, so every
  // LLS has a small unit whose counts are often 1-7 (and suppressed when published).
  if (trusts < 3 && index == trusts) return TrustSize::kSmall;
  switch ((index - 1) % 3) {
    case 0:
      return TrustSize::kLarge;
    case 1:
      return TrustSize::kMedium;
    default:
      return TrustSize::kSmall;
  }
}

TrustPlan MakeTrust(uint64_t seed, int index, int trusts) {
  Rng rng(StreamSeed(seed, kTrustStream, static_cast<uint64_t>(index)));
  TrustPlan plan;
  plan.index = index;
  plan.size = SizeFor(index, trusts);
  auto [lo, hi] = BirthsRange(plan.size);
  plan.births_per_month = static_cast<uint32_t>(rng.Between(lo, hi) + 0.5);
  for (const MeasureModel& model : MeasureModels()) {
    double u = rng.Between(-1, 1);
    double factor = u >= 0 ? 1 + kTrustOddsSpread * u : 1 / (1 - kTrustOddsSpread * u);
    plan.rates.push_back(ApplyOddsFactor(model.baseline, factor));
  }
  return plan;
}

}  // namespace

std::vector<TrustPlan> PlanTrusts(uint64_t seed, int trusts, int months) {
  std::vector<TrustPlan> plans;
  for (int i = 1; i <= trusts; ++i) plans.push_back(MakeTrust(seed, i, trusts));

  // Changes take effect in the middle third of the series, so both sides have at least a
  // third of the months. With one month there is no "before and after".
  const int first = (months + 2) / 3, last = (2 * months) / 3;
  if (months < 2 || first > last) return plans;

  Rng rng(StreamSeed(seed, kPlanStream));
  const std::vector<ChangePackage>& packages = ChangePackages();
  std::vector<size_t> order(packages.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  for (size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[rng.Below(i)]);

  // Each trust adopts with probability one half; adopters take the next package in the
  // shuffled order that would be visible for them, so neighbours tend to try different ideas.
  size_t cursor = 0;
  std::vector<int> months_drawn(plans.size());
  for (TrustPlan& plan : plans) {
    bool adopts = rng.Bernoulli(0.5);
    int change = first + static_cast<int>(rng.Below(static_cast<uint64_t>(last - first + 1)));
    months_drawn[plan.index - 1] = change;
    if (!adopts) continue;
    for (size_t k = 0; k < order.size(); ++k) {
      const ChangePackage& package = packages[order[(cursor + k) % order.size()]];
      if (Visibility(plan, package, change, months) >= kMinVisibility) {
        plan.change = &package;
        plan.change_month = change;
        cursor = (cursor + k + 1) % order.size();
        break;
      }
    }
  }
  auto adopted = [&] {
    return std::count_if(plans.begin(), plans.end(), [](const TrustPlan& p) { return p.change; });
  };
  if (adopted() == 0) {
    // At least one: a trust drawn at random takes the package that shows best for it.
    TrustPlan& plan = plans[rng.Below(plans.size())];
    int change = months_drawn[plan.index - 1];
    double best = -1;
    for (const ChangePackage& package : packages) {
      double v = Visibility(plan, package, change, months);
      if (v > best) {
        best = v;
        plan.change = &package;
      }
    }
    plan.change_month = change;
  } else if (plans.size() >= 2 && adopted() == static_cast<std::ptrdiff_t>(plans.size())) {
    // Not all: one trust drawn at random keeps its practice, as a comparison.
    TrustPlan& plan = plans[rng.Below(plans.size())];
    plan.change = nullptr;
    plan.change_month = 0;
  }
  return plans;
}

Series SimulateCounts(const TrustPlan& plan, uint64_t seed, int months) {
  Rng rng(StreamSeed(seed, kCountStream, static_cast<uint64_t>(plan.index)));
  const std::vector<MeasureModel>& models = MeasureModels();
  Series series;
  for (int month = 0; month < months; ++month) {
    // Births and bookings vary like Poisson counts around the trust's means.
    const uint32_t births = rng.CountAround(plan.births_per_month);
    const uint32_t bookings = rng.CountAround(plan.births_per_month * kBookingsPerBirth);
    std::array<uint32_t, kPopulationCount> pop{};
    auto at = [&](Population p) -> uint32_t& { return pop[static_cast<size_t>(p)]; };
    at(Population::kMaternities) = rng.Binomial(births, kMaternityPerBirth);
    at(Population::kBookings) = bookings;
    at(Population::kCoAbove4) = rng.Binomial(bookings, kCoAbove4PerBooking);
    at(Population::kBelow34) = rng.Binomial(births, kBelow34PerBirth * PretermFactor(plan.size));
    at(Population::kBelow32) = rng.Binomial(at(Population::kBelow34), kBelow32PerBelow34);
    at(Population::kBelow32Admitted) = rng.Binomial(at(Population::kBelow32), kAdmittedPerBelow32);
    at(Population::kBelow30) = rng.Binomial(at(Population::kBelow32), kBelow30PerBelow32);
    at(Population::kBelow27) = rng.Binomial(at(Population::kBelow30), kBelow27PerBelow30);
    at(Population::kTermLiveBirths) = rng.Binomial(births, kTermPerBirth);
    at(Population::kDiabetesBooked) = rng.Binomial(bookings, kDiabetesPerBooking);
    at(Population::kDiabetesHba1c) =
        rng.Binomial(at(Population::kDiabetesBooked), kHba1cPerDiabetes);
    at(Population::kGdmRisk) = rng.Binomial(bookings, kGdmRiskPerBooking);
    at(Population::kMaternalAudit) = AuditCharts(plan.size);
    at(Population::kNewbornAudit) = AuditCharts(plan.size);

    // This month's rates: the trust's own, plus its change idea's steps once adopted.
    std::vector<double> rates = plan.rates;
    if (plan.change && month >= plan.change_month) {
      for (const Effect& effect : plan.change->effects) {
        int m = ModelIndex(effect.code);
        if (m >= 0) rates[m] = std::clamp(rates[m] + effect.step, 0.0, 1.0);
      }
    }
    std::vector<Count> counts(models.size());
    for (size_t m = 0; m < models.size(); ++m) {
      const MeasureModel& model = models[m];
      Count& c = counts[m];
      c.denominator = at(model.population);
      int parent = model.part_of.empty() ? -1 : ModelIndex(model.part_of);
      if (parent >= 0) {
        // A subset of the parent's numerator, with the share that gives this measure's rate.
        double share = rates[parent] > 0 ? std::min(1.0, rates[m] / rates[parent]) : 0;
        c.numerator = rng.Binomial(counts[parent].numerator, share);
      } else {
        c.numerator = rng.Binomial(c.denominator, rates[m]);
      }
    }
    series.push_back(std::move(counts));
  }
  return series;
}

}  // namespace lls::tools::sim
