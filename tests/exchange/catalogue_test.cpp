#include <catch2/catch.hpp>

#include <set>

#include "exchange/catalogue.h"

namespace lls {
namespace {

TEST_CASE("the built-in catalogue covers the five clinical areas, each entry sourced", "[catalogue]") {
  const MeasureCatalogue& catalogue = BuiltInCatalogue();
  CHECK(catalogue.version >= 1);
  std::set<ClinicalArea> areas;
  for (const MeasureDefinition& m : catalogue.measures) {
    INFO(m.code);
    areas.insert(m.area);
    CHECK_FALSE(m.source.empty());
    CHECK_FALSE(m.numerator_definition.empty());
    CHECK_FALSE(m.denominator_definition.empty());
  }
  CHECK(areas == std::set<ClinicalArea>{ClinicalArea::kSmokeFreePregnancy,
                                        ClinicalArea::kVeryPretermInfant,
                                        ClinicalArea::kDiabetesInPregnancy,
                                        ClinicalArea::kNeonatalHypoglycaemia,
                                        ClinicalArea::kDeterioration});
  const MeasureDefinition* satod = FindMeasure(catalogue, "SATOD");
  REQUIRE(satod != nullptr);
  CHECK(satod->improvement == Improvement::kDecrease);
  CHECK(FindMeasure(catalogue, "satod") == nullptr);  // codes are exact
  CHECK(FindMeasure(catalogue, "NOPE") == nullptr);
  CHECK_THAT(KnownCodes(catalogue), Catch::StartsWith("SATOD, CO_BOOKING"));
}

TEST_CASE("catalogue files are checked entry by entry", "[catalogue]") {
  const std::string good_entry =
      R"({"code":"X","name":"n","area":"deterioration","numerator":"a","denominator":"b",)"
      R"("unit":"percent","improvement":"increase","source":"s"})";
  auto ok = ParseCatalogue(R"({"version":2,"measures":[)" + good_entry + "]}", "c.json");
  REQUIRE(ok.ok());
  CHECK(ok->version == 2);
  CHECK(ok->measures.size() == 1);

  auto dup = ParseCatalogue(R"({"version":2,"measures":[)" + good_entry + "," + good_entry + "]}",
                            "c.json");
  REQUIRE_FALSE(dup.ok());
  CHECK_THAT(dup.status().message(), Catch::Contains("measures[1]: duplicate code 'X'"));

  std::string misspelt = good_entry;
  misspelt.replace(misspelt.find("\"unit\""), 6, "\"units\"");
  auto unknown = ParseCatalogue(R"({"version":2,"measures":[)" + misspelt + "]}", "c.json");
  REQUIRE_FALSE(unknown.ok());
  CHECK_THAT(unknown.status().message(), Catch::Contains("unknown key 'units'"));

  std::string bad_area = good_entry;
  bad_area.replace(bad_area.find("deterioration"), 13, "cardiology");
  CHECK_FALSE(ParseCatalogue(R"({"version":2,"measures":[)" + bad_area + "]}", "c.json").ok());
  CHECK_FALSE(ParseCatalogue("[]", "c.json").ok());
}

}  // namespace
}  // namespace lls
