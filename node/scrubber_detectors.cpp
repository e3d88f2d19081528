// The scrubber's built-in detectors; see node/scrubber.h for what each finds and why.
#include <algorithm>
#include <array>
#include <utility>

#include "node/scrubber.h"
#include "node/scrubber_internal.h"

namespace lls::node::scrub_internal {

// ---------------------------------------------------------------------------------------------
// NHS and CHI numbers.

int DaysInMonth(int month, int year, bool century_known) {
  static constexpr std::array<int, 12> kDays = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month < 1 || month > 12) return 0;
  if (month != 2) return kDays[month - 1];
  // A two-digit year "00" may be 2000 (leap) or 1900 (not): allow the 29th.
  bool leap = year % 4 == 0 && (!century_known || year % 100 != 0 || year % 400 == 0);
  return leap ? 29 : 28;
}

bool ValidDate(int day, int month, int year, bool century_known) {
  return day >= 1 && day <= DaysInMonth(month, year, century_known);
}

bool ChiDate(std::string_view digits) {
  return ValidDate(Number(digits, 0, 2), Number(digits, 2, 2), Number(digits, 4, 2), false);
}

// 10 digits in the shapes NHS and CHI numbers are written in, starting at a number start:
// unbroken, 3-3-4 with ' ' or '-', or (CHI only) 6-4. Returns the end, or 0.
size_t TenDigitShape(std::string_view t, size_t i, bool* chi_only) {
  std::array<size_t, 3> start{}, length{};
  size_t groups = 0, j = i;
  while (groups < 3) {
    start[groups] = j;
    length[groups] = DigitsFrom(t, j);
    j += length[groups++];
    if (groups == 3 || !((At(t, j) == ' ' || At(t, j) == '-') && IsDigit(At(t, j + 1)))) break;
    ++j;
  }
  *chi_only = false;
  if (length[0] == 10) return i + 10;
  if (groups >= 3 && length[0] == 3 && length[1] == 3 && length[2] == 4) return start[2] + 4;
  if (groups >= 2 && length[0] == 6 && length[1] == 4) {
    *chi_only = true;
    return start[1] + 4;
  }
  return 0;
}

