// Summary import (first cut): a project's metadata and its monthly measure counts from JSON,
// turned into a ProjectSummary that is safe to leave the trust.
//
//   { "project": { "id": "SF-01", "title": "...", "area": "smoke-free-pregnancy",
//                  "aim": "...", "change_ideas": ["..."], "pdsa_cycles": 4,
//                  "stage": "testing", "start_month": "2026-01" },
//     "measures": [ { "code": "SATOD", "period": "2026-01",
//                     "numerator": 12, "denominator": 140 }, ... ] }
//
// All or nothing: any error refuses the whole file, naming the place. Anything that looks
// row-level (a key such as nhs_number, date_of_birth, patient_id, postcode) is refused.
// Counts pass through disclosure control; the local project id is replaced by a keyed
// pseudonym. Pure (the pseudonym function is passed in); thread-safe.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "node/disclosure.h"
#include "schema/messages.h"
#include "schema/status.h"

namespace lls::node {

using Pseudonymiser = std::function<std::string(std::string_view local_id)>;

Result<ProjectSummary> ImportSummaryJson(std::string_view text, const std::string& origin,
                                         const std::string& organisation,
                                         const SuppressionRule& rule,
                                         const Pseudonymiser& pseudonymise);

}  // namespace lls::node
