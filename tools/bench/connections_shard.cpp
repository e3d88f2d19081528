#include "tools/bench/connections_shard.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "exchange/transport.h"
#include "schema/codec.h"
#include "tools/bench/load.h"

namespace lls::bench {

namespace {

using transport::ClientTransport;
using Transports = std::vector<std::unique_ptr<ClientTransport>>;

// Handshakes started at once: all 5,000 together would make some wait past the client's
// handshake timeout (3 s) behind the hub's ZAP handler, and start again.
constexpr size_t kConnectBatch = 250;
constexpr auto kHandshakeWait = std::chrono::seconds(60);
constexpr auto kAckWait = std::chrono::seconds(30);

// --- The child's side ---

// One connection per trust in [first, end), every handshake complete.
Result<Transports> ConnectAll(const HubRig& rig, size_t first, size_t end,
                              transport::ClientContext& context) {
  transport::ClientOptions options;
  options.endpoint = rig.endpoint();
  options.server_key = rig.hub_key().curve;
  Transports transports;
  for (size_t batch = first; batch < end; batch += kConnectBatch) {
    const size_t batch_end = std::min(end, batch + kConnectBatch);
    for (size_t i = batch; i < batch_end; ++i) {
      LLS_ASSIGN_OR_RETURN(std::unique_ptr<ClientTransport> t,
                           ClientTransport::Connect(rig.trusts()[i], options, context));
      transports.push_back(std::move(t));
    }
    for (size_t i = batch; i < batch_end; ++i) {
      Status connected = transports[i - first]->WaitConnected(kHandshakeWait);
      if (!connected.ok()) {
        return Status(connected.code(), rig.trusts()[i].name() + ": " + connected.message());
      }
    }
  }
  return transports;
}

// Waits for the Ack of `id` on `t`, sending `encoded` again if the connection was remade
// meanwhile (ZeroMQ drops what it had passed to the old one).
Status AwaitAck(ClientTransport& t, const MessageId& id, const Bytes& encoded) {
  const auto deadline = std::chrono::steady_clock::now() + kAckWait;
  uint64_t handshakes = t.handshakes();
  while (std::chrono::steady_clock::now() < deadline) {
    auto received = t.Receive(std::chrono::milliseconds(500));
    if (!received.ok()) return received.status();
    if (t.handshakes() != handshakes) {
      handshakes = t.handshakes();
      LLS_RETURN_IF_ERROR(t.Send(encoded));
    }
    if (!received->has_value()) continue;
    WireResult<Reply> reply = DecodeReply(**received);
    if (!reply.ok()) return Status(Code::kCorrupt, "the hub sent a reply that does not decode");
    if (const Nack* nack = std::get_if<Nack>(&*reply)) {
      return Status(Code::kRefused, std::string("the hub refused a benchmark summary: ") +
                                        NackCodeName(nack->code) + ": " + nack->text);
    }
    if (std::get<Ack>(*reply).message_id == id) return Status::Ok();
  }
  return Status(Code::kUnavailable, "no Ack within " + std::to_string(kAckWait.count()) + " s");
}

// `sample` nodes spread over the share each send one signed summary and get its Ack; all are
// sent first, so that the hub sees them together, as from live nodes.
Status ProveSample(const HubRig& rig, size_t first, Transports& transports, size_t sample) {
  struct Sent {
    size_t index;
    MessageId id;
    Bytes encoded;
  };
  std::vector<Sent> sent;
  for (size_t k = 0; k < sample && !transports.empty(); ++k) {
    const size_t i = k * transports.size() / sample;
    SummaryMaker maker(rig.trusts()[first + i], kPayloadBytes);
    Sent s{i, {}, {}};
    s.encoded = maker.Next(&s.id);
    LLS_RETURN_IF_ERROR(transports[i]->Send(s.encoded));
    sent.push_back(std::move(s));
  }
  for (const Sent& s : sent) {
    Status acked = AwaitAck(*transports[s.index], s.id, s.encoded);
    if (!acked.ok()) {
      return Status(acked.code(), rig.trusts()[first + s.index].name() + ": " + acked.message());
    }
  }
  return Status::Ok();
}

uint64_t Reconnections(const Transports& transports) {
  uint64_t handshakes = 0;
  for (const auto& t : transports) handshakes += t->handshakes();
  return handshakes - transports.size();
}

void WriteLine(int fd, const std::string& line) {
  std::string text = line;
  for (char& c : text) c = c == '\n' ? ' ' : c;
  text += '\n';
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // the parent has gone: nothing left to tell
    done += static_cast<size_t>(n);
  }
}

// A line from the parent; "" at end of input.
std::string ReadCommand(int fd) {
  std::string line;
  char c = 0;
  for (;;) {
    ssize_t n = read(fd, &c, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0 || c == '\n') return line;
    line += c;
  }
}

// The child's work, from connecting to the end of the parent's input.
void Serve(const HubRig& rig, size_t first, size_t end, int in, int out) {
  transport::ClientContextOptions options;
  options.io_threads = 2;
  options.max_sockets = static_cast<int>((end - first) * 3 + 64);  // three sockets a node
  auto context = transport::ClientContext::Create(options);
  if (!context.ok()) return WriteLine(out, "error " + context.status().message());
  auto transports = ConnectAll(rig, first, end, **context);
  if (!transports.ok()) return WriteLine(out, "error " + transports.status().message());
  WriteLine(out, "ready");
  for (std::string command = ReadCommand(in); !command.empty(); command = ReadCommand(in)) {
    if (command.rfind("prove ", 0) != 0) continue;
    const uint64_t reconnections = Reconnections(*transports);
    Status proved = ProveSample(rig, first, *transports, std::stoul(command.substr(6)));
    WriteLine(out, proved.ok() ? "ok " + std::to_string(reconnections)
                               : "error " + proved.message());
  }
  transports->clear();  // before the context they share
}

// --- The parent's side ---

Status Errno(const std::string& what) {
  return Status(Code::kInternal, what + ": " + std::strerror(errno));
}

}  // namespace

