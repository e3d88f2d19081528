#include "tools/signed_send.h"

#include "exchange/clock.h"
#include "exchange/publisher.h"
#include "exchange/transport.h"
#include "node/node_store.h"

namespace lls::tools {

Result<SendOutcome> SendSigned(const node::NodeConfig& config, const crypto::Identity& identity,
                               const crypto::PublicIdentity& hub, const Body& body,
                               std::chrono::seconds wait) {
  LLS_ASSIGN_OR_RETURN(std::unique_ptr<node::NodeStore> store,
                       node::NodeStore::Open(config.database()));
  SystemClock clock;
  LLS_ASSIGN_OR_RETURN(Envelope sealed, store->outbox().Enqueue(identity, body, clock.NowMs()));
  LLS_ASSIGN_OR_RETURN(std::unique_ptr<transport::ClientTransport> client,
                       transport::ClientTransport::Connect(identity, {config.hub_endpoint, hub.curve}));
  Publisher publisher(store->outbox(), *client, clock);
  LLS_ASSIGN_OR_RETURN(PublishReport report, publisher.PublishAll(wait));
  SendOutcome outcome;
  outcome.message_id = crypto::ToHex(sealed.message_id);
  for (const std::string& r : report.rejections) {
    // Rejection lines read "message <hex id> refused: <code>: <text>" (publisher.h).
    if (r.find(outcome.message_id) != std::string::npos) {
      outcome.answer = SendOutcome::Answer::kRefused;
      outcome.refusal = r.substr(r.find("refused: ") + 9);
      return outcome;
    }
  }
  // Acked unless it is still queued (earlier queued messages may remain for other reasons).
  LLS_ASSIGN_OR_RETURN(auto due, store->outbox().Due(clock.NowMs(), 1 << 20, true));
  bool queued = false;
  for (const OutboxEntry& e : due) queued = queued || e.message_id == sealed.message_id;
  outcome.answer = queued ? SendOutcome::Answer::kNoAnswer : SendOutcome::Answer::kAcked;
  return outcome;
}

}  // namespace lls::tools
