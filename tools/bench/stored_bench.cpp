// "stored": does a long history slow ingest down? The same full load (DriveIngest: kPublishers
// nodes, kWindow in flight each) against a hub with an empty log and against one holding
// millions of messages. What could slow it: the unique indexes on message id and
// (signer, sequence) that every ingest probes and extends grow with the log, and stop fitting
// in SQLite's page cache.
#include <algorithm>

#include "tools/bench/load.h"
#include "tools/bench/prefill.h"
#include "tools/bench/scenarios.h"

namespace lls::bench {

namespace {

// Rigs with the kPublishers trusts DriveIngest publishes as, then one prefill signer per core:
// the prefill's (signer, sequence) pairs can never clash with what DriveIngest sends.
HubRigOptions StoredRigOptions() {
  HubRigOptions options;
  options.trusts = kPublishers + PrefillThreads();
  return options;
}

// The empty hub is measured twice, before and after the prefill (which can take many
// minutes): the second run's sequences start above anything the first could have sent.
constexpr uint64_t kSecondRunSequence = 100'000'000;

// Starts the rig's hub, drives it at full load for `seconds`, stops it.
Result<IngestRun> MeasureIngest(const BenchContext& ctx, HubRig& rig, double seconds,
                                uint64_t first_sequence = 1) {
  LLS_RETURN_IF_ERROR(rig.Start(ctx.hub_program));
  LLS_ASSIGN_OR_RETURN(IngestRun run, DriveIngest(rig, seconds, 0, first_sequence));
  LLS_RETURN_IF_ERROR(rig.Stop());
  return run;
}

std::string IngestNote(const IngestRun& run) {
  return std::to_string(kPublishers) + " publishers x " + std::to_string(kWindow) +
         " in flight, signed 2 KiB summaries, " + std::to_string(run.acked) + " acked in " +
         std::to_string(static_cast<int>(run.seconds + 0.5)) + " s";
}

Figure IngestFigure(const char* key, std::string label, const IngestRun& run,
                    std::string note) {
  Figure f;
  f.key = key;
  f.label = std::move(label);
  f.unit = "msg/s";
  f.value = run.msgs_per_s;
  f.note = std::move(note);
  return f;
}

}  // namespace

Result<std::vector<Figure>> RunStoredOf(const BenchContext& ctx, uint64_t stored) {
  LLS_ASSIGN_OR_RETURN(std::filesystem::path folder, ctx.Folder("stored"));
  LLS_RETURN_IF_ERROR(CheckRoomFor(folder, stored));
  const double seconds = ctx.Seconds(2, 10);

  LLS_ASSIGN_OR_RETURN(std::unique_ptr<HubRig> empty,
                       HubRig::Create(folder / "empty", StoredRigOptions()));
  if (ctx.progress) ctx.progress("stored: full ingest load on an empty hub");
  LLS_ASSIGN_OR_RETURN(IngestRun on_empty, MeasureIngest(ctx, *empty, seconds));

  LLS_ASSIGN_OR_RETURN(std::unique_ptr<HubRig> full,
                       HubRig::Create(folder / "prefilled", StoredRigOptions()));
  PrefillOptions prefill_options;
  prefill_options.messages = stored;
  prefill_options.first_signer = kPublishers;
  prefill_options.signer_count = PrefillThreads();
  if (ctx.progress) ctx.progress("stored: prefilling " + std::to_string(stored) + " messages");
  LLS_ASSIGN_OR_RETURN(PrefillResult prefill, Prefill(ctx, *full, prefill_options));
  if (ctx.progress) {
    ctx.progress("stored: prefilled in " + std::to_string(static_cast<int>(prefill.seconds)) +
                 " s; full ingest load on it");
  }
  LLS_ASSIGN_OR_RETURN(IngestRun on_stored, MeasureIngest(ctx, *full, seconds));
  RemoveUnlessKept(ctx, folder / "prefilled");
  // Again on the (nearly) empty hub: a machine whose background load changed during a long
  // prefill would otherwise skew the ratio; the two empty runs are averaged.
  if (ctx.progress) ctx.progress("stored: full ingest load on the empty hub again");
  LLS_ASSIGN_OR_RETURN(IngestRun again, MeasureIngest(ctx, *empty, seconds, kSecondRunSequence));
  const double first_empty = on_empty.msgs_per_s;
  on_empty.msgs_per_s = (first_empty + again.msgs_per_s) / 2;
  on_empty.acked += again.acked;
  on_empty.seconds += again.seconds;

  std::vector<Figure> figures;
  figures.push_back(IngestFigure("ingest_empty_msgs_per_s", "durable ingest, empty hub",
                                 on_empty,
                                 IngestNote(on_empty) + ", empty log; mean of a run before (" +
                                     std::to_string(static_cast<int>(first_empty)) +
                                     " msg/s) and after (" +
                                     std::to_string(static_cast<int>(again.msgs_per_s)) +
                                     " msg/s) the stored one"));
  figures.push_back(IngestFigure("ingest_stored_msgs_per_s",
                                 "durable ingest, millions already stored", on_stored,
                                 IngestNote(on_stored) + ", on top of " + PrefillNote(prefill)));
  Figure ratio;
  ratio.key = "stored_vs_empty";
  ratio.label = "ingest with history / ingest empty";
  ratio.unit = "x";
  ratio.value = on_stored.msgs_per_s / std::max(on_empty.msgs_per_s, 1e-9);
  ratio.note = std::to_string(stored) + " messages stored vs none; same load, same machine";
  figures.push_back(ratio);
  return figures;
}

Result<std::vector<Figure>> RunStored(const BenchContext& ctx) {
  const uint64_t messages = ctx.options.stored_messages;
  return RunStoredOf(ctx, messages > 0 ? messages : ctx.Pick<uint64_t>(50'000, 10'000'000));
}

}  // namespace lls::bench
