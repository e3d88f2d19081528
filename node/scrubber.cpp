#include "node/scrubber.h"

#include "node/scrubber_internal.h"

#include <algorithm>
#include <array>
#include <iterator>
#include <map>
#include <utility>

namespace lls::node {

using namespace scrub_internal;

namespace {

// ---------------------------------------------------------------------------------------------

// The longest of overlapping candidates wins, then the lower priority, then the earlier.
// Returns them in text order.
Candidates Select(Candidates all) {
  std::sort(all.begin(), all.end(), [](const Candidate& a, const Candidate& b) {
    size_t la = a.end - a.begin, lb = b.end - b.begin;
    if (la != lb) return la > lb;
    if (a.priority != b.priority) return a.priority < b.priority;
    return a.begin < b.begin;
  });
  std::map<size_t, Candidate> taken;  // by begin; disjoint, so also ordered by end
  for (Candidate& c : all) {
    auto it = taken.lower_bound(c.end);
    if (it != taken.begin() && std::prev(it)->second.end > c.begin) continue;
    size_t begin = c.begin;
    taken.emplace(begin, std::move(c));
  }
  Candidates chosen;
  chosen.reserve(taken.size());
  for (auto& [begin, c] : taken) chosen.push_back(std::move(c));
  return chosen;
}

std::vector<Finding> ToFindings(std::string_view t, Candidates chosen) {
  std::vector<Finding> findings;
  findings.reserve(chosen.size());
  size_t pos = 0, line = 1, column = 1;
  for (Candidate& c : chosen) {
    for (; pos < c.begin; ++pos) {
      if (t[pos] == '\n') {
        ++line;
        column = 1;
      } else if (!IsContinuation(t[pos])) {
        ++column;
      }
    }
    findings.push_back(
        Finding{std::move(c.kind), line, column, c.begin, c.end - c.begin, std::move(c.masked)});
  }
  return findings;
}

bool ValidLocalName(std::string_view name) {
  return !name.empty() && name.size() <= 32 && std::all_of(name.begin(), name.end(), [](char c) {
    return IsAlnum(c) || c == '-' || c == '_';
  });
}

}  // namespace

bool PassesModulus11(std::string_view digits) {
  if (digits.size() != 10 || !std::all_of(digits.begin(), digits.end(), IsDigit)) return false;
  int sum = 0;
  for (size_t i = 0; i < 9; ++i) sum += (digits[i] - '0') * static_cast<int>(10 - i);
  int check = 11 - sum % 11;
  if (check == 11) check = 0;
  return check != 10 && check == digits[9] - '0';
}

Result<Scrubber> Scrubber::Create(std::vector<LocalPattern> local) {
  std::vector<Local> compiled;
  for (LocalPattern& p : local) {
    std::string what = "local pattern '" + p.name + "'";
    if (!ValidLocalName(p.name)) {
      return Status(Code::kInvalidArgument, what + ": the name must be 1-32 of A-Z a-z 0-9 _ -");
    }
    for (const Local& l : compiled) {
      if (l.kind == "local:" + p.name) return Status(Code::kInvalidArgument, what + " twice");
    }
    try {
      std::regex re(p.regex, std::regex::ECMAScript | std::regex::optimize);
      if (std::regex_search(std::string(), re)) {
        return Status(Code::kInvalidArgument, what + ": /" + p.regex + "/ matches empty text");
      }
      compiled.push_back(Local{"local:" + p.name, std::move(re)});
    } catch (const std::regex_error& e) {
      return Status(Code::kInvalidArgument,
                    what + ": /" + p.regex + "/ is not a valid regex (" + e.what() + ")");
    }
  }
  return Scrubber(std::move(compiled));
}

namespace {

// A local pattern over the whole text in overlapping windows (see the header for why). A
// match is taken from the window it starts in, before that window's overlap.
void FindLocal(std::string_view t, const std::string& kind, const std::regex& re, Candidates& out) {
  constexpr size_t kStep = Scrubber::kLocalWindow - Scrubber::kLocalOverlap;
  for (size_t ws = 0; ws < t.size(); ws += kStep) {
    size_t we = std::min(t.size(), ws + Scrubber::kLocalWindow);
    size_t take_before = we == t.size() ? we : ws + kStep;
    auto flags = std::regex_constants::match_default;
    if (ws > 0) flags |= std::regex_constants::match_prev_avail;
    if (we < t.size()) flags |= std::regex_constants::match_not_eol;
    try {
      std::cregex_iterator it(t.data() + ws, t.data() + we, re, flags), done;
      for (; it != done; ++it) {
        size_t begin = ws + static_cast<size_t>(it->position());
        size_t length = static_cast<size_t>(it->length());
        if (begin >= take_before) break;
        if (length == 0) continue;
        Add(out, begin, begin + length, kLocal, kind, MaskAny(t.substr(begin, length), 2));
      }
    } catch (const std::regex_error&) {
      // std::regex gave up (error_complexity, error_stack): refuse the window, unread.
      Add(out, ws, we, kLocal, kind, "(pattern could not be applied; text not checked)");
    }
    if (we == t.size()) break;
  }
}

}  // namespace

std::vector<Finding> Scrubber::Scan(std::string_view text) const {
  Candidates all;
  FindIdNumbers(text, all);
  FindPhones(text, all);
  FindEmails(text, all);
  FindDates(text, all);
  FindPostcodes(text, all);
  FindNames(text, all);
  for (const Local& l : local_) FindLocal(text, l.kind, l.regex, all);
  return ToFindings(text, Select(std::move(all)));
}

std::string Scrubber::Redact(std::string_view text) const {
  // Some detectors refuse a span because of what is next to it ("a@b.Dr07700900123" is no
  // e-mail address; "0424.0710896 0874" looks like a decimal, not a phone number), and
  // replacing a neighbour can change that; so redact until nothing is found. Each round can
  // expose the next link of such a chain (fuzz_scrubber found one needing 6 rounds; 4 were
  // allowed then, and a name and a phone number were left in the "redacted" text). Only a
  // local pattern that matches a placeholder could keep finding things for ever: kRounds
  // bounds that, and the caller rescans (node/publication.cpp refuses what is left).
  constexpr int kRounds = 64;
  std::string out(text);
  for (int round = 0; round < kRounds; ++round) {
    std::vector<Finding> findings = Scan(out);
    if (findings.empty()) break;
    std::string next;
    next.reserve(out.size());
    size_t pos = 0;
    for (const Finding& f : findings) {
      next.append(out, pos, f.offset - pos);
      next += Placeholder(f.kind);
      pos = f.offset + f.length;
    }
    next.append(out, pos);
    out = std::move(next);
  }
  return out;
}

std::string Scrubber::Placeholder(std::string_view kind) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 8> kBuiltIn = {{
      {"nhs-number", "[NHS NUMBER]"},
      {"chi-number", "[CHI NUMBER]"},
      {"ten-digit-number", "[NUMBER]"},
      {"postcode", "[POSTCODE]"},
      {"date", "[DATE]"},
      {"phone", "[PHONE]"},
      {"email", "[EMAIL]"},
      {"name-after-title", "[NAME]"},
  }};
  for (const auto& [name, placeholder] : kBuiltIn) {
    if (kind == name) return std::string(placeholder);
  }
  constexpr std::string_view kLocalPrefix = "local:";
  if (kind.substr(0, kLocalPrefix.size()) != kLocalPrefix) return "[REDACTED]";
  std::string out = "[";
  for (char c : kind.substr(kLocalPrefix.size())) out += (c == '-' || c == '_') ? ' ' : Upper(c);
  return out + "]";
}

}  // namespace lls::node
