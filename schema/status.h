// Status and Result<T>: how expected failures cross every boundary in LLS Exchange.
//
// Expected outcomes (a malformed frame, a missing file, a refused key, a full disk) are values,
// never exceptions. Exceptions are for bugs, and those thrown by libraries are caught once, in
// the adapter for that library. Both types are plain values: copyable, thread-compatible.
#pragma once

#include <cassert>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>

namespace lls {

enum class Code {
  kOk = 0,
  kInvalidArgument,   // the caller's input is wrong (bad flag, bad config value, bad file)
  kNotFound,          // a named thing does not exist
  kAlreadyExists,     // creating something that is there already
  kPermissionDenied,  // a file mode or a role forbids it
  kIoError,           // the OS refused a read or write (disk full, no such directory ...)
  kCorrupt,           // stored or received bytes do not decode
  kUnauthenticated,   // a key or signature is not accepted
  kRefused,           // the peer answered no (a Nack)
  kUnavailable,       // the peer cannot be reached now; retrying may help
  kTimeout,           // nothing happened in the time allowed
  kInternal,          // a bug or an invariant broken
};

const char* CodeName(Code code);

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(Code code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  // "invalid-argument: <message>", or "ok".
  std::string ToString() const;

  // Prefixes the message with context, keeping the code: "reading hub.toml: <message>".
  Status Context(const std::string& what) const;

 private:
  Code code_ = Code::kOk;
  std::string message_;
};

// Either a value or an error (a non-OK Status unless another error type E is named).
template <typename T, typename E = Status>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design
  Result(E error) : v_(std::move(error)) {  // NOLINT
    if constexpr (std::is_same_v<E, Status>) {
      assert(!std::get<Status>(v_).ok() && "Result needs a value or an error");
    }
  }

  bool ok() const { return std::holds_alternative<T>(v_); }
  // The error; a default-constructed E (OK for Status) when ok().
  const E& status() const {
    static const E kNone{};
    return ok() ? kNone : std::get<E>(v_);
  }
  const E& error() const { return status(); }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, E> v_;
};

}  // namespace lls

// Returns early from a function returning Status or Result<T> when `expr` is not OK.
#define LLS_RETURN_IF_ERROR(expr)          \
  do {                                     \
    ::lls::Status lls_status_ = (expr);    \
    if (!lls_status_.ok()) return lls_status_; \
  } while (0)

#define LLS_CONCAT_INNER(a, b) a##b
#define LLS_CONCAT(a, b) LLS_CONCAT_INNER(a, b)
// LLS_ASSIGN_OR_RETURN(auto x, Foo()); declares x from a Result or returns its Status.
#define LLS_ASSIGN_OR_RETURN(decl, expr)                         \
  auto LLS_CONCAT(lls_result_, __LINE__) = (expr);               \
  if (!LLS_CONCAT(lls_result_, __LINE__).ok())                   \
    return LLS_CONCAT(lls_result_, __LINE__).status();           \
  decl = std::move(LLS_CONCAT(lls_result_, __LINE__)).value()
