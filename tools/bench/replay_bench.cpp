// "replay": a late joiner reads the whole stored log from sequence 1 through the subscribe
// socket, as lls-node's inbox would (node/inbox.h: 1,000 entries and a 2 s long-poll asked
// per request, one request outstanding), until it holds every message.
//
// Two passes over the same hub: the first decodes every entry's envelope but verifies no
// signature (a transport-level figure, comparable with Mosquitto's replay of a retained
// history); the second verifies every signature with VerifyEntry on all cores, which is what
// a node really pays. Both send the next request as soon as a batch arrives and process that
// batch while the hub prepares the next: one request outstanding still, and no lost overlap.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>

#include "exchange/subscribe_client.h"
#include "tools/bench/load.h"
#include "tools/bench/prefill.h"
#include "tools/bench/scenarios.h"

namespace lls::bench {

namespace {

using SteadyClock = std::chrono::steady_clock;

// As lls-node's inbox asks (node/inbox.h InboxOptions).
constexpr uint32_t kInboxMaxMessages = 1000;
constexpr uint32_t kInboxWaitMs = 2000;
// No answer for this long means the hub stalled: the scenario fails instead of hanging.
constexpr std::chrono::seconds kStall(30);

// What a pass does with each batch: OK, or why an entry is unacceptable.
using BatchCheck = Status (*)(const std::vector<LogEntry>& entries);

Status DecodeOnly(const std::vector<LogEntry>& entries) {
  DecodeLimits limits;
  limits.max_frame_bytes = kMaxEntryBytes;
  for (const LogEntry& entry : entries) {
    WireResult<Envelope> envelope = DecodeEnvelope(entry.envelope, limits);
    if (!envelope.ok()) {
      return Status(Code::kCorrupt, "hub sequence " + std::to_string(entry.hub_seq) +
                                        ": envelope does not decode: " + envelope.error().text);
    }
  }
  return Status::Ok();
}

// VerifyEntry on every entry, the batch split across all cores.
Status VerifyAll(const std::vector<LogEntry>& entries) {
  const size_t threads = std::min(PrefillThreads(), std::max<size_t>(entries.size(), 1));
  std::vector<Status> results(threads);
  auto verify_slice = [&](size_t t) {
    for (size_t i = t; i < entries.size(); i += threads) {
      Result<VerifiedEntry> verified = VerifyEntry(entries[i]);
      if (!verified.ok()) {
        results[t] = verified.status();
        return;
      }
    }
  };
  std::vector<std::thread> helpers;
  for (size_t t = 1; t < threads; ++t) helpers.emplace_back(verify_slice, t);
  verify_slice(0);
  for (std::thread& h : helpers) h.join();
  for (const Status& s : results) LLS_RETURN_IF_ERROR(s);
  return Status::Ok();
}

struct PassResult {
  uint64_t entries = 0;
  double seconds = 0;
  uint64_t batches = 0;
};

// Reads the log from sequence 1 until `expected` entries arrived, checking each batch.
// Timed from the first request to the last batch checked.
Result<PassResult> ReadWholeLog(transport::ClientTransport& transport, uint64_t expected,
                                BatchCheck check) {
  Subscriber subscriber(transport);
  PassResult pass;
  const auto started = SteadyClock::now();
  LLS_RETURN_IF_ERROR(subscriber.Request(1, kInboxMaxMessages, kInboxWaitMs));
  while (pass.entries < expected) {
    LLS_ASSIGN_OR_RETURN(std::optional<SubscribeBatch> batch, subscriber.Receive(kStall));
    if (!batch) {
      return Status(Code::kTimeout, "the hub sent no batch for " +
                                        std::to_string(kStall.count()) + " s after " +
                                        std::to_string(pass.entries) + " entries");
    }
    if (batch->head_seq < expected) {
      return Status(Code::kInternal, "the hub's log ends at " + std::to_string(batch->head_seq) +
                                         ", short of the " + std::to_string(expected) +
                                         " messages prefilled");
    }
    pass.entries += batch->entries.size();
    ++pass.batches;
    // Ask for the next batch before checking this one: the hub works while we do.
    if (pass.entries < expected) {
      LLS_RETURN_IF_ERROR(subscriber.Request(batch->next_seq, kInboxMaxMessages, kInboxWaitMs));
    }
    LLS_RETURN_IF_ERROR(check(batch->entries));
  }
  pass.seconds = std::chrono::duration<double>(SteadyClock::now() - started).count();
  return pass;
}

Result<std::unique_ptr<transport::ClientTransport>> ConnectLateJoiner(const HubRig& rig) {
  transport::ClientOptions options;
  options.endpoint = rig.subscribe_endpoint();
  options.server_key = rig.hub_key().curve;
  options.max_message_bytes = kMaxReplyBytes;
  LLS_ASSIGN_OR_RETURN(std::unique_ptr<transport::ClientTransport> transport,
                       transport::ClientTransport::Connect(rig.trusts()[0], options));
  LLS_RETURN_IF_ERROR(transport->WaitConnected(std::chrono::seconds(10)));
  return transport;
}

Figure ReplayFigure(const char* key, std::string label, const PassResult& pass,
                    const std::string& how, const PrefillResult& prefill) {
  Figure f;
  f.key = key;
  f.label = std::move(label);
  f.unit = "msg/s";
  f.value = static_cast<double>(pass.entries) / std::max(pass.seconds, 1e-9);
  f.note = how + "; default [subscribe] limits (1,000 entries / 1 MiB per batch, " +
           std::to_string(pass.batches) + " batches, 1,000 asked per request as lls-node); " +
           PrefillNote(prefill);
  return f;
}

}  // namespace

Result<std::vector<Figure>> RunReplayOf(const BenchContext& ctx, uint64_t stored) {
  LLS_ASSIGN_OR_RETURN(std::filesystem::path folder, ctx.Folder("replay"));
  LLS_RETURN_IF_ERROR(CheckRoomFor(folder, stored));
  HubRigOptions rig_options;
  // trusts()[0] is the late joiner; the prefill signs with the ones after it.
  rig_options.trusts = 1 + PrefillThreads();
  LLS_ASSIGN_OR_RETURN(std::unique_ptr<HubRig> rig, HubRig::Create(folder, rig_options));
  PrefillOptions prefill_options;
  prefill_options.messages = stored;
  prefill_options.first_signer = 1;
  prefill_options.signer_count = PrefillThreads();
  LLS_ASSIGN_OR_RETURN(PrefillResult prefill, Prefill(ctx, *rig, prefill_options));
  if (ctx.progress) {
    ctx.progress("replay: " + std::to_string(stored) + " messages prefilled in " +
                 std::to_string(static_cast<int>(prefill.seconds)) + " s; starting the hub");
  }
  LLS_RETURN_IF_ERROR(rig->Start(ctx.hub_program));
  LLS_ASSIGN_OR_RETURN(std::unique_ptr<transport::ClientTransport> transport,
                       ConnectLateJoiner(*rig));

  LLS_ASSIGN_OR_RETURN(PassResult decoded, ReadWholeLog(*transport, stored, DecodeOnly));
  if (ctx.progress) {
    ctx.progress("replay: decoded " + std::to_string(decoded.entries) + " in " +
                 std::to_string(decoded.seconds) + " s; again, verifying every signature");
  }
  LLS_ASSIGN_OR_RETURN(PassResult verified, ReadWholeLog(*transport, stored, VerifyAll));
  transport.reset();
  LLS_RETURN_IF_ERROR(rig->Stop());
  RemoveUnlessKept(ctx, folder);

  std::vector<Figure> figures;
  figures.push_back(ReplayFigure(kReplayKey, "replay of stored messages to a late joiner",
                                 decoded, "envelopes decoded, signatures not verified",
                                 prefill));
  figures.push_back(ReplayFigure(
      "replay_verified_msgs_per_s", "replay to a late joiner, every signature verified",
      verified,
      "VerifyEntry on every entry over " + std::to_string(PrefillThreads()) +
          " threads (the hub shares the cores)",
      prefill));
  return figures;
}

Result<std::vector<Figure>> RunReplay(const BenchContext& ctx) {
  const uint64_t messages = ctx.options.replay_messages;
  return RunReplayOf(ctx, messages > 0 ? messages : ctx.Pick<uint64_t>(20'000, 1'000'000));
}

}  // namespace lls::bench
