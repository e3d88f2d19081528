// Helpers shared by the exchange tests (beyond tests/support/support.h): sample bodies.
#pragma once

#include <stdlib.h>

#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <string_view>
#include <thread>

#include "crypto/crypto.h"
#include "tests/support/support.h"
#include "schema/messages.h"
#include "schema/status.h"

namespace lls::test {

inline Bytes BytesOf(std::string_view text) { return Bytes(text.begin(), text.end()); }

inline ProjectSummary SampleSummary(const std::string& title = "CO screening at booking") {
  ProjectSummary s;
  s.project_id = "p-1";
  s.organisation = "RXX";
  s.title = title;
  s.area = ClinicalArea::kSmokeFreePregnancy;
  s.aim = "95% screened";
  s.change_ideas = {"opt-out referral"};
  s.pdsa_cycles = 3;
  s.stage = ProjectStage::kTesting;
  s.start_month = "2026-01";
  s.measures = {{"SATOD", {{"2026-01", 10, 140, false, false}}}};
  return s;
}

}  // namespace lls::test
