#include "hub/hub_cli.h"

#include <pwd.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>

#include <nlohmann/json.hpp>

#include "crypto/crypto.h"
#include "dashboard/server.h"
#include "exchange/catalogue.h"
#include "exchange/clock.h"
#include "exchange/systemd_notify.h"
#include "exchange/log.h"
#include "exchange/outbox.h"
#include "hub/aggregates.h"
#include "hub/curation.h"
#include "hub/dashboard_source.h"
#include "hub/hub_config.h"
#include "hub/hub_metrics.h"
#include "hub/hub_server.h"
#include "hub/hub_store.h"
#include "hub/presence.h"
#include "hub/report.h"

namespace lls::hub {

namespace {

std::atomic<bool> g_stop{false};
void OnSignal(int) { g_stop.store(true); }

int Fail(const Status& status) {
  std::fprintf(stderr, "lls-hub: %s\n", status.message().c_str());
  return status.code() == Code::kInvalidArgument ? 2 : 1;
}

std::string LoginName() {
  if (const passwd* pw = getpwuid(getuid()); pw != nullptr) return pw->pw_name;
  return "uid " + std::to_string(getuid());
}

// Commands that only read or change existing state pass create = false.
Result<HubStore> OpenStore(const HubConfig& config, bool create = true) {
  if (!create) return HubStore::Open(config.database(), false);
  std::error_code ec;
  std::filesystem::create_directories(config.data_dir, ec);
  if (ec) return Status(Code::kIoError, "cannot create " + config.data_dir.string() + ": " + ec.message());
  return HubStore::Open(config.database());
}

// What the read-and-change commands (status, revoke, list, history, aggregates) need: the
// configuration and the existing database (never created here; see OpenStore).
struct OpenedHub {
  HubConfig config;
  HubStore store;
};

Result<OpenedHub> OpenExisting(const std::filesystem::path& config_path) {
  LLS_ASSIGN_OR_RETURN(HubConfig config, HubConfig::Load(config_path));
  LLS_ASSIGN_OR_RETURN(HubStore store, OpenStore(config, false));
  return OpenedHub{std::move(config), std::move(store)};
}

nlohmann::json MemberJson(const Member& m) {
  nlohmann::json j = {
      {"id", m.id},
      {"name", m.name},
      {"organisation", m.organisation},
      {"display_name", m.display_name},
      {"role", RoleName(m.role)},
      {"lls", m.lls},
      {"sign_key", crypto::ToHex(m.keys.sign)},
      {"curve_key", crypto::Z85Encode(m.keys.curve)},
      {"enrolled_at", FormatTimeMs(m.enrolled_at_ms)},
      {"revoked_at", nullptr},
      {"active", m.active()},
  };
  if (m.revoked_at_ms) j["revoked_at"] = FormatTimeMs(*m.revoked_at_ms);
  return j;
}

// The upward outbox (hub/federation.h); all zeros before the hub first ran with its parent.
Result<OutboxStats> ParentOutboxStats(db::Database& db) {
  LLS_ASSIGN_OR_RETURN(db::Statement exists,
                       db.Prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND "
                                  "name = 'outbox'"));
  LLS_ASSIGN_OR_RETURN(bool has_table, exists.Step());
  if (!has_table) return OutboxStats{};
  return Outbox(db).Stats();
}

// Opens the dashboard's source and starts its server; writes DATA_DIR/dashboard.url
// atomically (a reader never sees it half written).
Result<std::unique_ptr<dashboard::DashboardServer>> StartDashboard(
    const HubConfig& config, const HubMetrics& metrics, const Clock& clock,
    std::unique_ptr<HubDashboardSource>& source) {
  LLS_ASSIGN_OR_RETURN(source, HubDashboardSource::Open(config, metrics, clock));
  LLS_ASSIGN_OR_RETURN(std::unique_ptr<dashboard::DashboardServer> web,
                       dashboard::DashboardServer::Start(config.dashboard, *source));
  const std::filesystem::path url_file = config.dashboard_url_file();
  const std::filesystem::path partial = url_file.string() + ".partial";
  {
    std::ofstream out(partial, std::ios::trunc);
    out << web->url() << "\n";
    if (!out.flush()) return Status(Code::kIoError, "cannot write " + partial.string());
  }
  std::error_code ec;
  std::filesystem::rename(partial, url_file, ec);
  if (ec) return Status(Code::kIoError, "cannot write " + url_file.string() + ": " + ec.message());
  return web;
}

// Why an enrolment clashed, naming the member that already holds the name or a key. A revoked
// member's name and keys are never enrolled again, and there is deliberately no way to force
// it: a revoked key is presumed compromised, and taking it back would undo the revocation for
// whoever holds a copy (docs/security.md 5.1). A returning member enrols a new key pair.
Status ExplainClash(HubStore& store, const crypto::PublicIdentity& keys, const Status& clash) {
  auto members = store.Members();
  if (!members.ok()) return clash;
  for (const Member& m : *members) {
    std::string what = m.keys.curve == keys.curve ? "CURVE key"
                       : m.keys.sign == keys.sign ? "signing key"
                       : m.name == keys.name      ? "name"
                                                  : "";
    if (what.empty()) continue;
    if (m.active()) {
      return Status(Code::kAlreadyExists, "refused: the " + what + " of '" + keys.name +
                                              "' belongs to member '" + m.name +
                                              "', enrolled and active");
    }
    return Status(Code::kAlreadyExists,
                  "refused: the " + what + " of '" + keys.name + "' belongs to member '" + m.name +
                      "', revoked at " + FormatTimeMs(*m.revoked_at_ms) +
                      "; a revoked name or key is never enrolled again. Make a new key pair "
                      "under a new name (lls keygen --name NEW-NAME) and enrol that");
  }
  return clash;
}

}  // namespace

