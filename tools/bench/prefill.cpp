#include "tools/bench/prefill.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>

#include "exchange/clock.h"
#include "hub/hub_store.h"
#include "schema/codec.h"
#include "tools/bench/load.h"

namespace lls::bench {

namespace {

using SteadyClock = std::chrono::steady_clock;

// Producers hand the writer envelopes in chunks, so the queue's lock is taken once per
// thousand signatures rather than once per signature.
constexpr uint64_t kChunk = 1000;
// Chunks waiting for the writer; bounds memory (about 4 KiB a message: body plus encoding)
// when signing outruns the disk.
constexpr size_t kQueuedChunks = 32;

struct Chunk {
  int64_t member_id = 0;
  std::vector<Envelope> envelopes;
  std::vector<Bytes> encoded;
};

// A bounded hand-over from the signing threads to the one writing thread.
class ChunkQueue {
 public:
  explicit ChunkQueue(size_t producers) : producers_(producers) {}

  // Blocks while the queue is full, unless the writer gave up.
  void Push(Chunk chunk) {
    std::unique_lock lock(mutex_);
    not_full_.wait(lock, [&] { return chunks_.size() < kQueuedChunks || closed_; });
    if (closed_) return;
    chunks_.push_back(std::move(chunk));
    not_empty_.notify_one();
  }
  void ProducerDone() {
    std::lock_guard lock(mutex_);
    --producers_;
    not_empty_.notify_one();
  }
  // The next chunk; nullopt once every producer is done and the queue is drained.
  std::optional<Chunk> Pop() {
    std::unique_lock lock(mutex_);
    not_empty_.wait(lock, [&] { return !chunks_.empty() || producers_ == 0; });
    if (chunks_.empty()) return std::nullopt;
    Chunk chunk = std::move(chunks_.front());
    chunks_.pop_front();
    not_full_.notify_one();
    return chunk;
  }
  // The writer failed: producers stop waiting and stop producing.
  void Close() {
    std::lock_guard lock(mutex_);
    closed_ = true;
    not_full_.notify_all();
  }
  bool closed() {
    std::lock_guard lock(mutex_);
    return closed_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable not_full_, not_empty_;
  std::deque<Chunk> chunks_;
  size_t producers_;
  bool closed_ = false;
};

// One signing thread: claims chunks of the total until none is left. Each thread has its own
// signer, so per-signer sequences stay consecutive without any sharing.
void Produce(const crypto::Identity& signer, int64_t member_id, uint64_t total,
             std::atomic<uint64_t>& claimed, ChunkQueue& queue) {
  SummaryMaker maker(signer, kPayloadBytes);
  for (;;) {
    const uint64_t start = claimed.fetch_add(kChunk);
    if (start >= total || queue.closed()) break;
    const uint64_t n = std::min(kChunk, total - start);
    Chunk chunk;
    chunk.member_id = member_id;
    chunk.envelopes.reserve(n);
    chunk.encoded.reserve(n);
    for (uint64_t i = 0; i < n; ++i) {
      chunk.envelopes.push_back(maker.NextEnvelope());
      chunk.encoded.push_back(EncodeEnvelope(chunk.envelopes.back()));
    }
    queue.Push(std::move(chunk));
  }
  queue.ProducerDone();
}

// Appends the chunks in one transaction (state appliers skipped: see prefill.h).
Status Append(hub::HubStore& store, const std::vector<Chunk>& chunks) {
  std::vector<hub::LogRecord> records;
  const int64_t now = SystemClock().NowMs();
  for (const Chunk& chunk : chunks) {
    for (size_t i = 0; i < chunk.envelopes.size(); ++i) {
      records.push_back({&chunk.envelopes[i], &chunk.encoded[i], chunk.member_id, now});
    }
  }
  return store.AppendBatch(records).status();
}

uint64_t FileBytes(const std::filesystem::path& path) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  return ec ? 0 : size;
}

std::string Thousands(uint64_t n) {
  const std::string digits = std::to_string(n);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

// Opens the rig's store for a bulk load: no fsync per batch (a crash here only loses a bench
// database), and a larger page cache for the random message-id index.
Result<hub::HubStore> OpenForPrefill(const HubRig& rig) {
  LLS_ASSIGN_OR_RETURN(hub::HubStore store, hub::HubStore::Open(rig.database(), false));
  LLS_RETURN_IF_ERROR(store.database().Exec("PRAGMA synchronous=OFF; PRAGMA cache_size=-262144"));
  return store;
}

// The member ids of the prefill's signers, in signer order.
Result<std::vector<int64_t>> SignerIds(hub::HubStore& store, const HubRig& rig,
                                       const PrefillOptions& options) {
  LLS_ASSIGN_OR_RETURN(std::vector<hub::Member> members, store.Members());
  std::vector<int64_t> ids;
  for (size_t i = 0; i < options.signer_count; ++i) {
    const std::string& name = rig.trusts()[options.first_signer + i].name();
    auto it = std::find_if(members.begin(), members.end(),
                           [&](const hub::Member& m) { return m.name == name; });
    if (it == members.end()) return Status(Code::kNotFound, "signer " + name + " not enrolled");
    ids.push_back(it->id);
  }
  return ids;
}

// The writer's loop: takes chunks off the queue and commits a batch whenever it holds
// options.batch messages, reporting progress every tenth of the total.
Status WriteAll(const BenchContext& ctx, hub::HubStore& store, ChunkQueue& queue,
                const PrefillOptions& options, SteadyClock::time_point started) {
  std::vector<Chunk> pending;
  uint64_t pending_count = 0, written = 0;
  const uint64_t step = std::max<uint64_t>(options.messages / 10, 1);
  uint64_t next_report = step;
  for (;;) {
    std::optional<Chunk> chunk = queue.Pop();
    if (chunk) {
      pending_count += chunk->envelopes.size();
      pending.push_back(std::move(*chunk));
    }
    if (pending_count == 0 || (chunk && pending_count < options.batch)) {
      if (!chunk) return Status::Ok();
      continue;
    }
    LLS_RETURN_IF_ERROR(Append(store, pending).Context("prefilling hub.db"));
    written += pending_count;
    pending.clear();
    pending_count = 0;
    if (written >= next_report && ctx.progress) {
      const double s = std::chrono::duration<double>(SteadyClock::now() - started).count();
      ctx.progress("prefill: " + Thousands(written) + " / " + Thousands(options.messages) +
                   " stored (" + std::to_string(written * 100 / options.messages) + "%), " +
                   Thousands(static_cast<uint64_t>(written / s)) + " msg/s");
      next_report = (written / step + 1) * step;
    }
  }
}

}  // namespace

size_t PrefillThreads() { return std::max(1u, std::thread::hardware_concurrency()); }

Status CheckRoomFor(const std::filesystem::path& folder, uint64_t messages) {
  std::error_code ec;
  const std::filesystem::space_info space = std::filesystem::space(folder, ec);
  if (ec) return Status(Code::kIoError, "cannot read free space of " + folder.string());
  const uint64_t needed = messages * kStoredBytesPerMessage;
  if (static_cast<double>(space.available) < 1.5 * static_cast<double>(needed)) {
    const uint64_t gib = 1ull << 30;
    return Status(Code::kIoError,
                  Thousands(messages) + " stored messages need about " +
                      std::to_string(needed / gib + 1) + " GiB of hub.db; " + folder.string() +
                      " has " + std::to_string(space.available / gib) +
                      " GiB free, less than the 1.5 x margin required (use --work-dir on a "
                      "larger disk, or --scale smoke)");
  }
  return Status::Ok();
}

Result<PrefillResult> Prefill(const BenchContext& ctx, HubRig& rig,
                              const PrefillOptions& options) {
  if (options.signer_count == 0 ||
      options.first_signer + options.signer_count > rig.trusts().size()) {
    return Status(Code::kInvalidArgument, "prefill signers out of range of the rig's trusts");
  }
  // The hub's components make their tables on an empty log (see prefill.h: no backfill).
  LLS_RETURN_IF_ERROR(rig.Start(ctx.hub_program));
  LLS_RETURN_IF_ERROR(rig.Stop());
  LLS_ASSIGN_OR_RETURN(hub::HubStore store, OpenForPrefill(rig));
  LLS_ASSIGN_OR_RETURN(std::vector<int64_t> ids, SignerIds(store, rig, options));

  const auto started = SteadyClock::now();
  ChunkQueue queue(options.signer_count);
  std::atomic<uint64_t> claimed{0};
  std::vector<std::thread> producers;
  for (size_t i = 0; i < options.signer_count; ++i) {
    producers.emplace_back(Produce, std::cref(rig.trusts()[options.first_signer + i]), ids[i],
                           options.messages, std::ref(claimed), std::ref(queue));
  }
  Status written = WriteAll(ctx, store, queue, options, started);
  if (!written.ok()) queue.Close();
  // Producers blocked on a full queue are released by Close(); on success it is drained.
  while (!written.ok() && queue.Pop()) {
  }
  for (std::thread& t : producers) t.join();
  LLS_RETURN_IF_ERROR(written);

  PrefillResult result;
  result.messages = options.messages;
  result.seconds = std::chrono::duration<double>(SteadyClock::now() - started).count();
  result.msgs_per_s = static_cast<double>(options.messages) / std::max(result.seconds, 1e-9);
  result.database_bytes = FileBytes(rig.database()) +
                          FileBytes(rig.database().string() + "-wal");
  return result;
}

void RemoveUnlessKept(const BenchContext& ctx, const std::filesystem::path& folder) {
  if (ctx.options.keep) return;
  std::error_code ec;
  std::filesystem::remove_all(folder, ec);
}

std::string PrefillNote(const PrefillResult& result) {
  return Thousands(result.messages) +
         " signed 2 KiB summaries prefilled with AppendBatch (state appliers/aggregates "
         "skipped; prefill connection synchronous=OFF, the hub's own FULL), " +
         std::to_string(result.database_bytes >> 20) + " MiB hub.db, prefilled at " +
         Thousands(static_cast<uint64_t>(result.msgs_per_s)) + " msg/s";
}

}  // namespace lls::bench
