// HTML building blocks for the dashboard's pages: escaping, the page layout with its inline
// stylesheet (no external resources: pages render offline), and small formatters. Every string
// that comes from a Source goes through Escape() before it reaches a page. Thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace lls::dashboard {

// Escapes & < > " ' for element text and quoted attribute values alike.
std::string Escape(std::string_view text);

// Percent-encodes a path segment (a measure code in a link): unreserved characters stay.
std::string UrlSegment(std::string_view text);

// Which nav entry is the current page.
enum class NavItem { kOverview, kLearning, kMembers, kNone };

// A complete document: <html lang="en">, a skip link, header with the hub name, nav, and
// <main id="main"> holding `body` (already HTML). `title` and `hub_name` are plain text.
std::string Layout(std::string_view title, std::string_view hub_name, NavItem current,
                   std::string_view body);

// "2024-03-05T10:00:00Z" (UTC) from milliseconds since the epoch.
std::string IsoTime(int64_t ms);
// "just now", "5 minutes ago", "3 hours ago", "2 days ago" (or "in the future").
std::string RelativeTime(int64_t then_ms, int64_t now_ms);

}  // namespace lls::dashboard

namespace lls::dashboard {
// A value in a measure's unit: "12.3%" for "percent", "4.5 per 1000" otherwise ("12.3 <unit>").
std::string FormatValue(double value, std::string_view unit);
// The unit's short suffix: "%" for "percent", " per 1000" for "per 1000".
std::string UnitSuffix(std::string_view unit);
}  // namespace lls::dashboard