Result<std::unique_ptr<ClientShard>> ClientShard::Fork(const HubRig& rig, size_t first,
                                                       size_t end) {
  int down[2], up[2];  // parent -> child, child -> parent
  if (pipe2(down, O_CLOEXEC) != 0) return Errno("pipe");
  if (pipe2(up, O_CLOEXEC) != 0) {
    close(down[0]);
    close(down[1]);
    return Errno("pipe");
  }
  const pid_t pid = fork();
  if (pid < 0) {
    for (int fd : {down[0], down[1], up[0], up[1]}) close(fd);
    return Errno("fork");
  }
  if (pid == 0) {
    close(down[1]);
    close(up[0]);
    Serve(rig, first, end, down[0], up[1]);
    _exit(0);  // never back into the bench: see the header
  }
  close(down[0]);
  close(up[1]);
  return std::unique_ptr<ClientShard>(new ClientShard(pid, down[1], up[0], first, end));
}

ClientShard::~ClientShard() {
  close(to_child_);  // end of input: the child closes its connections and exits
  close(from_child_);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  int status = 0;
  while (waitpid(pid_, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() >= deadline) {
      kill(pid_, SIGKILL);
      waitpid(pid_, &status, 0);
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

Result<std::string> ClientShard::ReadLine(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string line;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      return Status(Code::kUnavailable, "the client process for nodes " +
                                            std::to_string(first_ + 1) + "-" +
                                            std::to_string(end_) + " did not answer in time");
    }
    pollfd item{from_child_, POLLIN, 0};
    if (poll(&item, 1, static_cast<int>(left.count())) <= 0) continue;
    char c = 0;
    ssize_t n = read(from_child_, &c, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Status(Code::kInternal, "a client process of the bench ended early");
    if (c == '\n') break;
    line += c;
  }
  if (line.rfind("error ", 0) == 0) return Status(Code::kUnavailable, line.substr(6));
  return line;
}

Status ClientShard::WaitReady(std::chrono::milliseconds timeout) {
  LLS_ASSIGN_OR_RETURN(std::string line, ReadLine(timeout));
  if (line != "ready") return Status(Code::kInternal, "a client process said: " + line);
  return Status::Ok();
}

Result<uint64_t> ClientShard::ProveLive(size_t sample, std::chrono::milliseconds timeout) {
  WriteLine(to_child_, "prove " + std::to_string(sample));
  LLS_ASSIGN_OR_RETURN(std::string line, ReadLine(timeout));
  if (line.rfind("ok ", 0) != 0) return Status(Code::kInternal, "a client process said: " + line);
  return static_cast<uint64_t>(std::stoull(line.substr(3)));
}

}  // namespace lls::bench
