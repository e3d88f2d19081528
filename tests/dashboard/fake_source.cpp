#include "fake_source.h"

#include <cstdio>

namespace lls::dashboard::test {

namespace {

std::string Period(int index) {  // 0 -> 2022-01
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02d", 2022 + index / 12, index % 12 + 1);
  return buf;
}

Cell MakeCell(int index, int64_t num, int64_t den, int64_t trusts) {
  Cell c;
  c.period = Period(index);
  c.numerator = num;
  c.denominator = den;
  c.trusts = den > 0 ? trusts : 0;
  return c;
}

Series Part(const std::string& name, const std::string& ods, double base, int64_t den) {
  Series s{name, "trust", ods, {}};
  for (int i = 0; i < 24; ++i) {
    const int64_t num = static_cast<int64_t>(den * (base + 0.01 * ((i * 7) % 5 - 2)));
    s.cells.push_back(MakeCell(i, num, den, 1));
  }
  return s;
}

}  // namespace

std::vector<Cell> SatodCells() {
  // About 11% for a year, then a fall to about 7%: a shift the XmR chart flags.
  const int64_t nums[24] = {110, 104, 117, 108, 113, 0,  106, 119, 111, 102, 115, 109,
                            75,  72,  70,  78,  69,  74, 71,  68,  73,  70,  66,  69};
  std::vector<Cell> cells;
  for (int i = 0; i < 24; ++i) {
    const int64_t den = i == 5 ? 0 : 1000;
    cells.push_back(MakeCell(i, i == 5 ? 0 : nums[i], den, 3));
  }
  cells[3].suppressed_cells = 1;
  return cells;
}

FakeSource::FakeSource(bool national) {
  info = HubInfo{"Test & Learn LLS", "lls", 1700000000000, 1234, 2, 4, 3};

  MeasureData satod;
  satod.measure = MeasureInfo{"SATOD",
                              "Smoking at time of delivery",
                              "smoke-free-pregnancy",
                              "percent",
                              "Women known to smoke at delivery",
                              "Maternities",
                              analytics::Direction::kDecrease,
                              100};
  satod.target = 6;
  satod.main = Series{"Test & Learn LLS", "lls", "", SatodCells()};
  satod.parts = {Part("North Trust", "RXA", 0.10, 400), Part(kHostile, "R\"X'B", 0.08, 350),
                 Part("South Trust", "RXC", 0.13, 250)};
  measures.push_back(satod);

  MeasureData co;
  co.measure = MeasureInfo{"COBOOK",
                           "CO monitoring at booking",
                           "smoke-free-pregnancy",
                           "percent",
                           "Women with a CO reading at booking",
                           "Women booked",
                           analytics::Direction::kIncrease,
                           100};
  co.main = Series{"Test & Learn LLS", "lls", "", {}};
  for (int i = 0; i < 12; ++i) co.main.cells.push_back(MakeCell(i, 800 + i * 3, 1000, 3));
  measures.push_back(co);

  MeasureData none;
  none.measure = MeasureInfo{"NODATA",
                             "A measure with no data",
                             "deterioration",
                             "per 1000",
                             "n",
                             "d",
                             analytics::Direction::kNeutral,
                             1000};
  none.main = Series{"Test & Learn LLS", "lls", "", {}};
  measures.push_back(none);

  learning = {LearningEntry{"ab01",
                            "Carbon monoxide screening at every visit",
                            "smoke-free-pregnancy",
                            kHostile,
                            "RXB",
                            "approved",
                            true,
                            {"co", "<b>tag</b>"},
                            "",
                            "We moved CO testing to every antenatal visit.",
                            1699990000000},
              LearningEntry{"ab00",
                            "Rejected idea",
                            "deterioration",
                            "North Trust",
                            "RXA",
                            "rejected",
                            false,
                            {},
                            "Contains a patient's name",
                            "…",
                            1699900000000}};
  members = {MemberEntry{"north", "North Trust", "RXA", "trust", "Test & Learn LLS", false, true,
                         1699999990000},
             MemberEntry{"hostile", kHostile, "R\"X'B", "trust", "Test & Learn LLS", false, false,
                         1699000000000},
             MemberEntry{"south", "South Trust", "RXC", "trust", "Test & Learn LLS", true, false,
                         std::nullopt},
             MemberEntry{"fac", "Facilitator", "", "facilitator", "Test & Learn LLS", false, true,
                         1700000000000}};
  if (national) {
    info.name = "National hub";
    info.tier = "national";
    MeasureData& satod = measures[0];
    satod.main.scope = "national";
    satod.main.kind = "national";
    for (Cell& c : satod.main.cells) c.llss = c.denominator > 0 ? 2 : 0;
    satod.parts.clear();
    for (const char* name : {"North LLS", "South LLS"}) {
      Series lls{name, "lls", "", SatodCells()};
      for (Cell& c : lls.cells) {
        if (c.denominator > 0)
          c.received = ReceivedSignal{10.5, 7.0, 14.0, "concern", "shift", "concern-low", "fail"};
      }
      satod.parts.push_back(lls);
    }
  }
}

Status FakeSource::Check() const {
  std::lock_guard<std::mutex> lock(mu_);
  if (fail_) return Status(Code::kIoError, "hub.db: disk I/O error");
  return Status::Ok();
}

void FakeSource::set_fail(bool fail) {
  std::lock_guard<std::mutex> lock(mu_);
  fail_ = fail;
}

void FakeSource::set_version(std::optional<int64_t> version) {
  std::lock_guard<std::mutex> lock(mu_);
  version_ = version;
}

Result<std::optional<int64_t>> FakeSource::Version() {
  LLS_RETURN_IF_ERROR(Check());
  std::lock_guard<std::mutex> lock(mu_);
  return version_;
}

void FakeSource::set_unhealthy(bool unhealthy) {
  std::lock_guard<std::mutex> lock(mu_);
  unhealthy_ = unhealthy;
}

Result<HubInfo> FakeSource::Info() {
  LLS_RETURN_IF_ERROR(Check());
  return info;
}

Result<std::vector<MeasureInfo>> FakeSource::Measures() {
  LLS_RETURN_IF_ERROR(Check());
  std::vector<MeasureInfo> out;
  for (const MeasureData& m : measures) out.push_back(m.measure);
  return out;
}

Result<std::optional<MeasureData>> FakeSource::Measure(const std::string& code) {
  LLS_RETURN_IF_ERROR(Check());
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++measure_calls_;
  }
  for (const MeasureData& m : measures) {
    if (m.measure.code == code) return std::optional<MeasureData>(m);
  }
  return std::optional<MeasureData>();
}