int RunHub(const std::filesystem::path& config_path) {
  // Handlers first: a SIGTERM while hub.db is being opened or migrated ends in an ordinary
  // stop once the server loop starts, not death by signal.
  struct sigaction action {};
  action.sa_handler = OnSignal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
  auto config = HubConfig::Load(config_path);
  if (!config.ok()) return Fail(config.status());
  auto identity = crypto::LoadSecretKeyFile(config->key_path);
  if (!identity.ok()) return Fail(identity.status());
  auto store = OpenStore(*config);
  if (!store.ok()) return Fail(store.status());
  SystemClock clock;

  HubMetrics metrics;
  auto server = HubServer::Start(*config, std::move(identity).value(), std::move(store).value(),
                                 clock, &metrics);
  if (!server.ok()) return Fail(server.status());
  // The dashboard reads hub.db on its own connection and threads; the hub thread keeps the
  // sockets and the writing connection (hub/dashboard_source.h).
  std::unique_ptr<HubDashboardSource> source;
  std::unique_ptr<dashboard::DashboardServer> web;
  std::error_code ignored;
  std::filesystem::remove(config->dashboard_url_file(), ignored);  // never a stale address
  if (config->dashboard_enabled) {
    // The dashboard serves people; ingest serves the members. A dashboard that cannot start
    // (its port taken) is logged loudly, and the hub runs without it.
    auto started = StartDashboard(*config, metrics, clock, source);
    if (started.ok()) {
      web = std::move(started).value();
      log::Info("dashboard at " + web->url());
    } else {
      log::Error("dashboard not started: " + started.status().message() +
                 "; the hub runs without it (set [dashboard] port, or enabled = false)");
    }
  }
  if (Status notified = NotifySystemd("READY=1"); !notified.ok()) log::Warn(notified.message());
  Status ran = (*server)->Run(g_stop);
  (void)NotifySystemd("STOPPING=1");
  if (web) web->Stop();
  std::filesystem::remove(config->dashboard_url_file(), ignored);
  if (!ran.ok()) return Fail(ran);
  return 0;
}

