#include "hub/subscriptions.h"

#include <algorithm>
#include <map>
#include <tuple>

#include "exchange/log.h"

namespace lls::hub {

namespace {

constexpr Kind kAllKinds[] = {Kind::kProjectSummary, Kind::kLearningItem, Kind::kCuration,
                              Kind::kAggregate,      Kind::kRetraction,   Kind::kMeasureCatalogue,
                              Kind::kBulletin,       Kind::kRelay};

std::vector<Kind> ReadableKinds(const Member& reader, const SubscribeOptions& options) {
  std::vector<Kind> kinds;
  for (Kind kind : kAllKinds) {
    if (MayRead(reader, kind, options)) kinds.push_back(kind);
  }
  return kinds;
}

}  // namespace

bool MayRead(const Member& reader, Kind kind, const SubscribeOptions& /*options*/) {
  if (!reader.active()) return false;
  if (reader.role == Role::kHub) {  // a child hub: what it relays down (hub/downward.h)
    return kind == Kind::kBulletin || kind == Kind::kMeasureCatalogue || kind == Kind::kRelay;
  }
  switch (kind) {
    case Kind::kProjectSummary:
    case Kind::kAggregate:
    case Kind::kRetraction:
    case Kind::kMeasureCatalogue:
    case Kind::kBulletin:
    case Kind::kRelay:
      return true;
    case Kind::kLearningItem:  // pending items and the decisions on them: the curators' queue
    case Kind::kCuration:
      return reader.role == Role::kFacilitator;
    case Kind::kUnknown:
      return false;
  }
  return false;
}

SubscribeReply Subscriptions::Read(const Member& member, uint64_t from, uint32_t max_messages,
                                   bool* caught_up) {
  uint32_t max = max_messages == 0 ? options_.max_messages
                                   : std::min(max_messages, options_.max_messages);
  auto slice = store_.ReadLog(from, ReadableKinds(member, options_), max,
                              options_.max_batch_bytes, options_.scan_limit);
  if (!slice.ok()) {
    log::Error("subscription of member '" + member.name + "': " + slice.status().message());
    return SubscribeError{NackCode::kInternal, "the hub cannot read its log now; ask again later"};
  }
  if (caught_up != nullptr) *caught_up = slice->entries.empty() && slice->next_seq > slice->head_seq;
  SubscribeBatch batch;
  batch.entries = std::move(slice->entries);
  batch.head_seq = slice->head_seq;
  batch.from_seq = from;
  batch.next_seq = slice->next_seq;
  return batch;
}

SubscribeOut Subscriptions::Error(const transport::InboundFrame& frame, NackCode code,
                                  std::string text) {
  const Member* member = members_.ActiveById(frame.user_id);
  log::Warn("subscription refused " + std::string(NackCodeName(code)) + " for " +
            (member ? "member '" + member->name + "'" : std::string("an unknown connection")) +
            ": " + text);
  Encoded error;
  error.payload =
      std::make_shared<const Bytes>(EncodeSubscribeReply(SubscribeError{code, std::move(text)}));
  return Send(frame.peer, error);
}

const Subscriptions::Encoded& Subscriptions::ReadEncoded(const Member& member, uint64_t from,
                                                         uint32_t max_messages) {
  const uint32_t effective = max_messages == 0 ? options_.max_messages
                                               : std::min(max_messages, options_.max_messages);
  auto [entry, fresh] = reads_.try_emplace({from, effective, ReadableKinds(member, options_)});
  Encoded& reply = entry->second;
  if (fresh) {
    SubscribeReply read = Read(member, from, max_messages, &reply.caught_up);
    if (const auto* batch = std::get_if<SubscribeBatch>(&read)) {
      reply.batch = true;
      reply.entries = batch->entries.size();
    }
    reply.payload = std::make_shared<const Bytes>(EncodeSubscribeReply(read));
  }
  return reply;
}

SubscribeOut Subscriptions::Send(const std::string& peer, const Encoded& reply) {
  if (reply.batch) {
    ++counters_.batches;
    counters_.entries += reply.entries;
  } else {
    ++counters_.errors;
  }
  return SubscribeOut{peer, reply.payload};
}

template <typename Ready>
void Subscriptions::AnswerParked(Ready ready, std::vector<SubscribeOut>& out) {
  for (auto it = parked_.begin(); it != parked_.end();) {
    const Member* member = members_.ActiveById(it->user_id);
    if (member == nullptr) {  // revoked since it asked: it gets nothing more
      ++counters_.dropped;
      it = parked_.erase(it);
      continue;
    }
    if (!ready(*it, *member)) {
      ++it;
      continue;
    }
    out.push_back(Send(it->peer, ReadEncoded(*member, it->from, it->max_messages)));
    it = parked_.erase(it);
  }
}

std::vector<SubscribeOut> Subscriptions::Handle(
    const std::vector<transport::InboundFrame>& frames, int64_t now_ms) {
  std::vector<SubscribeOut> out;
  ForgetReads();
  for (const transport::InboundFrame& frame : frames) {
    ++counters_.requests;
    if (frame.payload.size() > options_.max_request_bytes) {
      out.push_back(Error(frame, NackCode::kTooLarge,
                          "a subscribe request of " + std::to_string(frame.payload.size()) +
                              " bytes exceeds the " + std::to_string(options_.max_request_bytes) +
                              "-byte limit"));
      continue;
    }
    if (frame.multipart) {
      out.push_back(Error(frame, NackCode::kMalformed, "one request per single-part frame"));
      continue;
    }
    DecodeLimits limits;
    limits.max_frame_bytes = options_.max_request_bytes;
    WireResult<SubscribeRequest> request = DecodeSubscribeRequest(frame.payload, limits);
    if (!request.ok()) {
      out.push_back(Error(frame, request.error().code, request.error().text));
      continue;
    }
    const Member* member = members_.ActiveById(frame.user_id);
    if (member == nullptr) {
      out.push_back(Error(frame, NackCode::kUnknownSigner,
                          "the key on this connection is no longer enrolled (revoked)"));
      continue;
    }
    // A newer request from the same connection replaces a parked one (the client gave up
    // waiting and asked again): the old one is answered now, with what there is.
    AnswerParked([&](const Parked& p, const Member&) { return p.peer == frame.peer; }, out);

    const Encoded& reply = ReadEncoded(*member, request->from_seq, request->max_messages);
    if (!reply.caught_up || request->wait_ms == 0 || parked_.size() >= options_.max_parked) {
      out.push_back(Send(frame.peer, reply));
      continue;
    }
    // Park it. A member with too many parked requests has its oldest answered first.
    size_t mine = std::count_if(parked_.begin(), parked_.end(),
                                [&](const Parked& p) { return p.user_id == frame.user_id; });
    if (mine >= options_.max_parked_per_member) {
      bool first = true;
      AnswerParked(
          [&](const Parked& p, const Member&) {
            if (!first || p.user_id != frame.user_id) return false;
            first = false;
            return true;
          },
          out);
    }
    const uint32_t wait = std::min(request->wait_ms, options_.max_wait_ms);
    parked_.push_back({frame.peer, frame.user_id, request->from_seq, request->max_messages,
                       now_ms + static_cast<int64_t>(wait)});
  }
  ForgetReads();  // the replies hold their bytes; the reads may be 1 MiB each
  return out;
}

std::vector<SubscribeOut> Subscriptions::OnAppended(const std::vector<Appended>& appended) {
  std::vector<SubscribeOut> out;
  if (appended.empty() || parked_.empty()) return out;
  ForgetReads();
  AnswerParked(
      [&](const Parked& p, const Member& member) {
        return std::any_of(appended.begin(), appended.end(), [&](const Appended& a) {
          return a.hub_seq >= p.from && MayRead(member, a.kind, options_);
        });
      },
      out);
  ForgetReads();
  return out;
}

std::vector<SubscribeOut> Subscriptions::Expire(int64_t now_ms) {
  std::vector<SubscribeOut> out;
  ForgetReads();
  AnswerParked([&](const Parked& p, const Member&) { return p.deadline_ms <= now_ms; }, out);
  ForgetReads();
  return out;
}

void Subscriptions::DropAll() {
  counters_.dropped += parked_.size();
  parked_.clear();
}

}  // namespace lls::hub
