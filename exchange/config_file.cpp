#include "exchange/config_file.h"

#include <cmath>
#include <fstream>
#include <sstream>

// Debian's toml++ is a compiled library built with exceptions; its parse_error is caught here,
// the one place that uses it, and becomes a Status.
#include <toml++/toml.h>

namespace lls {

struct ConfigFile::Table {
  toml::table root;
};

ConfigFile::ConfigFile(std::shared_ptr<const Table> table, std::string origin,
                       std::filesystem::path base)
    : table_(std::move(table)), origin_(std::move(origin)), base_dir_(std::move(base)) {}

Result<ConfigFile> ConfigFile::Load(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status(Code::kInvalidArgument, "cannot read config file " + path.string());
  std::stringstream text;
  text << in.rdbuf();
  std::filesystem::path base = path.parent_path();
  if (base.empty()) base = ".";
  return Parse(text.str(), path.string(), std::filesystem::absolute(base));
}

Result<ConfigFile> ConfigFile::Parse(std::string_view text, std::string origin,
                                     std::filesystem::path base_dir) {
  auto table = std::make_shared<Table>();
  try {
    table->root = toml::parse(text, origin);
  } catch (const toml::parse_error& error) {
    return Status(Code::kInvalidArgument,
                  origin + ":" + std::to_string(error.source().begin.line) + ": " +
                      std::string(error.description()));
  }
  return ConfigFile(std::move(table), std::move(origin), std::move(base_dir));
}

Status ConfigFile::Error(std::string_view key, const std::string& what) const {
  return Status(Code::kInvalidArgument, origin_ + ": " + std::string(key) + ": " + what);
}

Result<std::string> ConfigFile::String(std::string_view key, std::optional<std::string> fallback) {
  asked_.emplace(key);
  toml::node_view<const toml::node> node = table_->root.at_path(key);
  if (!node) {
    if (fallback) return *fallback;
    return Error(key, "missing (required)");
  }
  std::optional<std::string> value = node.value<std::string>();
  if (!node.is_string() || !value) return Error(key, "expected a string in quotes");
  return *value;
}

Result<int64_t> ConfigFile::Int(std::string_view key, std::optional<int64_t> fallback,
                                int64_t min, int64_t max) {
  asked_.emplace(key);
  toml::node_view<const toml::node> node = table_->root.at_path(key);
  int64_t value = 0;
  if (!node) {
    if (!fallback) return Error(key, "missing (required)");
    value = *fallback;
  } else if (!node.is_integer()) {
    return Error(key, "expected an integer");
  } else {
    value = *node.value<int64_t>();
  }
  if (value < min || value > max) {
    return Error(key, "must be between " + std::to_string(min) + " and " + std::to_string(max));
  }
  return value;
}

Result<bool> ConfigFile::Bool(std::string_view key, std::optional<bool> fallback) {
  asked_.emplace(key);
  toml::node_view<const toml::node> node = table_->root.at_path(key);
  if (!node) {
    if (fallback) return *fallback;
    return Error(key, "missing (required)");
  }
  if (!node.is_boolean()) return Error(key, "expected true or false");
  return *node.value<bool>();
}

Result<std::filesystem::path> ConfigFile::Path(std::string_view key,
                                               std::optional<std::string> fallback) {
  LLS_ASSIGN_OR_RETURN(std::string text, String(key, std::move(fallback)));
  if (text.empty()) return Error(key, "must not be empty");
  std::filesystem::path path(text);
  if (path.is_relative()) path = base_dir_ / path;
  return path.lexically_normal();
}

Result<std::vector<std::pair<std::string, std::string>>> ConfigFile::StringTable(
    std::string_view key) {
  asked_.emplace(key);
  std::vector<std::pair<std::string, std::string>> out;
  toml::node_view<const toml::node> node = table_->root.at_path(key);
  if (!node) return out;
  const toml::table* table = node.as_table();
  if (table == nullptr) return Error(key, "expected a table of name = \"text\" entries");
  for (const auto& [name, value] : *table) {
    std::string full = std::string(key) + "." + std::string(name.str());
    std::optional<std::string> text = value.value<std::string>();
    if (!value.is_string() || !text) return Error(full, "expected a string in quotes");
    asked_.insert(full);
    out.emplace_back(std::string(name.str()), *text);
  }
  return out;
}

Result<std::vector<std::pair<std::string, double>>> ConfigFile::NumberTable(
    std::string_view key) {
  asked_.emplace(key);
  std::vector<std::pair<std::string, double>> out;
  toml::node_view<const toml::node> node = table_->root.at_path(key);
  if (!node) return out;
  const toml::table* table = node.as_table();
  if (table == nullptr) return Error(key, "expected a table of name = number entries");
  for (const auto& [name, value] : *table) {
    std::string full = std::string(key) + "." + std::string(name.str());
    // An integer (6) or a float (6.5); text in quotes is refused so a typo is not a zero.
    std::optional<double> number = value.value<double>();
    if (!(value.is_integer() || value.is_floating_point()) || !number ||
        !std::isfinite(*number)) {
      return Error(full, "expected a number");
    }
    asked_.insert(full);
    out.emplace_back(std::string(name.str()), *number);
  }
  return out;
}

namespace {

// Depth-first search for a leaf key (or an empty table) that nobody asked for.
std::optional<std::string> FindUnasked(const toml::table& table, const std::string& prefix,
                                       const std::set<std::string, std::less<>>& asked) {
  for (const auto& [name, node] : table) {
    std::string key = prefix.empty() ? std::string(name.str())
                                     : prefix + "." + std::string(name.str());
    if (const toml::table* child = node.as_table()) {
      if (child->empty()) {
        // An empty table is fine where keys were expected ("[ingest]" with all defaults).
        auto known = asked.lower_bound(key);
        bool expected = known != asked.end() &&
                        (*known == key || known->rfind(key + ".", 0) == 0);
        if (!expected) return key;
        continue;
      }
      if (auto found = FindUnasked(*child, key, asked)) return found;
    } else if (!asked.contains(key)) {
      return key;
    }
  }
  return std::nullopt;
}

}  // namespace

Status ConfigFile::CheckNoUnknownKeys() const {
  if (auto key = FindUnasked(table_->root, "", asked_)) {
    return Error(*key, "unknown key (misspelt? see docs/configuration.md)");
  }
  return Status::Ok();
}

}  // namespace lls
