#include "tests/faults/federation_checks.h"

#include <map>
#include <tuple>

#include "exchange/sqlite.h"

namespace lls::faults {

namespace {

MessageId ToId(const std::vector<uint8_t>& blob) {
  MessageId id{};
  if (blob.size() == id.size()) std::copy(blob.begin(), blob.end(), id.begin());
  return id;
}

Result<db::Database> OpenReadOnly(const std::filesystem::path& path) {
  db::OpenOptions options;
  options.create = false;
  return db::Database::Open(path, options);
}

// (scope, measure, period) -> (trusts, numerator, denominator, suppressed cells)
using Cells = std::map<std::tuple<std::string, std::string, std::string>,
                       std::tuple<int64_t, int64_t, int64_t, int64_t>>;

std::string Describe(const Cells::key_type& k, const Cells::mapped_type& v) {
  return std::get<0>(k) + "/" + std::get<1>(k) + "/" + std::get<2>(k) +
         " trusts=" + std::to_string(std::get<0>(v)) + " num=" + std::to_string(std::get<1>(v)) +
         " den=" + std::to_string(std::get<2>(v)) + " suppressed=" + std::to_string(std::get<3>(v));
}

}  // namespace

Result<crash::NodeDbState> ReadHubOutbox(const std::filesystem::path& hub_db) {
  LLS_ASSIGN_OR_RETURN(db::Database db, OpenReadOnly(hub_db));
  LLS_ASSIGN_OR_RETURN(db::Statement s,
                       db.Prepare("SELECT local_id, message_id, kind, sequence, state, attempts, "
                                  "hub_seq, envelope FROM outbox ORDER BY local_id"));
  crash::NodeDbState state;
  for (;;) {
    LLS_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    crash::OutboxRow r;
    r.local_id = s.ColumnInt(0);
    r.id = ToId(s.ColumnBlob(1));
    r.kind = static_cast<Kind>(s.ColumnInt(2));
    r.sequence = static_cast<uint64_t>(s.ColumnInt(3));
    r.state = s.ColumnText(4);
    r.attempts = static_cast<int>(s.ColumnInt(5));
    if (!s.ColumnIsNull(6)) r.hub_seq = static_cast<uint64_t>(s.ColumnInt(6));
    r.envelope = s.ColumnBlob(7);
    state.outbox.push_back(std::move(r));
  }
  return state;
}

std::vector<std::string> CheckOutboxDrained(const crash::NodeDbState& outbox,
                                            const std::string& name) {
  std::vector<std::string> v;
  int64_t queued = 0, rejected = 0;
  for (const crash::OutboxRow& r : outbox.outbox) {
    queued += r.state == "queued";
    rejected += r.state == "rejected";
    if (r.state == "acked" && !r.hub_seq) {
      v.push_back(name + ": outbox message " + crash::HexPrefix(r.id) + " acked without hub_seq");
    }
  }
  if (queued > 0) {
    v.push_back(name + ": " + std::to_string(queued) + " message(s) still queued after healing");
  }
  if (rejected > 0) v.push_back(name + ": " + std::to_string(rejected) + " message(s) refused");
  return v;
}

std::vector<std::string> CheckNationalCells(const std::filesystem::path& national_db,
                                            const std::filesystem::path& lls_db,
                                            const SignPublicKey& lls_signer, int64_t* cells) {
  std::vector<std::string> v;
  Cells lls, national;
  {
    auto db = OpenReadOnly(lls_db);
    if (!db.ok()) return {"opening the LLS hub.db: " + db.status().message()};
    auto s = db->Prepare(
        "SELECT lls, measure, period, trusts, numerator, denominator, "
        "suppressed_cells FROM agg_cells");
    if (!s.ok()) return {"reading agg_cells: " + s.status().message()};
    while (true) {
      auto row = s->Step();
      if (!row.ok()) return {"reading agg_cells: " + row.status().message()};
      if (!*row) break;
      lls[{s->ColumnText(0), s->ColumnText(1), s->ColumnText(2)}] = {
          s->ColumnInt(3), s->ColumnInt(4), s->ColumnInt(5), s->ColumnInt(6)};
    }
  }
  {
    auto db = OpenReadOnly(national_db);
    if (!db.ok()) return {"opening the national hub.db: " + db.status().message()};
    auto s = db->Prepare(
        "SELECT a.scope, a.measure, a.period, a.trusts, a.numerator, a.denominator, "
        "a.suppressed_cells FROM agg_members a JOIN members m ON m.id = a.member_id "
        "WHERE m.sign_key = ? AND a.present = 1");
    if (!s.ok()) return {"reading agg_members: " + s.status().message()};
    s->Bind(1, std::span<const uint8_t>(lls_signer));
    while (true) {
      auto row = s->Step();
      if (!row.ok()) return {"reading agg_members: " + row.status().message()};
      if (!*row) break;
      national[{s->ColumnText(0), s->ColumnText(1), s->ColumnText(2)}] = {
          s->ColumnInt(3), s->ColumnInt(4), s->ColumnInt(5), s->ColumnInt(6)};
    }
  }
  *cells = static_cast<int64_t>(lls.size());
  for (const auto& [key, value] : lls) {
    auto it = national.find(key);
    if (it == national.end()) {
      v.push_back("the national hub has no figure for the LLS cell " + Describe(key, value));
    } else if (it->second != value) {
      v.push_back("the national hub holds " + Describe(key, it->second) +
                  " but the LLS hub's cell is " + Describe(key, value));
    }
  }
  for (const auto& [key, value] : national) {
    if (!lls.count(key)) {
      v.push_back("the national hub holds a figure the LLS hub does not have: " +
                  Describe(key, value));
    }
  }
  if (v.size() > 20) {
    const size_t more = v.size() - 20;
    v.resize(20);
    v.push_back("... and " + std::to_string(more) + " more cell differences");
  }
  return v;
}

}  // namespace lls::faults
