// ConfigFile: typed, checked access to a TOML configuration file (toml++ is used only here).
//
// Keys are dotted paths ("hub.endpoint"). Every getter takes the documented default, so the
// defaults live next to the code that documents them. Relative paths resolve against the
// config file's folder, so a config and its keys can move together. After reading, callers
// ask CheckNoUnknownKeys(): a misspelt key is an error, not a silently ignored setting.
// Not thread-safe; a value type (copyable).
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "schema/status.h"

namespace lls {

class ConfigFile {
 public:
  static Result<ConfigFile> Load(const std::filesystem::path& path);
  // `origin` names the text in messages; relative paths resolve against `base_dir`.
  static Result<ConfigFile> Parse(std::string_view text, std::string origin,
                                  std::filesystem::path base_dir);

  // With no default, a missing key is kInvalidArgument. A value of the wrong type always is.
  Result<std::string> String(std::string_view key,
                             std::optional<std::string> fallback = std::nullopt);
  Result<int64_t> Int(std::string_view key, std::optional<int64_t> fallback = std::nullopt,
                      int64_t min = INT64_MIN, int64_t max = INT64_MAX);
  Result<bool> Bool(std::string_view key, std::optional<bool> fallback = std::nullopt);
  Result<std::filesystem::path> Path(std::string_view key,
                                     std::optional<std::string> fallback = std::nullopt);

  // Every entry of the table at `key` (e.g. "scrub.patterns"), each of which must be a string;
  // an empty list when the table is absent.
  Result<std::vector<std::pair<std::string, std::string>>> StringTable(std::string_view key);

  // Every entry of the table at `key` (e.g. "targets"), each an integer or a float; an empty
  // list when the table is absent.
  Result<std::vector<std::pair<std::string, double>>> NumberTable(std::string_view key);

  // kInvalidArgument naming the first key in the file that no getter asked for.
  Status CheckNoUnknownKeys() const;

  const std::string& origin() const { return origin_; }

 private:
  struct Table;
  ConfigFile(std::shared_ptr<const Table> table, std::string origin, std::filesystem::path base);
  Status Error(std::string_view key, const std::string& what) const;

  std::shared_ptr<const Table> table_;  // immutable once parsed, so sharing on copy is safe
  std::string origin_;
  std::filesystem::path base_dir_;
  std::set<std::string, std::less<>> asked_;
};

}  // namespace lls