int ShowReport(const std::filesystem::path& config_path, const std::string& measure, bool json) {
  auto config = HubConfig::Load(config_path);
  if (!config.ok()) return Fail(config.status());
  if (!measure.empty() && FindMeasure(BuiltInCatalogue(), measure) == nullptr) {
    return Fail(Status(Code::kInvalidArgument, "unknown measure code '" + measure +
                                                   "'; known: " + KnownCodes(BuiltInCatalogue())));
  }
  db::OpenOptions options;
  options.create = false;  // reads only; the hub may be running
  auto db = db::Database::Open(config->database(), options);
  if (!db.ok()) return Fail(db.status());
  auto report = BuildReport(*db, config->name, config->targets);
  if (!report.ok()) return Fail(report.status());
  std::erase_if(*report, [&](const ReportRow& r) { return !measure.empty() && r.measure != measure; });
  if (json) {
    nlohmann::json out = nlohmann::json::array();
    for (const ReportRow& r : *report) {
      out.push_back({{"scope", r.scope},
                     {"kind", r.kind},
                     {"measure", r.measure},
                     {"unit", r.unit},
                     {"improvement", r.improvement},
                     {"months", r.months},
                     {"partial_months", r.partial_months},
                     {"suppressed_cells", r.suppressed_cells},
                     {"first_period", nullptr},
                     {"latest_period", nullptr},
                     {"numerator", nullptr},
                     {"denominator", nullptr},
                     {"trusts", nullptr},
                     {"llss", nullptr},
                     {"latest_rate", nullptr},
                     {"baseline_rate", nullptr},
                     {"baseline_months", r.baseline_months},
                     {"change", nullptr},
                     {"variation", nullptr},
                     {"signal", nullptr},
                     {"rules", nullptr},
                     {"assurance", nullptr}});
      if (r.months == 0) continue;  // nothing unsuppressed: the figures stay null
      nlohmann::json& j = out.back();
      j["first_period"] = r.first_period;
      j["latest_period"] = r.latest_period;
      j["numerator"] = r.numerator;
      j["denominator"] = r.denominator;
      j["trusts"] = r.trusts;
      j["llss"] = r.llss;
      j["latest_rate"] = r.latest_rate;
      j["baseline_rate"] = r.baseline_rate;
      j["change"] = r.change;
      j["variation"] = r.variation;
      j["signal"] = r.signal;
      j["rules"] = r.rules;
      j["assurance"] = r.assurance;
    }
    std::cout << out.dump(2) << "\n";
    return 0;
  }
  std::printf("%-14s %-30s %-8s %9s %9s %8s %6s  %s\n", "SCOPE", "MEASURE", "LATEST", "RATE",
              "BASELINE", "CHANGE", "TRUSTS", "SPC (variation / latest point)");
  for (const ReportRow& r : *report) {
    if (r.months == 0) {
      std::string why = r.suppressed_cells > 0
                            ? "no complete month (" + std::to_string(r.suppressed_cells) +
                                  " trust-months suppressed: counts below the threshold)"
                            : "nothing reported";
      std::printf("%-14s %-30s %-8s %9s %9s %8s %6s  %s\n", r.scope.c_str(), r.measure.c_str(),
                  "-", "-", "-", "-", "-", why.c_str());
      continue;
    }
    const char* unit = r.unit == "per 1000" ? "‰" : "%";
    std::string spc = r.variation + " / " + r.signal;
    if (!r.rules.empty()) spc += " (" + r.rules + ")";
    if (r.assurance != "none" && !r.assurance.empty()) spc += ", assurance " + r.assurance;
    if (r.partial_months > 0) {
      spc += "; " + std::to_string(r.months) + " of " +
             std::to_string(r.months + r.partial_months) + " months complete";
    }
    std::printf("%-14s %-30s %-8s %8.1f%s %8.1f%s %+8.1f %6lld  %s\n", r.scope.c_str(),
                r.measure.c_str(), r.latest_period.c_str(), r.latest_rate, unit, r.baseline_rate,
                unit, r.change, static_cast<long long>(r.trusts), spc.c_str());
  }
  return 0;
}

