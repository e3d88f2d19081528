// "ingest" and "latency": the Ed25519 verify rate of this machine (one core, all cores), the
// hub's durable ingest rate of signed 2 KiB summaries, and publish->ack latency at half that
// rate. Acks come only after the batch's COMMIT (hub/ingest.h), so every acked message here
// was on disk (WAL, synchronous=FULL) when its Ack left the hub.
#include <atomic>
#include <thread>

#include "crypto/crypto.h"
#include "tools/bench/hub_rig.h"
#include "tools/bench/load.h"
#include "tools/bench/scenarios.h"

namespace lls::bench {

namespace {

// Verifications per second over `seconds`, on `threads` threads, of real 2 KiB summaries.
double VerifyRate(const std::vector<Envelope>& envelopes, unsigned threads, double seconds) {
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> total{0};
  std::atomic<bool> all_valid{true};
  std::vector<std::thread> workers;
  const auto start = std::chrono::steady_clock::now();
  for (unsigned t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      uint64_t n = 0;
      for (size_t i = t; !stop.load(std::memory_order_relaxed); i = (i + 1) % envelopes.size()) {
        if (!crypto::Verify(envelopes[i])) all_valid.store(false);
        ++n;
      }
      total.fetch_add(n);
    });
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop.store(true);
  for (std::thread& w : workers) w.join();
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return all_valid.load() ? static_cast<double>(total.load()) / elapsed : 0;
}

}  // namespace

Result<std::vector<Figure>> RunIngest(const BenchContext& ctx) {
  std::vector<Figure> figures;
  const double seconds = ctx.Seconds(2, 10);

  // The machine's own limit: what it costs to check the signatures the hub must check.
  LLS_ASSIGN_OR_RETURN(crypto::Identity signer, crypto::Identity::Generate("verify-bench"));
  SummaryMaker maker(signer, kPayloadBytes);
  std::vector<Envelope> envelopes;
  for (int i = 0; i < 256; ++i) envelopes.push_back(maker.NextEnvelope());
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  const double one = VerifyRate(envelopes, 1, ctx.Pick(1.0, 3.0));
  const double all = VerifyRate(envelopes, cores, ctx.Pick(1.0, 3.0));
  if (one == 0 || all == 0) return Status(Code::kInternal, "a benchmark signature did not verify");
  ctx.progress("Ed25519 verify of 2 KiB envelopes: " + std::to_string(static_cast<int64_t>(one)) +
               "/s on one core, " + std::to_string(static_cast<int64_t>(all)) + "/s on " +
               std::to_string(cores) + " threads");
  figures.push_back(MakeFigure("verify_one_core_per_s", "Ed25519 verify, one core", "sig/s", one,
                               true, "crypto::Verify of signed 2 KiB summaries, one thread"));
  figures.push_back(MakeFigure("verify_all_cores_per_s", "Ed25519 verify, all cores", "sig/s", all,
                               true, std::to_string(cores) + " threads"));

  LLS_ASSIGN_OR_RETURN(std::filesystem::path folder, ctx.Folder("ingest"));
  HubRigOptions rig_options;
  rig_options.trusts = kPublishers;
  rig_options.subscribe = false;
  LLS_ASSIGN_OR_RETURN(std::unique_ptr<HubRig> rig, HubRig::Create(folder / "hub", rig_options));
  LLS_RETURN_IF_ERROR(rig->Start(ctx.hub_program));

  DriveOptions max_options;
  max_options.seconds = seconds;
  max_options.presign_rate = all * 1.1;  // a hub cannot ingest faster than it can verify
  LLS_ASSIGN_OR_RETURN(IngestRun max, DriveIngest(*rig, max_options));
  ctx.progress("durable ingest: " + std::to_string(static_cast<int64_t>(max.msgs_per_s)) +
               " msg/s (" + std::to_string(max.acked) + " acked in " + std::to_string(seconds) +
               " s)");
  figures.push_back(MakeFigure(
      kIngestKey, "durable ingest, signed 2 KiB summaries", "msg/s", max.msgs_per_s, true,
      std::to_string(kPublishers) + " nodes x " + std::to_string(kWindow) +
          " in flight; acked after COMMIT (WAL, synchronous=FULL); " + std::to_string(max.acked) +
          " msgs in " + std::to_string(static_cast<int>(seconds)) + " s"));
  figures.push_back(MakeFigure("ingest_vs_verify", "ingest / all-core verify rate", "",
                               max.msgs_per_s / all, true, "same run"));

  // Half of the maximum, paced: what an operator sees on a busy day that is not a flood.
  const double half = max.msgs_per_s / 2;
  LLS_ASSIGN_OR_RETURN(IngestRun paced, DriveIngest(*rig, seconds, half, 100'000'000));
  ctx.progress("publish->ack at " + std::to_string(static_cast<int64_t>(half)) + " msg/s: p50 " +
               std::to_string(Percentile(paced.latencies_us, 50) / 1000) + " ms, p99 " +
               std::to_string(Percentile(paced.latencies_us, 99) / 1000) + " ms");
  const std::string note = "paced at half the maximum (" +
                           std::to_string(static_cast<int64_t>(half)) + " msg/s), " +
                           std::to_string(paced.latencies_us.size()) + " samples";
  figures.push_back(MakeFigure(kAckP50Key, "publish->ack p50 at half load", "ms",
                               Percentile(paced.latencies_us, 50) / 1000, false, note));
  figures.push_back(MakeFigure(kAckP99Key, "publish->ack p99 at half load", "ms",
                               Percentile(paced.latencies_us, 99) / 1000, false, ""));
  figures.push_back(MakeFigure(kAckP999Key, "publish->ack p99.9 at half load", "ms",
                               Percentile(paced.latencies_us, 99.9) / 1000, false, ""));
  LLS_RETURN_IF_ERROR(rig->Stop());
  return figures;
}

}  // namespace lls::bench
