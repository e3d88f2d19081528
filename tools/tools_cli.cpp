#include "tools/tools_cli.h"

#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>

#include "crypto/crypto.h"
#include "schema/codec.h"
#include "exchange/message_json.h"

namespace lls::tools {

namespace {
// Exit 1: the operation failed; 2: the caller's input (name, flags) is wrong.
int Fail(const std::string& message, int code = 1) {
  std::fprintf(stderr, "lls: %s\n", message.c_str());
  return code;
}
int Fail(const Status& status) {
  return Fail(status.message(), status.code() == Code::kInvalidArgument ? 2 : 1);
}
}  // namespace

int Keygen(const std::string& name, const std::filesystem::path& out_dir) {
  auto identity = crypto::Identity::Generate(name);
  if (!identity.ok()) return Fail(identity.status());
  Status written = crypto::WriteKeyFiles(*identity, out_dir);
  if (!written.ok()) return Fail(written);
  std::cout << "secret key: " << (out_dir / (name + ".secret")).string()
            << " (mode 0600; keep it on this machine)\n"
            << "public key: " << (out_dir / (name + ".public")).string()
            << " (give this to the hub operator)\n";
  return 0;
}

int Inspect(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return Fail("cannot read " + file.string());
  DecodeLimits limits;
  Bytes bytes;
  bytes.reserve(4096);
  char c;
  while (in.get(c)) {
    bytes.push_back(static_cast<uint8_t>(c));
    if (bytes.size() > limits.max_frame_bytes) break;  // DecodeEnvelope reports too-large
  }
  WireResult<Envelope> envelope = DecodeEnvelope(bytes, limits);
  if (!envelope.ok()) {
    return Fail(file.string() + ": not a valid envelope (" +
                NackCodeName(envelope.error().code) + "): " + envelope.error().text);
  }
  if (!crypto::Verify(*envelope)) {
    return Fail(file.string() + ": signature does not verify (signer " +
                crypto::ToHex(envelope->signer) + ", kind " + KindName(envelope->kind) + ")");
  }
  WireResult<Body> body = DecodeBody(envelope->body, limits);
  if (!body.ok()) {
    return Fail(file.string() + ": signed, but the body does not decode (" +
                NackCodeName(body.error().code) + "): " + body.error().text);
  }
  if (KindOf(*body) != envelope->kind) {
    return Fail(file.string() + ": envelope kind " + KindName(envelope->kind) +
                " does not match its body (" + KindName(KindOf(*body)) + ")");
  }
  nlohmann::json out = lls::EnvelopeHeaderToJson(*envelope);
  out["verified"] = true;
  out["body"] = lls::BodyToJson(*body);
  std::cout << out.dump(2) << "\n";
  return 0;
}

}  // namespace lls::tools