int BackupHub(const std::filesystem::path& config_path, const std::filesystem::path& out) {
  auto config = HubConfig::Load(config_path);
  if (!config.ok()) return Fail(config.status());
  // Its own connection, never creating or migrating: the hub may be running.
  db::OpenOptions options;
  options.create = false;
  auto db = db::Database::Open(config->database(), options);
  if (!db.ok()) return Fail(db.status());
  if (Status backed_up = db->BackupTo(out); !backed_up.ok()) return Fail(backed_up);
  std::printf("backed up %s to %s\n", config->database().c_str(), out.c_str());
  return 0;
}

int ShowStatus(const std::filesystem::path& config_path, bool json) {
  auto hub = OpenExisting(config_path);
  if (!hub.ok()) return Fail(hub.status());
  auto members = hub->store.Members();
  if (!members.ok()) return Fail(members.status());
  auto stats = hub->store.Stats();
  if (!stats.ok()) return Fail(stats.status());
  int64_t active = 0;
  for (const Member& m : *members) active += m.active() ? 1 : 0;
  nlohmann::json by_kind = nlohmann::json::object();
  for (uint16_t k = 1; k <= kMaxKind; ++k) {
    auto n = hub->store.CountByKind(static_cast<Kind>(k));
    if (!n.ok()) return Fail(n.status());
    by_kind[KindName(static_cast<Kind>(k))] = *n;
  }
  auto aggregates = CountAggregates(hub->store.database());
  if (!aggregates.ok()) return Fail(aggregates.status());
  auto pending = CountPendingLearning(hub->store.database());
  if (!pending.ok()) return Fail(pending.status());
  SystemClock wall;
  auto presence = ReadPresence(hub->store.database(), wall.NowMs());
  if (!presence.ok()) return Fail(presence.status());
  nlohmann::json member_list = nlohmann::json::array();
  for (const Member& m : *members) {
    auto seen = presence->last_seen.find(m.id);
    member_list.push_back(
        {{"name", m.name},
         {"organisation", m.organisation},
         {"role", RoleName(m.role)},
         {"lls", m.lls},
         {"active", m.active()},
         {"connected", m.active() && presence->Connected(m.id, wall.NowMs())},
         {"last_seen", seen == presence->last_seen.end() ? nlohmann::json(nullptr)
                                                         : nlohmann::json(FormatTimeMs(seen->second))}});
  }
  nlohmann::json parent = nullptr;
  if (hub->config.has_parent()) {
    auto outbox = ParentOutboxStats(hub->store.database());
    if (!outbox.ok()) return Fail(outbox.status());
    parent = {{"endpoint", hub->config.parent_endpoint},
              {"queued", outbox->queued},
              {"acked", outbox->acked},
              {"rejected", outbox->rejected},
              {"last_error", outbox->last_error}};
  }
  nlohmann::json j = {
      {"hub", hub->config.name},
      {"parent", parent},
      {"aggregates", aggregates->rows},
      {"projects", aggregates->projects},
      {"database", hub->config.database().string()},
      {"members", {{"active", active}, {"revoked", static_cast<int64_t>(members->size()) - active}}},
      {"log", {{"messages", stats->messages}, {"last_hub_seq", stats->last_hub_seq}}},
      {"messages_by_kind", by_kind},
      {"pending_curation", *pending},
      {"member_presence", member_list},
      {"subscribers", presence->subscribers && presence->hub_running
                          ? nlohmann::json(*presence->subscribers)
                          : nlohmann::json(nullptr)},
  };
  if (json) {
    std::cout << j.dump() << "\n";
  } else {
    std::cout << "hub " << hub->config.name << " (" << hub->config.database().string() << ")\n"
              << "  members: " << active << " active, " << members->size() - active
              << " revoked\n"
              << "  log: " << stats->messages << " messages, last hub sequence "
              << stats->last_hub_seq << "\n"
              << "  aggregates: " << aggregates->rows << " row(s) from " << aggregates->projects
              << " current project summar" << (aggregates->projects == 1 ? "y" : "ies") << "\n"
              << "  learning awaiting curation: " << *pending << "\n";
    if (hub->config.has_parent()) {
      std::cout << "  parent " << hub->config.parent_endpoint << ": " << parent["queued"]
                << " queued, " << parent["acked"] << " acked, " << parent["rejected"]
                << " refused" << (parent["last_error"] == "" ? "" : "; last error: ")
                << parent["last_error"].get<std::string>() << "\n";
    }
  }
  return 0;
}

