#include "dashboard/html.h"

#include <cstdio>
#include <ctime>

namespace lls::dashboard {

std::string Escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string UrlSegment(std::string_view text) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    const bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                            (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' || c == '~';
    if (unreserved) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

namespace {

// Colours: text #1d1d1d / links #005eb8 on white (contrast > 6:1); focus: a thick #ffbf47
// ring with a dark inner edge, visible on white and on the dark header.
constexpr std::string_view kStyle = R"css(
*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Arial,sans-serif;color:#1d1d1d;background:#fff}
a{color:#005eb8}
a:visited{color:#4c2c92}
a:focus,[tabindex]:focus,summary:focus{outline:3px solid #ffbf47;outline-offset:2px;box-shadow:0 0 0 1px #1d1d1d}
.skip{position:absolute;left:-9999px;top:0;background:#ffbf47;color:#1d1d1d;padding:.5em 1em;z-index:10}
.skip:focus{left:.5em}
header{background:#003087;color:#fff;padding:.6em 1.2em}
header .hub{font-weight:700;font-size:1.15em}
header .tier{margin-left:.6em;font-size:.9em}
nav ul{list-style:none;margin:.3em 0 0;padding:0;display:flex;flex-wrap:wrap;gap:1.2em}
nav a,nav a:visited{color:#fff;font-weight:600}
nav a[aria-current=page]{text-decoration-thickness:3px}
main{padding:1em 1.2em 3em;max-width:1280px}
h1{font-size:1.6em;margin:.3em 0 .5em}
h2{font-size:1.3em;margin:1.4em 0 .4em}
h3{font-size:1.05em;margin:.2em 0}
table{border-collapse:collapse;margin:.5em 0 1em}
tbody th{min-width:12em}
.learning p.text{white-space:pre-line}
caption{text-align:left;font-weight:600;padding:.3em 0}
th,td{border-bottom:1px solid #b1b4b6;padding:.3em .6em;text-align:left;vertical-align:top}
td.num,th.num{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}
.muted{color:#4c6272}
.badge{display:inline-block;padding:0 .5em;border-radius:.8em;font-size:.85em;font-weight:600;border:1px solid}
.badge.pending{color:#7a4900;background:#fff4d6}
.badge.approved{color:#00552e;background:#e3f4ea}
.badge.rejected{color:#a4000b;background:#fde8e9}
.badge.featured{color:#003087;background:#e8f1fb}
.tag{display:inline-block;background:#f0f4f5;border:1px solid #b1b4b6;border-radius:.3em;padding:0 .4em;margin:0 .2em .2em 0;font-size:.85em}
.cards{display:flex;flex-wrap:wrap;gap:1em;margin:.5em 0}
.card{border:1px solid #b1b4b6;border-radius:.4em;padding:.5em 1em;min-width:9em}
.card .n{font-size:1.6em;font-weight:700}
.chart-row{display:flex;flex-wrap:wrap;align-items:flex-start;gap:1em}
.icons{display:flex;gap:.6em;align-items:center}
.icons figure{margin:0;text-align:center;font-size:.8em;max-width:8em}
.multiples{display:grid;grid-template-columns:repeat(auto-fill,minmax(330px,1fr));gap:1em}
.multiples>figure{margin:0;border:1px solid #d8dde0;border-radius:.4em;padding:.4em}
svg{max-width:100%;height:auto}
td svg.icon{vertical-align:middle}
svg text{font-family:system-ui,Arial,sans-serif}
svg .pt:focus{outline:none}
svg .pt:focus .mark,svg .pt:hover .mark{stroke:#1d1d1d;stroke-width:2.5}
svg .tip{display:none}
svg .pt:focus .tip,svg .pt:hover .tip{display:inline}
.legend{display:flex;flex-wrap:wrap;gap:1.2em;font-size:.9em;margin:.3em 0}
.legend svg{vertical-align:middle}
.learning article{border-top:1px solid #b1b4b6;padding:.6em 0}
.learning h2{margin:.2em 0;font-size:1.15em}
details{margin:.4em 0}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.1em 1em;margin:0 0 1em}
dl.facts dt{font-weight:600}
dl.facts dd{margin:0}
summary{cursor:pointer;font-weight:600}
)css";

}  // namespace

std::string Layout(std::string_view title, std::string_view hub_name, NavItem current,
                   std::string_view body) {
  auto link = [current](NavItem item, const char* href, const char* label) {
    std::string a = "<li><a href=\"";
    a += href;
    a += "\"";
    if (item == current) a += " aria-current=\"page\"";
    a += ">";
    a += label;
    a += "</a></li>";
    return a;
  };
  std::string out;
  out.reserve(body.size() + 4096);
  out += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  out += "<title>" + Escape(title) + " — " + Escape(hub_name) + "</title>\n<style>";
  out += kStyle;
  out += "</style>\n</head>\n<body>\n";
  out += "<a class=\"skip\" href=\"#main\">Skip to main content</a>\n";
  out += "<header><span class=\"hub\">" + Escape(hub_name) +
         "</span><span class=\"tier\">LLS Exchange hub</span>\n";
  out += "<nav aria-label=\"Main\"><ul>";
  out += link(NavItem::kOverview, "/", "Overview");
  out += link(NavItem::kLearning, "/learning", "Learning");
  out += link(NavItem::kMembers, "/members", "Members");
  out += "</ul></nav></header>\n<main id=\"main\" tabindex=\"-1\">\n";
  out += body;
  out += "\n</main>\n</body>\n</html>\n";
  return out;
}

std::string IsoTime(int64_t ms) {
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  if (ms < 0 && ms % 1000 != 0) --secs;
  std::tm tm{};
  if (gmtime_r(&secs, &tm) == nullptr) return "";
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string RelativeTime(int64_t then_ms, int64_t now_ms) {
  const int64_t secs = (now_ms - then_ms) / 1000;
  if (secs < -60) return "in the future";
  if (secs < 60) return "just now";
  auto plural = [](int64_t n, const char* unit) {
    return std::to_string(n) + " " + unit + (n == 1 ? "" : "s") + " ago";
  };
  if (secs < 3600) return plural(secs / 60, "minute");
  if (secs < 86400) return plural(secs / 3600, "hour");
  return plural(secs / 86400, "day");
}

}  // namespace lls::dashboard

namespace lls::dashboard {

std::string UnitSuffix(std::string_view unit) {
  if (unit == "percent") return "%";
  if (unit.empty()) return "";
  return " " + std::string(unit);
}

std::string FormatValue(double value, std::string_view unit) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.1f", value);
  std::string s = buf;
  if (s == "-0.0") s = "0.0";
  return s + UnitSuffix(unit);
}

}  // namespace lls::dashboard
