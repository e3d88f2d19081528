// Prefill: puts N stored messages into a rig's hub.db before its hub starts, for the scenarios
// that need a long history ("replay", "stored").
//
// The messages are real: signed 2 KiB ProjectSummary envelopes from SummaryMaker, each signed
// by an enrolled trust of the rig, with distinct message ids and per-signer sequences from 1,
// appended with HubStore::AppendBatch exactly as the hub stores what it acks. Two shortcuts,
// both to be named in the figure's note (PrefillNote):
//   - they skip the state appliers (aggregates): those cost ingest time, not stored size.
//     So that the hub does not make up for it at its next start, Prefill starts and stops
//     the hub once on the empty log first: a hub whose aggregates tables are new backfills
//     them from the whole log at start-up (hub/aggregates.cpp), minutes per million;
//   - the prefill's own connection runs with PRAGMA synchronous=OFF (no fsync per batch)
//     and a 256 MiB page cache; the hub opens hub.db afterwards with its normal settings
//     (WAL, synchronous=FULL).
// Signing is the cost, so every core signs (one thread per core, each with its own signers)
// while the calling thread alone writes: a HubStore belongs to one thread.
//
// Not thread-safe: call from one thread, with the rig's hub stopped (Prefill starts and stops
// it once, before writing).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "schema/status.h"
#include "tools/bench/bench.h"
#include "tools/bench/hub_rig.h"

namespace lls::bench {

// hub.db bytes per stored 2 KiB envelope, measured: a log row of ~2.1 KiB does not share a
// 4 KiB SQLite page with another, so each takes a page of its own, plus its index entries.
inline constexpr uint64_t kStoredBytesPerMessage = 4300;

struct PrefillOptions {
  uint64_t messages = 0;
  // The signers are rig.trusts()[first_signer, first_signer + signer_count). Keep them apart
  // from any the scenario publishes with later (DriveIngest uses the first kPublishers), so
  // that (signer, sequence) cannot clash.
  size_t first_signer = 0;
  size_t signer_count = 1;
  size_t batch = 10'000;  // messages per AppendBatch transaction
};

struct PrefillResult {
  uint64_t messages = 0;
  double seconds = 0;
  double msgs_per_s = 0;
  uint64_t database_bytes = 0;  // hub.db (and its -wal) afterwards
};

// How many producing threads Prefill uses: one per core, so also how many signers it needs.
size_t PrefillThreads();

// kIoError, saying how much is needed and free, unless the filesystem holding `folder` has
// 1.5 x the room `messages` stored messages take (checked before a long prefill, not after).
Status CheckRoomFor(const std::filesystem::path& folder, uint64_t messages);

// Starts and stops the rig's hub (ctx.hub_program) on its empty log, then appends
// options.messages signed summaries to rig.database(); progress about every 10%. Fails if a
// signer index is out of range, the hub does not start, or on any store error.
Result<PrefillResult> Prefill(const BenchContext& ctx, HubRig& rig,
                              const PrefillOptions& options);

// The words a figure's note carries about a prefilled history.
std::string PrefillNote(const PrefillResult& result);

// A prefilled hub.db is GiBs (tens at full scale): removed as soon as it has been measured,
// unless --keep, so that the next scenario has the disk.
void RemoveUnlessKept(const BenchContext& ctx, const std::filesystem::path& folder);

// The two history scenarios at an explicit size, for a machine where the size does
// not fit in the time or disk at hand (RunReplay and RunStored call these with ctx.Pick).
Result<std::vector<Figure>> RunReplayOf(const BenchContext& ctx, uint64_t stored);
Result<std::vector<Figure>> RunStoredOf(const BenchContext& ctx, uint64_t stored);

}  // namespace lls::bench