void FindIdNumbers(std::string_view t, Candidates& out) {
  for (size_t i = 0; i < t.size(); ++i) {
    if (!NumberStart(t, i)) continue;
    bool chi_only = false;
    size_t end = TenDigitShape(t, i, &chi_only);
    if (end == 0) continue;
    std::string digits;
    for (size_t k = i; k < end; ++k) {
      if (IsDigit(t[k])) digits += t[k];
    }
    // "0000000000" and "1111111111" pass the check but are placeholders, not people.
    if (digits.find_first_not_of(digits[0]) == std::string::npos) continue;
    std::string_view span = t.substr(i, end - i);
    if (PassesModulus11(digits)) {
      if (ChiDate(digits)) {
        Add(out, i, end, kIdNumber, "chi-number", MaskDigits(span, 0));
      } else if (!chi_only) {
        Add(out, i, end, kIdNumber, "nhs-number", MaskDigits(span, 3));
      }
    } else if (!chi_only && digits[0] != '0') {
      Add(out, i, end, kTenDigit, "ten-digit-number", MaskDigits(span, 3));
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Phone numbers.

struct Groups {
  size_t digits = 0;  // digits read
  size_t first = 0;   // length of the first group
  size_t end = 0;     // one past the last digit read
};

// Digit groups from `i` separated by one ' ' or '-', stopping before a group that would take
// the count over `max_digits`.
Groups ReadGroups(std::string_view t, size_t i, size_t max_digits) {
  Groups g;
  g.end = i;
  size_t k = i;
  while (true) {
    size_t length = DigitsFrom(t, k);
    if (length == 0 || g.digits + length > max_digits) break;
    if (g.digits == 0) g.first = length;
    g.digits += length;
    g.end = k + length;
    k = g.end;
    if (!((At(t, k) == ' ' || At(t, k) == '-') && IsDigit(At(t, k + 1)))) break;
    ++k;
  }
  return g;
}

// "+44 113 496 0123", "+44 (0)7700 900123", "0044 ...": returns the end, or 0.
size_t InternationalPhone(std::string_view t, size_t i) {
  size_t k;
  if (t.substr(i, 3) == "+44" && !IsAlnum(At(t, i - 1))) {
    k = i + 3;
  } else if (t.substr(i, 4) == "0044" && !IsDigit(At(t, i - 1))) {
    k = i + 4;
  } else {
    return 0;
  }
  if (At(t, k) == ' ') ++k;
  if (t.substr(k, 3) == "(0)") {
    k += 3;
    if (At(t, k) == ' ') ++k;
  }
  if (!IsDigit(At(t, k)) || At(t, k) == '0') return 0;
  Groups g = ReadGroups(t, k, 10);
  return (g.digits == 9 || g.digits == 10) ? g.end : 0;
}

// "0113 496 0123", "07700 900123", "(0113) 4960123": 0, then 9 or 10 more digits, the first
// group at least 3 digits long so that lists of small numbers are not read as one.
size_t DomesticPhone(std::string_view t, size_t i) {
  if (t[i] == '(') {
    if (At(t, i + 1) != '0' || !IsDigit(At(t, i + 2)) || At(t, i + 2) == '0') return 0;
    if (IsDigit(At(t, i - 1))) return 0;
    size_t area = DigitsFrom(t, i + 1);
    if (area < 3 || area > 5 || At(t, i + 1 + area) != ')') return 0;
    size_t k = i + 2 + area;
    if (At(t, k) == ' ' || At(t, k) == '-') ++k;
    Groups g = ReadGroups(t, k, 11 - area);
    size_t total = area + g.digits;
    return (g.digits > 0 && (total == 10 || total == 11)) ? g.end : 0;
  }
  if (t[i] != '0' || !NumberStart(t, i) || At(t, i - 1) == '+') return 0;
  if (!IsDigit(At(t, i + 1)) || At(t, i + 1) == '0') return 0;
  Groups g = ReadGroups(t, i, 11);
  return (g.first >= 3 && (g.digits == 10 || g.digits == 11)) ? g.end : 0;
}

void FindPhones(std::string_view t, Candidates& out) {
  for (size_t i = 0; i < t.size(); ++i) {
    char c = t[i];
    if (c != '+' && c != '0' && c != '(') continue;
    size_t end = InternationalPhone(t, i);
    if (end == 0) end = DomesticPhone(t, i);
    if (end != 0) Add(out, i, end, kPhone, "phone", MaskDigits(t.substr(i, end - i), 4));
  }
}

// ---------------------------------------------------------------------------------------------
// E-mail addresses. Each '@' looks at most 64 bytes back and 253 forward (the RFC 5321 limits
// of a local part and a domain), which keeps a text full of '@' linear.

bool IsLocalChar(char c) {
  return IsAlnum(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-';
}
bool IsDomainChar(char c) { return IsAlnum(c) || c == '.' || c == '-'; }

void FindEmails(std::string_view t, Candidates& out) {
  for (size_t at = t.find('@'); at != std::string_view::npos; at = t.find('@', at + 1)) {
    size_t begin = at;
    while (begin > 0 && at - begin < 64 && IsLocalChar(t[begin - 1])) --begin;
    while (begin < at && t[begin] == '.') ++begin;
    if (begin == at) continue;
    size_t end = at + 1;
    while (end < t.size() && end - at <= 253 && IsDomainChar(t[end])) ++end;
    while (end > at + 1 && (t[end - 1] == '.' || t[end - 1] == '-')) --end;
    std::string_view domain = t.substr(at + 1, end - at - 1);
    size_t dot = domain.rfind('.');
    if (dot == std::string_view::npos || dot == 0) continue;
    std::string_view tld = domain.substr(dot + 1);
    if (tld.size() < 2 || !std::all_of(tld.begin(), tld.end(), IsAlpha)) continue;
    Add(out, begin, end, kEmail, "email", std::string(1, t[begin]) + "***@" + std::string(domain));
  }
}

// ---------------------------------------------------------------------------------------------
// Dates.

// A year as written: two digits (any), or four from 1900 to 2099.
bool PlausibleYear(std::string_view t, size_t i, size_t n) {
  if (n == 2) return true;
  if (n != 4) return false;
  int year = Number(t, i, 4);
  return year >= 1900 && year <= 2099;
}

// True when the number ending at `end` goes on as a longer dotted or slashed sequence
// ("1.2.24.5", "10.0.0.1"), a time ("12 Mar 14:30") or a decimal: not a date.
bool ContinuesAsNumber(std::string_view t, size_t end) {
  char next = At(t, end);
  return (next == '.' || next == '/' || next == '-' || next == ':') && IsDigit(At(t, end + 1));
}

// 12/03/2024, 3/12/24, 12-03-24, 12.03.2024 (day or month first) and 2024-03-12. Returns the
// end, or 0.
size_t NumericDate(std::string_view t, size_t i) {
  char before = At(t, i - 1);
  if ((before == '/' || before == '-' || before == ':' || before == '+') && IsDigit(At(t, i - 2))) {
    return 0;
  }
  size_t a = DigitsFrom(t, i);
  char sep = At(t, i + a);
  if (sep != '/' && sep != '-' && sep != '.') return 0;
  size_t j = i + a + 1;
  size_t b = DigitsFrom(t, j);
  if (b < 1 || b > 2 || At(t, j + b) != sep) return 0;
  size_t k = j + b + 1;
  size_t c = DigitsFrom(t, k);
  size_t end = k + c;
  if (c == 0 || ContinuesAsNumber(t, end)) return 0;
  int first = Number(t, i, a), middle = Number(t, j, b);
  if (a == 4) {
    if (c > 2 || !PlausibleYear(t, i, 4)) return 0;
    return ValidDate(Number(t, k, c), middle, first, true) ? end : 0;
  }
  if (a > 2 || !PlausibleYear(t, k, c)) return 0;
  int year = Number(t, k, c);
  bool dmy = ValidDate(first, middle, year, c == 4);
  bool mdy = ValidDate(middle, first, year, c == 4);
  return (dmy || mdy) ? end : 0;
}

int MonthNamed(std::string_view word) {
  static constexpr std::array<std::string_view, 12> kNames = {
      "january", "february", "march",     "april",   "may",      "june",
      "july",    "august",   "september", "october", "november", "december"};
  if (word.size() < 3) return 0;
  std::string lower;
  for (char c : word) lower += Lower(c);
  if (lower == "sept") return 9;
  for (size_t m = 0; m < kNames.size(); ++m) {
    if (lower == kNames[m] || (lower.size() == 3 && kNames[m].substr(0, 3) == lower)) {
      return static_cast<int>(m) + 1;
    }
  }
  return 0;
}

bool IsOrdinalSuffix(std::string_view t, size_t i) {
  return (EqualsLower(t, i, "st") || EqualsLower(t, i, "nd") || EqualsLower(t, i, "rd") ||
          EqualsLower(t, i, "th")) &&
         !IsAlpha(At(t, i + 2));
}

// The day before a month name at `month_begin`: "12 ", "12th ", "12th of ", "12-". Sets
// *day and returns where the day starts, or npos.
size_t DayBefore(std::string_view t, size_t month_begin, int* day) {
  size_t k = month_begin;
  if (k == 0 || (t[k - 1] != ' ' && t[k - 1] != '-')) return std::string_view::npos;
  --k;
  if (k >= 3 && EqualsLower(t, k - 2, "of") && t[k - 3] == ' ') k -= 3;
  if (k >= 2 && IsOrdinalSuffix(t, k - 2)) k -= 2;
  size_t begin = k;
  while (begin > 0 && k - begin < 3 && IsDigit(t[begin - 1])) --begin;
  size_t n = k - begin;
  if (n < 1 || n > 2 || IsDigit(At(t, begin - 1)) || At(t, begin - 1) == '.') {
    return std::string_view::npos;
  }
  *day = Number(t, begin, n);
  return begin;
}

// The year after a month name ending at `k`: ", 2024", " 2024", "-24". Returns the end, or 0.
size_t YearAfter(std::string_view t, size_t k, bool allow_two_digits, int* year, bool* full) {
  if (At(t, k) == ',') ++k;
  if (At(t, k) != ' ' && At(t, k) != '-') return 0;
  ++k;
  size_t n = DigitsFrom(t, k);
  if (!(n == 4 || (n == 2 && allow_two_digits)) || !PlausibleYear(t, k, n)) return 0;
  if (ContinuesAsNumber(t, k + n)) return 0;
  *year = Number(t, k, n);
  *full = n == 4;
  return k + n;
}

// "12 March 2024", "12th of Mar 24", "12-Mar-2024", "March 12th, 2024", "Mar 12 2024".
void FindNamedMonthDates(std::string_view t, Candidates& out) {
  for (size_t i = 0; i < t.size();) {
    size_t letters = LettersFrom(t, i);
    if (letters == 0) {
      ++i;
      continue;
    }
    size_t begin = i, end = i + letters;
    i = end;
    int month = MonthNamed(t.substr(begin, letters));
    if (month == 0) continue;
    size_t after = At(t, end) == '.' ? end + 1 : end;
    int day = 0, year = 0;
    bool full = false;
    size_t day_begin = DayBefore(t, begin, &day);
    if (day_begin != std::string_view::npos) {
      size_t year_end = YearAfter(t, after, true, &year, &full);
      if (year_end != 0 && ValidDate(day, month, year, full)) {
        Add(out, day_begin, year_end, kDate, "date",
            MaskDigits(t.substr(day_begin, year_end - day_begin), 0));
        continue;
      }
    }
    if (At(t, after) != ' ') continue;
    size_t n = DigitsFrom(t, after + 1);
    if (n < 1 || n > 2) continue;
    size_t k = after + 1 + n;
    day = Number(t, after + 1, n);
    if (IsOrdinalSuffix(t, k)) k += 2;
    size_t year_end = YearAfter(t, k, false, &year, &full);
    if (year_end != 0 && ValidDate(day, month, year, full)) {
      Add(out, begin, year_end, kDate, "date", MaskDigits(t.substr(begin, year_end - begin), 0));
    }
  }
}

void FindDates(std::string_view t, Candidates& out) {
  for (size_t i = 0; i < t.size(); ++i) {
    if (!NumberStart(t, i)) continue;
    size_t end = NumericDate(t, i);
    if (end != 0) Add(out, i, end, kDate, "date", MaskDigits(t.substr(i, end - i), 0));
  }
  FindNamedMonthDates(t, out);
}

// ---------------------------------------------------------------------------------------------
// Postcodes: outward code A9, A99, AA9, AA99, A9A or AA9A, then inward code 9AA, following
// Royal Mail's letter rules (no Q, V, X first; no I, J, Z second; inward letters never C, I,
// K, M, O, V), which is what keeps "CO 4ppm", "B12 1mg" and "HbA1c" out.

bool OutwardCode(std::string_view o) {
  if (o.size() < 2 || o.size() > 4 || !IsAlpha(o[0])) return false;
  if (std::string_view("QVX").find(Upper(o[0])) != std::string_view::npos) return false;
  size_t letters = IsAlpha(o[1]) ? 2 : 1;
  if (letters == 2 && std::string_view("IJZ").find(Upper(o[1])) != std::string_view::npos) {
    return false;
  }
  std::string_view rest = o.substr(letters);  // 9, 99 or 9A
  if (rest.empty() || !IsDigit(rest[0])) return false;
  if (rest.size() == 1) return true;
  if (rest.size() != 2) return false;
  return IsDigit(rest[1]) || IsAlpha(rest[1]);
}

bool InwardCode(std::string_view in) {
  static constexpr std::string_view kLetters = "ABDEFGHJLNPQRSTUWXYZ";
  if (in.size() != 3 || !IsDigit(in[0])) return false;
  for (char c : in.substr(1)) {
    if (!IsAlpha(c) || kLetters.find(Upper(c)) == std::string_view::npos) return false;
  }
  // "A1 2nd", "M1 3rd": lower-case ordinals are far more common than lower-case postcodes.
  std::string_view tail = in.substr(1);
  return !(tail == "st" || tail == "nd" || tail == "rd" || tail == "th");
}

// NHS pseudo-postcodes (ZZ99 + a digit and two letters, e.g. ZZ99 3VZ "no fixed abode"):
// not Royal Mail codes, so OutwardCode refuses them, but patient records carry them and
// they say something about a person. Their inward letters include C and V.
bool PseudoPostcode(std::string_view outward, std::string_view inward) {
  if (outward.size() != 4 || Upper(outward[0]) != 'Z' || Upper(outward[1]) != 'Z' ||
      outward[2] != '9' || outward[3] != '9') {
    return false;
  }
  return inward.size() == 3 && IsDigit(inward[0]) && IsAlpha(inward[1]) && IsAlpha(inward[2]);
}

size_t AlnumFrom(std::string_view t, size_t i) {
  size_t j = i;
  while (j < t.size() && IsAlnum(t[j])) ++j;
  return j - i;
}

std::string PostcodeMask(std::string_view outward) {
  std::string out;
  for (char c : outward) out += Upper(c);
  return out + " ***";
}

void FindPostcodes(std::string_view t, Candidates& out) {
  for (size_t i = 0; i < t.size();) {
    size_t n = AlnumFrom(t, i);
    if (n == 0) {
      ++i;
      continue;
    }
    std::string_view token = t.substr(i, n);
    size_t begin = i;
    i += n;
    if (n >= 5 && n <= 7 &&
        ((OutwardCode(token.substr(0, n - 3)) && InwardCode(token.substr(n - 3))) ||
         PseudoPostcode(token.substr(0, n - 3), token.substr(n - 3)))) {
      Add(out, begin, begin + n, kPostcode, "postcode", PostcodeMask(token.substr(0, n - 3)));
    } else if (At(t, i) == ' ' && AlnumFrom(t, i + 1) == 3 &&
               ((OutwardCode(token) && InwardCode(t.substr(i + 1, 3))) ||
                PseudoPostcode(token, t.substr(i + 1, 3)))) {
      Add(out, begin, i + 4, kPostcode, "postcode", PostcodeMask(token));
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Names after titles.

bool NameStart(char c) { return IsUpper(c) || IsNonAscii(c); }
bool NameChar(char c) { return IsAlpha(c) || IsNonAscii(c); }

// The title at `i` (longest first, so "Mrs" is not read as "Mr"), or empty.
std::string_view TitleAt(std::string_view t, size_t i) {
  static constexpr std::array<std::string_view, 9> kTitles = {
      "Master", "Miss", "Prof", "Baby", "Mrs", "Mr", "Ms", "Mx", "Dr"};
  if (!IsUpper(t[i]) || IsAlnum(At(t, i - 1))) return {};
  for (std::string_view title : kTitles) {
    if (t.substr(i, title.size()) == title && !IsAlnum(At(t, i + title.size()))) return title;
  }
  return {};
}

// Capitalised words after "Baby" that are services and campaigns, not babies: UNICEF Baby
// Friendly, Baby Loss Awareness Week, Baby Check ... common in maternity notes.
bool BabyNotAName(std::string_view word) {
  static constexpr std::array<std::string_view, 9> kWords = {
      "Friendly", "Loss", "Unit", "Check", "Box", "Bank", "Clinic", "Led", "Steps"};
  return std::find(kWords.begin(), kWords.end(), word) != kWords.end();
}

// One word of a name from `k`: a capital then letters, with ' and - inside ("O'Neill",
// "Smith-Jones"). Returns its end (k when there is none).
size_t NameWord(std::string_view t, size_t k) {
  if (!NameStart(At(t, k))) return k;
  size_t j = k + 1;
  while (NameChar(At(t, j)) || ((At(t, j) == '\'' || At(t, j) == '-') && NameChar(At(t, j + 1)))) {
    ++j;
  }
  return j;
}

// Lower-case particles inside surnames ("Dr van der Berg", "Mrs de Souza", "Mr bin Salleh"):
// part of a name only between the title or a name word and a capitalised word.
size_t ParticleAt(std::string_view t, size_t k) {
  static constexpr std::array<std::string_view, 16> kParticles = {
      "van", "von", "der", "den", "de", "del", "della", "du",
      "da",  "di",  "le",  "la",  "al", "el",  "bin",   "ap"};
  size_t n = LettersFrom(t, k);
  std::string_view word = t.substr(k, n);
  if (std::find(kParticles.begin(), kParticles.end(), word) == kParticles.end()) return 0;
  return At(t, k + n) == ' ' ? n + 1 : 0;
}

// The name after a title whose text ends at `k`: up to three initials ("A." or "A") and then
// up to three words of two or more letters ("Sir John Smith"), with particles between them.
// Returns [begin, end) or an empty range.
std::pair<size_t, size_t> NameAfter(std::string_view t, size_t k, std::string_view title) {
  constexpr int kMaxWords = 3, kMaxInitials = 3, kMaxParticles = 3;
  if (At(t, k) == '.') ++k;
  if (At(t, k) != ' ') return {0, 0};
  while (At(t, k) == ' ') ++k;
  size_t begin = k, end = k;
  int initials = 0, words = 0, particles = 0;
  while (words < kMaxWords) {
    if (size_t p = ParticleAt(t, k); p != 0 && particles++ < kMaxParticles) {
      k += p;  // kept only when a word follows: `end` moves with words alone
      continue;
    }
    size_t w = NameWord(t, k);
    if (w == k) break;
    if (w - k == 1 && IsUpper(t[k])) {  // an initial, kept only when a name follows
      size_t next = At(t, w) == '.' ? w + 1 : w;
      if (words > 0 || ++initials > kMaxInitials || At(t, next) != ' ' ||
          !NameStart(At(t, next + 1))) {
        break;
      }
      k = next + 1;
      continue;
    }
    if (words == 0 && title == "Baby" && BabyNotAName(t.substr(k, w - k))) break;
    ++words;
    end = w;
    if (At(t, w) != ' ') break;
    k = w + 1;
  }
  return words > 0 ? std::pair{begin, end} : std::pair<size_t, size_t>{0, 0};
}

// "Mrs S****", "Dr. A. P****": the title, then the first letter of each part.
std::string NameMask(std::string_view title_text, std::string_view name) {
  std::string out(title_text);
  out += ' ';
  bool part_start = true;
  for (char c : name) {
    if (IsContinuation(c)) continue;
    if (c == ' ' || c == '.' || c == '-' || c == '\'') {
      out += c;
      part_start = c == ' ';
      continue;
    }
    out += (part_start && IsUpper(c)) ? c : '*';
    part_start = false;
  }
  return out;
}

void FindNames(std::string_view t, Candidates& out) {
  for (size_t i = 0; i < t.size(); ++i) {
    std::string_view title = TitleAt(t, i);
    if (title.empty()) continue;
    auto [begin, end] = NameAfter(t, i + title.size(), title);
    if (begin == end) continue;
    size_t title_end = i + title.size() + (At(t, i + title.size()) == '.' ? 1 : 0);
    Add(out, begin, end, kName, "name-after-title",
        NameMask(t.substr(i, title_end - i), t.substr(begin, end - begin)));
    i = end - 1;
  }
}

}  // namespace lls::node::scrub_internal
