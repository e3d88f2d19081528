#include "schema/status.h"

namespace lls {

const char* CodeName(Code code) {
  switch (code) {
    case Code::kOk: return "ok";
    case Code::kInvalidArgument: return "invalid-argument";
    case Code::kNotFound: return "not-found";
    case Code::kAlreadyExists: return "already-exists";
    case Code::kPermissionDenied: return "permission-denied";
    case Code::kIoError: return "io-error";
    case Code::kCorrupt: return "corrupt";
    case Code::kUnauthenticated: return "unauthenticated";
    case Code::kRefused: return "refused";
    case Code::kUnavailable: return "unavailable";
    case Code::kTimeout: return "timeout";
    case Code::kInternal: return "internal";
  }
  return "unknown";
}

std::string Status::ToString() const {
  if (ok()) return "ok";
  return std::string(CodeName(code_)) + ": " + message_;
}

Status Status::Context(const std::string& what) const {
  if (ok()) return *this;
  return Status(code_, what + ": " + message_);
}

}  // namespace lls
