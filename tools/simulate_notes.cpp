#include "tools/simulate_notes.h"

#include <algorithm>
#include <string_view>

namespace lls::tools::sim {

namespace {

struct NoteTemplate {
  std::string_view slug;
  ClinicalArea area;
  std::string_view kind;
  std::string_view title;
  std::vector<std::string_view> tags;
  std::string_view text;
};

// Notes any trust might write, two or three per area. Plain facts of practice; no people,
// dates with a day, places or numbers that the scrubber would take for an identifier.
const std::vector<NoteTemplate>& GeneralNotes() {
  static const std::vector<NoteTemplate> kNotes = {
      {"co-monitor-calibration",
       ClinicalArea::kSmokeFreePregnancy,
       "error",
       "CO monitors out of calibration gave low readings",
       {"co-monitoring", "equipment"},
       "Two of the community CO monitors had not been calibrated for several months and were "
       "reading low. Women who smoked were recorded below 4 ppm and so were never referred to "
       "stop-smoking support.\n\n"
       "We found it when the stop-smoking service noticed fewer referrals from one community "
       "team than from the others. All monitors now have a calibration log kept with the clinic "
       "equipment list, and the community matron checks it monthly.\n\n"
       "Learning: when a referral measure drops in one team only, check the equipment before "
       "the practice."},
      {"household-smoking",
       ClinicalArea::kSmokeFreePregnancy,
       "change-idea",
       "Asking about smoking in the household, not only the woman",
       {"smoke-free-home", "conversation"},
       "Carbon monoxide readings above 4 ppm in women who said they did not smoke were often "
       "explained by a partner or housemate who smoked indoors. We added a question about "
       "smoking in the household to the booking conversation and now offer the partner a "
       "referral too.\n\n"
       "Early PDSA cycles with two midwifery teams showed the question took under a minute and "
       "was well received when asked routinely of everyone. Partners took up the referral less "
       "often than women did, so the next cycle tests a text message giving the stop-smoking "
       "service's details."},
      {"preterm-huddle",
       ClinicalArea::kVeryPretermInfant,
       "change-idea",
       "A huddle before every birth below 34 weeks",
       {"huddle", "steroids", "magnesium"},
       "When a birth before 34 weeks is expected, the obstetric registrar, the labour ward "
       "coordinator and the neonatal registrar meet for five minutes with a checklist: "
       "steroids given and when, magnesium sulphate below 30 weeks, antibiotics, the place of "
       "birth, and the plan for the cord and for keeping the baby warm.\n\n"
       "The huddle works best when the coordinator calls it. When it relied on the neonatal "
       "team hearing about the woman, it was missed out of hours; we are now testing a prompt "
       "on the labour ward board."},
      {"magnesium-fast-labour",
       ClinicalArea::kVeryPretermInfant,
       "error",
       "Magnesium sulphate missed in fast preterm labours",
       {"magnesium", "review"},
       "A review of three births below 30 weeks where magnesium sulphate was not given found "
       "the same pattern each time: labour was quick, the loading dose had not been prepared, "
       "and the infusion was still being drawn up at the birth.\n\n"
       "We now keep a magnesium sulphate pack in the labour ward drug room with the dose chart "
       "printed, and the midwife who admits a woman in threatened preterm labour prepares it "
       "straight away. The review used the NNAP definitions so that our figures match the "
       "national ones."},
      {"thermal-care",
       ClinicalArea::kVeryPretermInfant,
       "excellence",
       "Plastic wraps and hats ready on every resuscitaire",
       {"normothermia", "equipment"},
       "Admission temperatures for babies born below 32 weeks improved once every resuscitaire "
       "held a plastic wrap, a hat and a thermal mattress, checked on the daily equipment "
       "round, and the room was warmed before the birth.\n\n"
       "Staff said the checklist made it easy for anyone to prepare the place, not only the "
       "neonatal team. We now share the checklist with the birth centre."},
      {"preconception-letters",
       ClinicalArea::kDiabetesInPregnancy,
       "change-idea",
       "Pre-conception letters for women with diabetes",
       {"pre-conception", "folic-acid"},
       "With the diabetes team we wrote to women of reproductive age with type 1 or type 2 "
       "diabetes, explaining why planning a pregnancy matters: folic acid 5 mg, checking HbA1c "
       "and reviewing medicines. The letter says how to reach the pre-conception clinic "
       "directly.\n\n"
       "Referrals to the clinic rose in the following months, but most came from women already "
       "seeing the diabetes team. The next cycle works with GP practices to reach women who are "
       "not."},
      {"gdm-checklist-resource",
       ClinicalArea::kDiabetesInPregnancy,
       "resource",
       "A one-page checklist for gestational diabetes risk factors",
       {"gdm", "ogtt", "checklist"},
       "We built a one-page checklist of the NICE NG3 risk factors for gestational diabetes, "
       "used at the booking appointment. It works on paper and in the maternity record, and "
       "ends with the question the midwife most often forgot: has the glucose tolerance test "
       "been booked for 24 to 28 weeks?\n\n"
       "Other trusts in the LLS are welcome to adapt it."},
      {"hypoglycaemia-pathway",
       ClinicalArea::kNeonatalHypoglycaemia,
       "change-idea",
       "Keeping babies at risk of hypoglycaemia with their mothers",
       {"transitional-care", "feeding"},
       "Babies of mothers with diabetes and small babies were often admitted to the neonatal "
       "unit for a low blood glucose that could have been managed on the postnatal ward. We "
       "introduced the BAPM framework's pathway: skin-to-skin contact, a feed within the first "
       "hour, colostrum harvested before the birth where possible, and blood glucose checked "
       "before the second feed.\n\n"
       "At our size term admissions for hypoglycaemia vary a lot from month to month, so we "
       "watch them on an SPC chart rather than month by month, and review every admission at "
       "the weekly ATAIN meeting."},
      {"atain-review",
       ClinicalArea::kNeonatalHypoglycaemia,
       "event",
       "What a year of weekly ATAIN reviews taught us",
       {"atain", "review"},
       "Each week a midwife and a neonatal nurse review every term admission from the past "
       "week and ask whether it could have been avoided. Over the year the common themes were "
       "hypoglycaemia, breathing difficulty after planned caesarean birth, and suspected "
       "infection.\n\n"
       "The meeting is short and open to students, and its themes go into the monthly safety "
       "bulletin. Keeping it to thirty minutes is what kept people coming."},
      {"mews-night-escalation",
       ClinicalArea::kDeterioration,
       "error",
       "MEWS escalation not recorded at night",
       {"mews", "escalation"},
       "Our monthly audit of maternal observation charts found that when a woman's early "
       "warning score triggered at night, the score was usually right but the escalation was "
       "not written down. Staff said they had called the registrar but there was nowhere "
       "obvious on the chart to record it.\n\n"
       "We added an escalation box next to the score, and the audit now samples night shifts "
       "as well as days."},
      {"newtt2-handover",
       ClinicalArea::kDeterioration,
       "change-idea",
       "Starting NEWTT2 charts at handover to the postnatal ward",
       {"newtt2", "newborn", "handover"},
       "The newborn early warning chart (NEWTT2) was not always started for babies who needed "
       "one on the postnatal ward. A prompt in the handover from the labour ward, saying which "
       "babies need observations and why, made it clear whose job it was.\n\n"
       "Completion improved on the ward that tested it first; the next cycle tests the same "
       "prompt for babies born in the birth centre."},
  };
  return kNotes;
}

// Notes on each change package, quoting the trust's figures: {month}, {b} and {a} (months
// before and since), {x0} {y0} (first measure before and after, whole percent), {x1} {y1}.
const std::vector<NoteTemplate>& ChangeNotes() {
  static const std::vector<NoteTemplate> kNotes = {
      {"opt-out-referral",
       ClinicalArea::kSmokeFreePregnancy,
       "excellence",
       "Opt-out referral to stop-smoking support",
       {"referral", "co-monitoring"},
       "From {month} every woman with a carbon monoxide reading above 4 ppm is referred to the "
       "stop-smoking service unless she declines, instead of being asked whether she would like "
       "a referral. The referral is part of the booking template, so it no longer depends on "
       "remembering it in a busy clinic.\n\n"
       "In the {b} months before the change {x0}% of women with a raised reading were "
       "referred; in the {a} months since, {y0}%.\n\n"
       "What we would tell another trust: agree the wording with the stop-smoking advisers "
       "first, record declines so they can be followed up, and keep the CO monitors "
       "calibrated."},
      {"co-monitor-every-room",
       ClinicalArea::kSmokeFreePregnancy,
       "change-idea",
       "A CO monitor in every antenatal clinic room",
       {"co-monitoring", "booking"},
       "From {month} each antenatal clinic room has its own carbon monoxide monitor, and the CO "
       "reading is a required step in the booking template. Before, monitors were shared "
       "between rooms and the reading was skipped when one could not be found.\n\n"
       "In the {b} months before the change {x0}% of women booked had a CO reading at booking; "
       "in the {a} months since, {y0}%. Most women still without a reading were booked "
       "remotely, which is what we test next."},
      {"cord-clamping-timer",
       ClinicalArea::kVeryPretermInfant,
       "excellence",
       "Deferred cord clamping with a timer on every resuscitaire",
       {"cord-clamping", "huddle"},
       "From {month} every resuscitaire on the labour ward and in theatre has a visible timer, "
       "and deferring cord clamping for at least a minute is part of the preterm birth "
       "huddle.\n\n"
       "For babies born below 32 weeks, {x0}% had the cord clamped after at least a minute in "
       "the {b} months before the change and {y0}% in the {a} months since. The numbers each "
       "month are small, so we read this over the whole period rather than month by month."},
      {"observation-huddle",
       ClinicalArea::kDeterioration,
       "change-idea",
       "Observation charts reviewed at the daily safety huddle",
       {"mews", "newtt2", "huddle"},
       "From {month} the labour ward safety huddle looks at the previous day's observation "
       "charts for mothers and babies: is the early warning score complete, was a trigger "
       "escalated, and does every baby who needs one have a NEWTT2 chart. Gaps go back to the "
       "team the same day.\n\n"
       "In our monthly audit, complete and escalated MEWS charts went from {x0}% in the {b} "
       "months before to {y0}% in the {a} months since, and complete NEWTT2 charts from {x1}% "
       "to {y1}%."},
      {"gdm-booking-checklist",
       ClinicalArea::kDiabetesInPregnancy,
       "change-idea",
       "Booking the glucose tolerance test at the booking appointment",
       {"gdm", "ogtt", "booking"},
       "From {month} midwives book the glucose tolerance test for 24 to 28 weeks before the "
       "woman leaves her booking appointment whenever she has a NICE NG3 risk factor, using a "
       "checklist in the booking template. Before, the test was requested later and some women "
       "were never booked for it.\n\n"
       "Of women with risk factors, {x0}% were tested at 24 to 28 weeks in the {b} months "
       "before the change and {y0}% in the {a} months since."},
  };
  return kNotes;
}

// What happened in "the case that prompted this work", per area; follows a subject.
std::string_view CaseFor(ClinicalArea area) {
  switch (area) {
    case ClinicalArea::kSmokeFreePregnancy:
      return "was recorded as a non-smoker at booking although her CO reading was 9 ppm, and "
             "was never referred.";
    case ClinicalArea::kVeryPretermInfant:
      return "gave birth at 28 weeks two hours after arriving, before magnesium sulphate had "
             "been started.";
    case ClinicalArea::kDiabetesInPregnancy:
      return "booked at 11 weeks with an HbA1c of 71 mmol/mol and had never been offered "
             "pre-conception advice.";
    case ClinicalArea::kNeonatalHypoglycaemia:
      return "had her baby admitted at four hours old with a low blood glucose after a missed "
             "feed.";
    default:
      return "had an early warning score of 6 overnight that was not escalated until the "
             "morning.";
  }
}

constexpr std::string_view kSurnames[] = {"Okafor", "Patel", "Kowalska", "Hughes",
                                          "Begum",  "Nowak", "Campbell", "Ahmed",
                                          "Murphy", "Evans", "Mensah",   "Sutherland"};
constexpr std::string_view kTitles[] = {"Mrs", "Ms", "Miss"};
constexpr std::string_view kMonthNames[] = {"January",   "February", "March",    "April",
                                            "May",       "June",     "July",     "August",
                                            "September", "October",  "November", "December"};
// NHS pseudo-postcodes: ZZ99 is not a Royal Mail outward code, so these are nobody's
// address (3VZ "no fixed abode", 3WZ "not known", 3CZ "England, not otherwise specified"),
// yet the scrubber treats them as postcodes, as it must: records carry them.
constexpr std::string_view kPseudoPostcodes[] = {"ZZ99 3VZ", "ZZ99 3WZ", "ZZ99 3CZ"};

std::string TwoDigits(uint64_t n) {
  return std::string(1, static_cast<char>('0' + n / 10)) + static_cast<char>('0' + n % 10);
}

// A full date that could be a date of birth, in one of three common shapes.
std::string SyntheticDate(Rng& rng) {
  uint64_t day = 1 + rng.Below(28), month = 1 + rng.Below(12), year = 1980 + rng.Below(25);
  switch (rng.Below(3)) {
    case 0:
      return TwoDigits(day) + "/" + TwoDigits(month) + "/" + std::to_string(year);
    case 1:
      return std::to_string(day) + " " + std::string(kMonthNames[month - 1]) + " " +
             std::to_string(year);
    default:
      return std::to_string(year) + "-" + TwoDigits(month) + "-" + TwoDigits(day);
  }
}

std::string SyntheticPostcode(Rng& rng) {
  return std::string(kPseudoPostcodes[rng.Below(std::size(kPseudoPostcodes))]);
}

void ReplaceAll(std::string& text, std::string_view from, std::string_view to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
}

NoteDraft FromTemplate(const NoteTemplate& t) {
  NoteDraft note;
  note.slug = t.slug;
  note.title = t.title;
  note.kind = t.kind;
  note.area = t.area;
  for (std::string_view tag : t.tags) note.tags.emplace_back(tag);
  note.text = t.text;
  return note;
}

}  // namespace

std::string SyntheticNhsNumber(Rng& rng) {
  for (;;) {
    std::string digits = "999";
    for (int i = 0; i < 6; ++i) digits += static_cast<char>('0' + rng.Below(10));
    int sum = 0;
    for (int i = 0; i < 9; ++i) sum += (digits[i] - '0') * (10 - i);
    int check = 11 - sum % 11;
    if (check == 11) check = 0;
    if (check == 10) continue;  // no valid number with these nine digits: draw again
    digits += static_cast<char>('0' + check);
    return digits.substr(0, 3) + " " + digits.substr(3, 3) + " " + digits.substr(6);
  }
}

const std::vector<std::string>& PlantableKinds() {
  static const std::vector<std::string> kKinds = {"name-after-title", "nhs-number", "date",
                                                  "postcode"};
  return kKinds;
}

void PlantIdentifiers(NoteDraft& note, const std::vector<std::string>& kinds, Rng& rng) {
  auto has = [&](std::string_view kind) {
    return std::find(kinds.begin(), kinds.end(), kind) != kinds.end();
  };
  std::string subject = "one woman";
  if (has("name-after-title")) {
    subject = std::string(kTitles[rng.Below(std::size(kTitles))]) + " " +
              std::string(kSurnames[rng.Below(std::size(kSurnames))]);
  }
  std::vector<std::string> details;
  if (has("nhs-number")) details.push_back("NHS number " + SyntheticNhsNumber(rng));
  if (has("date")) details.push_back("born " + SyntheticDate(rng));
  if (has("postcode")) details.push_back("postcode " + SyntheticPostcode(rng));
  std::string paragraph = "The case that prompted this work: " + subject;
  if (!details.empty()) {
    paragraph += " (";
    for (size_t i = 0; i < details.size(); ++i) paragraph += (i ? ", " : "") + details[i];
    paragraph += ")";
  }
  paragraph += " ";
  paragraph += CaseFor(note.area);

  size_t end_of_first = note.text.find("\n\n");
  if (end_of_first == std::string::npos) {
    note.text += "\n\n" + paragraph;
  } else {
    note.text.insert(end_of_first, "\n\n" + paragraph);
  }
  for (const std::string& kind : PlantableKinds()) {
    if (has(kind)) note.identifiers.push_back(kind);
  }
}

std::vector<NoteDraft> DraftNotes(const std::optional<ChangeOutcome>& change, Rng& rng) {
  std::vector<NoteDraft> notes;
  const size_t wanted = 2 + rng.Below(3);
  if (change && change->package) {
    for (const NoteTemplate& t : ChangeNotes()) {
      if (t.slug != change->package->key) continue;
      NoteDraft note = FromTemplate(t);
      ReplaceAll(note.text, "{month}", change->month);
      ReplaceAll(note.text, "{b}", std::to_string(change->months_before));
      ReplaceAll(note.text, "{a}", std::to_string(change->months_after));
      for (size_t i = 0; i < change->percents.size(); ++i) {
        ReplaceAll(note.text, "{x" + std::to_string(i) + "}",
                   std::to_string(change->percents[i].first));
        ReplaceAll(note.text, "{y" + std::to_string(i) + "}",
                   std::to_string(change->percents[i].second));
      }
      notes.push_back(std::move(note));
    }
  }
  // The rest from the general notes in a shuffled order, one per clinical area.
  const std::vector<NoteTemplate>& general = GeneralNotes();
  std::vector<size_t> order(general.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  for (size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[rng.Below(i)]);
  for (size_t i : order) {
    if (notes.size() >= wanted) break;
    bool area_used = std::any_of(notes.begin(), notes.end(),
                                 [&](const NoteDraft& n) { return n.area == general[i].area; });
    if (!area_used) notes.push_back(FromTemplate(general[i]));
  }
  return notes;
}

}  // namespace lls::tools::sim