Result<std::optional<MeasureData>> FakeSource::MeasureSummary(const std::string& code) {
  LLS_RETURN_IF_ERROR(Check());
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++summary_calls_;
  }
  for (const MeasureData& m : measures) {
    if (m.measure.code != code) continue;
    MeasureData summary = m;
    summary.parts.clear();
    return std::optional<MeasureData>(std::move(summary));
  }
  return std::optional<MeasureData>();
}

int FakeSource::measure_calls() const {
  std::lock_guard<std::mutex> lock(mu_);
  return measure_calls_;
}

int FakeSource::summary_calls() const {
  std::lock_guard<std::mutex> lock(mu_);
  return summary_calls_;
}

Result<std::vector<LearningEntry>> FakeSource::Learning() {
  LLS_RETURN_IF_ERROR(Check());
  return learning;
}

Result<std::vector<MemberEntry>> FakeSource::Members() {
  LLS_RETURN_IF_ERROR(Check());
  return members;
}

Result<std::string> FakeSource::Metrics() {
  LLS_RETURN_IF_ERROR(Check());
  return std::string("# TYPE lls_hub_log_entries gauge\nlls_hub_log_entries 1234\n");
}

Status FakeSource::Health() {
  std::lock_guard<std::mutex> lock(mu_);
  if (unhealthy_) return Status(Code::kUnavailable, "the hub loop has not turned for 90 s");
  return Status::Ok();
}

}  // namespace lls::dashboard::test