int EnrolMember(const std::filesystem::path& config_path, const EnrolArgs& args, bool json) {
  auto config = HubConfig::Load(config_path);
  if (!config.ok()) return Fail(config.status());
  auto role = ParseRole(args.role);
  if (!role) {
    return Fail(Status(Code::kInvalidArgument,
                       "--role must be trust, facilitator, hub or national, not '" + args.role + "'"));
  }
  if (args.organisation.empty()) {
    return Fail(Status(Code::kInvalidArgument, "--org (the member's ODS code) is required"));
  }
  auto keys = crypto::LoadPublicKeyFile(args.public_key);
  if (!keys.ok()) return Fail(keys.status());
  auto store = OpenStore(*config);
  if (!store.ok()) return Fail(store.status());
  EnrolRequest request;
  request.keys = *keys;
  request.organisation = args.organisation;
  request.display_name = args.display_name.empty() ? keys->name : args.display_name;
  request.role = *role;
  request.lls = args.lls.empty() ? config->name : args.lls;
  request.actor = args.actor.empty() ? LoginName() : args.actor;
  auto member = store->Enrol(request, SystemClock().NowMs());
  if (member.status().code() == Code::kAlreadyExists) {
    return Fail(ExplainClash(*store, request.keys, member.status()));
  }
  if (!member.ok()) return Fail(member.status());
  if (json) {
    std::cout << MemberJson(*member).dump() << "\n";
  } else {
    std::cout << "enrolled " << member->name << " (" << RoleName(member->role) << ", "
              << member->organisation << ")\n";
  }
  return 0;
}

int RevokeMember(const std::filesystem::path& config_path, const std::string& name,
                 const std::string& reason, std::string actor, bool json) {
  auto hub = OpenExisting(config_path);
  if (!hub.ok()) return Fail(hub.status());
  if (actor.empty()) actor = LoginName();
  auto member = hub->store.Revoke(name, actor, reason, SystemClock().NowMs());
  if (!member.ok()) return Fail(member.status());
  if (json) {
    std::cout << MemberJson(*member).dump() << "\n";
  } else {
    std::cout << "revoked " << member->name << "; a running hub cuts its connections within a second\n";
  }
  return 0;
}

int ListMembers(const std::filesystem::path& config_path, bool json) {
  auto hub = OpenExisting(config_path);
  if (!hub.ok()) return Fail(hub.status());
  auto members = hub->store.Members();
  if (!members.ok()) return Fail(members.status());
  if (json) {
    nlohmann::json list = nlohmann::json::array();
    for (const Member& m : *members) list.push_back(MemberJson(m));
    std::cout << list.dump() << "\n";
    return 0;
  }
  std::printf("%-20s %-12s %-8s %-12s %-8s %s\n", "NAME", "ROLE", "ORG", "LLS", "STATE",
              "ENROLLED");
  for (const Member& m : *members) {
    std::printf("%-20s %-12s %-8s %-12s %-8s %s\n", m.name.c_str(), RoleName(m.role),
                m.organisation.c_str(), m.lls.c_str(), m.active() ? "active" : "revoked",
                FormatTimeMs(m.enrolled_at_ms).c_str());
  }
  return 0;
}

int MemberHistory(const std::filesystem::path& config_path, bool json) {
  auto hub = OpenExisting(config_path);
  if (!hub.ok()) return Fail(hub.status());
  auto events = hub->store.MemberEvents(1000);
  if (!events.ok()) return Fail(events.status());
  nlohmann::json list = nlohmann::json::array();
  for (const MemberEvent& e : *events) {
    if (json) {
      list.push_back({{"at", FormatTimeMs(e.at_ms)}, {"member", e.member}, {"action", e.action},
                      {"actor", e.actor}, {"detail", e.detail}});
    } else {
      std::printf("%s %-7s %-20s by %s %s\n", FormatTimeMs(e.at_ms).c_str(), e.action.c_str(),
                  e.member.c_str(), e.actor.c_str(), e.detail.c_str());
    }
  }
  if (json) std::cout << list.dump() << "\n";
  return 0;
}

int ShowAggregates(const std::filesystem::path& config_path, const std::string& measure,
                   bool json) {
  auto hub = OpenExisting(config_path);
  if (!hub.ok()) return Fail(hub.status());
  auto rows = ReadAggregates(hub->store.database(),
                             measure.empty() ? std::nullopt : std::optional<std::string>(measure));
  if (!rows.ok()) return Fail(rows.status());
  // At a parent hub: what member hubs forwarded, per LLS and "national" (hub/aggregates.h).
  auto federated = ReadFederatedAggregates(
      hub->store.database(), measure.empty() ? std::nullopt : std::optional<std::string>(measure));
  if (!federated.ok()) return Fail(federated.status());
  rows->insert(rows->end(), federated->begin(), federated->end());
  // The rate is computed from sums of unsuppressed points only; none without a denominator.
  auto rate = [](const AggregateRow& r) -> std::optional<double> {
    if (r.denominator <= 0) return std::nullopt;
    return 100.0 * static_cast<double>(r.numerator) / static_cast<double>(r.denominator);
  };
  if (json) {
    nlohmann::json list = nlohmann::json::array();
    for (const AggregateRow& r : *rows) {
      std::optional<double> pct = rate(r);
      list.push_back({{"lls", r.lls},
                      {"measure", r.measure},
                      {"period", r.period},
                      {"trusts", r.trusts},
                      {"llss", r.llss},
                      {"numerator", r.numerator},
                      {"denominator", r.denominator},
                      {"rate_percent", pct ? nlohmann::json(std::round(*pct * 100) / 100)
                                           : nlohmann::json(nullptr)},
                      {"suppressed_cells", r.suppressed_cells}});
    }
    std::cout << list.dump() << "\n";
    return 0;
  }
  std::printf("%-16s %-16s %-8s %5s %6s %10s %12s %8s %10s\n", "LLS", "MEASURE", "PERIOD",
              "LLSS", "TRUSTS", "NUMERATOR", "DENOMINATOR", "RATE%", "SUPPRESSED");
  for (const AggregateRow& r : *rows) {
    std::optional<double> pct = rate(r);
    char shown[32] = "-";
    if (pct) std::snprintf(shown, sizeof shown, "%.2f", *pct);
    std::printf("%-16s %-16s %-8s %5lld %6lld %10lld %12lld %8s %10lld\n", r.lls.c_str(),
                r.measure.c_str(), r.period.c_str(), static_cast<long long>(r.llss),
                static_cast<long long>(r.trusts),
                static_cast<long long>(r.numerator), static_cast<long long>(r.denominator),
                shown, static_cast<long long>(r.suppressed_cells));
  }
  return 0;
}

}  // namespace lls::hub
