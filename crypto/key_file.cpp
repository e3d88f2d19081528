// Key files: writing, reading and checking DIR/NAME.secret and DIR/NAME.public.
//
// Both files are line-based text that is also valid TOML, so people can read them and other
// tools can parse them. This code does not use a TOML library for them: the secret file's
// values would be copied into the library's strings, which nothing would wipe. Instead the file
// is read into one buffer that is wiped afterwards, and values are decoded straight into the
// sodium_malloc'd Secrets.
//
// The secret file (mode 0600, refused when group or others have any access):
//   # LLS Exchange SECRET key for NAME. Keep private (mode 0600). Never send this file.
//   # sign-seed is the Ed25519 seed (hex); curve keys are X25519 for CURVE (Z85).
//   name = "NAME"
//   sign-public = "<64 hex>"       Ed25519 public key
//   sign-seed = "<64 hex>"         Ed25519 32-byte seed; the 64-byte secret key derives from it
//   curve-public = "<40 Z85>"      X25519 public key
//   curve-secret = "<40 Z85>"      X25519 secret key
//   pseudonym-key = "<64 hex>"     BLAKE2b key for Pseudonym()
// The seed rather than libsodium's 64-byte secret key (seed || public key) is stored so that
// loading re-derives the public key from it and catches a file whose halves do not match.
//
// The public file (shareable):
//   # LLS Exchange public key for NAME. Safe to share: give this file to the hub operator.
//   name = "NAME"
//   sign = "<64 hex>"
//   curve = "<40 Z85>"
//
// The line syntax both files share is in key_text.h.
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <string>

#include "crypto/crypto.h"
#include "crypto/internal.h"
#include "crypto/key_text.h"

namespace lls::crypto {

namespace fs = std::filesystem;

bool IsValidKeyName(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '.' || c == '_' || c == '-';
  });
}

Status CheckKeyName(std::string_view name) {
  if (IsValidKeyName(name)) return Status::Ok();
  return Status(Code::kInvalidArgument, "key name \"" + std::string(name) +
                                            "\" is not 1 to 64 characters of A-Z a-z 0-9 . _ -");
}

namespace {

// Key files are a few hundred bytes; anything far larger is not one, and is not read.
constexpr off_t kMaxKeyFileBytes = 64 * 1024;

constexpr char kSecretSuffix[] = ".secret";
constexpr char kPublicSuffix[] = ".public";

Status IoError(const std::string& what, const fs::path& path, int error) {
  return Status(Code::kIoError, what + " " + path.string() + ": " + std::strerror(error));
}

// Owns a file descriptor.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  // Closes now, reporting the error that a destructor would have to drop.
  int Close() {
    const int rc = ::close(fd_);
    fd_ = -1;
    return rc;
  }

 private:
  int fd_;
};

// Wipes a string holding secret text when the scope ends, however it ends.
class WipeOnExit {
 public:
  explicit WipeOnExit(std::string& text) : text_(text) {}
  ~WipeOnExit() { Wipe(text_); }
  WipeOnExit(const WipeOnExit&) = delete;
  WipeOnExit& operator=(const WipeOnExit&) = delete;

 private:
  std::string& text_;
};

// --- reading -----------------------------------------------------------------------------------

// Reads a small regular file into `out` without reallocating it after the first read, so the
// only copy of its bytes in our memory is `out` (which secret-file callers wipe). When
// `secret`, refuses a file that group or others can access before reading a byte.
Status ReadKeyFile(const fs::path& path, bool secret, std::string& out) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY));
  if (!fd.valid()) {
    const int error = errno;
    if (error == ENOENT) return Status(Code::kNotFound, path.string() + " does not exist");
    if (error == EACCES) {
      return Status(Code::kPermissionDenied, "cannot read " + path.string() + ": " +
                                                 std::strerror(error));
    }
    return IoError("cannot open", path, error);
  }
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) return IoError("cannot stat", path, errno);
  if (!S_ISREG(st.st_mode)) {
    return Status(Code::kInvalidArgument, path.string() + " is not a regular file");
  }
  if (secret && (st.st_mode & 077) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof(mode), "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return Status(Code::kPermissionDenied,
                  path.string() + " is accessible by group or others (mode " + mode +
                      "); a secret key file must be private. Run: chmod 600 " + path.string());
  }
  if (st.st_size > kMaxKeyFileBytes) {
    return Status(Code::kCorrupt, path.string() + " is " + std::to_string(st.st_size) +
                                      " bytes, too large for a key file");
  }
  out.assign(static_cast<size_t>(st.st_size), '\0');
  size_t got = 0;
  while (got < out.size()) {
    const ssize_t n = ::read(fd.get(), out.data() + got, out.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return IoError("cannot read", path, errno);
    if (n == 0) break;  // the file shrank since fstat; parse what is there
    got += static_cast<size_t>(n);
  }
  out.resize(got);  // shrinking never reallocates
  return Status::Ok();
}

Status CheckName(const Field& field) {
  if (!IsValidKeyName(field.value)) {
    return LineError(field.line, "name is not 1 to 64 characters of A-Z a-z 0-9 . _ -");
  }
  return Status::Ok();
}

Status DecodeHexField(const Field& field, std::span<uint8_t> out) {
  if (!DecodeHexInto(field.value, out)) {
    return LineError(field.line, std::string(field.key) + " is not " +
                                     std::to_string(out.size() * 2) + " hex characters");
  }
  return Status::Ok();
}

Status DecodeZ85Field(const Field& field, std::span<uint8_t, 32> out) {
  if (!DecodeZ85Into(field.value, out)) {
    return LineError(field.line, std::string(field.key) + " is not a 40-character Z85 key");
  }
  return Status::Ok();
}

Status DecodeSignPublicField(const Field& field, SignPublicKey& out) {
  LLS_RETURN_IF_ERROR(DecodeHexField(field, out));
  // Refuses small-order and non-canonical points at the door: no signature could ever verify
  // under them, and a corrupted file says so here rather than as "bad signature" later.
  if (crypto_core_ed25519_is_valid_point(out.data()) != 1) {
    return LineError(field.line, std::string(field.key) + " is not a valid Ed25519 public key");
  }
  return Status::Ok();
}

// --- writing -----------------------------------------------------------------------------------

// Creates `dir` and any missing parents with mode 0700 (existing ones are left alone).
Status EnsureDirectory(const fs::path& dir) {
  fs::path prefix;
  for (const fs::path& part : dir) {
    prefix /= part;
    if (::mkdir(prefix.c_str(), 0700) != 0 && errno != EEXIST) {
      return IoError("cannot create directory", prefix, errno);
    }
  }
  struct stat st;
  if (::stat(dir.c_str(), &st) != 0) return IoError("cannot stat", dir, errno);
  if (!S_ISDIR(st.st_mode)) {
    return Status(Code::kInvalidArgument, dir.string() + " is not a directory");
  }
  return Status::Ok();
}

// Creates `path` (never replacing anything, never following a symlink), sets `mode` exactly
// (umask would otherwise loosen or tighten it) and writes `text` durably. Sets `created` once
// the file exists, so that a caller can remove it if a later step fails.
Status CreateAndWrite(const fs::path& path, mode_t mode, std::string_view text, bool& created) {
  Fd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode));
  created = fd.valid();
  if (!fd.valid()) {
    if (errno == EEXIST) {
      return Status(Code::kAlreadyExists,
                    path.string() + " already exists; refusing to overwrite a key file");
    }
    return IoError("cannot create", path, errno);
  }
  if (::fchmod(fd.get(), mode) != 0) return IoError("cannot chmod", path, errno);
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd.get(), text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return IoError("cannot write", path, errno);
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd.get()) != 0) return IoError("cannot sync", path, errno);
  if (fd.Close() != 0) return IoError("cannot close", path, errno);
  return Status::Ok();
}

// Makes the new directory entries themselves durable.
Status SyncDirectory(const fs::path& dir) {
  Fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid()) return IoError("cannot open directory", dir, errno);
  if (::fsync(fd.get()) != 0) return IoError("cannot sync directory", dir, errno);
  return Status::Ok();
}

void AppendLine(std::string& out, std::string_view key, std::string_view value) {
  out.append(key).append(" = \"").append(value).append("\"\n");
}

}  // namespace

// --- public API --------------------------------------------------------------------------------

std::string FormatPublicKey(const PublicIdentity& identity) {
  std::string out = "# LLS Exchange public key for " + identity.name +
                    ". Safe to share: give this file to the hub operator.\n";
  AppendLine(out, "name", identity.name);
  AppendLine(out, "sign", ToHex(identity.sign));
  AppendLine(out, "curve", Z85Encode(identity.curve));
  return out;
}

Result<PublicIdentity> ParsePublicKey(std::string_view text) {
  Field fields[] = {{"name", {}, 0}, {"sign", {}, 0}, {"curve", {}, 0}};
  LLS_RETURN_IF_ERROR(ParseFields(text, fields));
  PublicIdentity pub;
  LLS_RETURN_IF_ERROR(CheckName(fields[0]));
  pub.name = std::string(fields[0].value);
  LLS_RETURN_IF_ERROR(DecodeSignPublicField(fields[1], pub.sign));
  LLS_RETURN_IF_ERROR(DecodeZ85Field(fields[2], pub.curve));
  return pub;
}

Result<PublicIdentity> LoadPublicKeyFile(const fs::path& path) {
  std::string text;
  LLS_RETURN_IF_ERROR(ReadKeyFile(path, /*secret=*/false, text));
  Result<PublicIdentity> pub = ParsePublicKey(text);
  if (!pub.ok()) return pub.status().Context(path.string());
  return pub;
}

Status WriteKeyFiles(const Identity& identity, const fs::path& dir) {
  LLS_RETURN_IF_ERROR(CheckKeyName(identity.name()));
  if (!identity.secrets_) return Status(Code::kInvalidArgument, "identity was moved from");
  const Identity::Secrets& secrets = *identity.secrets_;

  std::string secret_text;
  WipeOnExit wipe(secret_text);
  secret_text.reserve(1024);  // comfortably more than the ~500 bytes below: never reallocates
  secret_text.append("# LLS Exchange SECRET key for ")
      .append(identity.name())
      .append(". Keep private (mode 0600). Never send this file.\n")
      .append("# sign-seed is the Ed25519 seed (hex); curve keys are X25519 for CURVE (Z85).\n");
  AppendLine(secret_text, "name", identity.name());
  AppendLine(secret_text, "sign-public", ToHex(identity.sign_public()));
  secret_text.append("sign-seed = \"");
  AppendHex(secret_text, std::span(secrets.sign_secret).first<kSignSeedBytes>());
  secret_text.append("\"\n");
  AppendLine(secret_text, "curve-public", Z85Encode(identity.curve_public()));
  secret_text.append("curve-secret = \"");
  AppendZ85(secret_text, secrets.curve_secret);
  secret_text.append("\"\npseudonym-key = \"");
  AppendHex(secret_text, secrets.pseudonym_key);
  secret_text.append("\"\n");

  LLS_RETURN_IF_ERROR(EnsureDirectory(dir));
  const fs::path secret_path = dir / (identity.name() + kSecretSuffix);
  const fs::path public_path = dir / (identity.name() + kPublicSuffix);
  bool secret_created = false;
  bool public_created = false;
  Status status = CreateAndWrite(secret_path, 0600, secret_text, secret_created);
  if (status.ok()) {
    status = CreateAndWrite(public_path, 0644, FormatPublicKey(identity.public_identity()),
                            public_created);
  }
  if (status.ok()) status = SyncDirectory(dir);
  if (!status.ok()) {
    // Remove only what this call created: a lone or half-written file would block a retry
    // (kAlreadyExists) or load as kCorrupt.
    if (secret_created) ::unlink(secret_path.c_str());
    if (public_created) ::unlink(public_path.c_str());
  }
  return status;
}

Result<Identity> LoadSecretKeyFile(const fs::path& path) {
  std::string text;
  WipeOnExit wipe(text);
  LLS_RETURN_IF_ERROR(ReadKeyFile(path, /*secret=*/true, text));

  Field fields[] = {{"name", {}, 0},         {"sign-public", {}, 0},  {"sign-seed", {}, 0},
                    {"curve-public", {}, 0}, {"curve-secret", {}, 0}, {"pseudonym-key", {}, 0}};
  auto& [name, sign_public, sign_seed, curve_public, curve_secret, pseudonym_key] = fields;
  const auto in_file = [&](const Status& status) { return status.Context(path.string()); };

  Status status = ParseFields(text, fields);
  if (!status.ok()) return in_file(status);
  PublicIdentity pub;
  if (status = CheckName(name); !status.ok()) return in_file(status);
  pub.name = std::string(name.value);
  if (status = DecodeSignPublicField(sign_public, pub.sign); !status.ok()) return in_file(status);
  if (status = DecodeZ85Field(curve_public, pub.curve); !status.ok()) return in_file(status);

  Identity::SecretsPtr secrets = NewSecrets<Identity::SecretsPtr>();
  if (!secrets) return Status(Code::kInternal, "cannot allocate guarded memory for secret keys");
  if (status = DecodeZ85Field(curve_secret, secrets->curve_secret); !status.ok()) {
    return in_file(status);
  }
  if (status = DecodeHexField(pseudonym_key, secrets->pseudonym_key); !status.ok()) {
    return in_file(status);
  }

  // Re-derive both public keys: a file whose secret and public halves disagree would sign
  // envelopes that the hub rejects, or fail the CURVE handshake, far from the real cause.
  uint8_t seed[kSignSeedBytes];
  SignPublicKey derived_sign;
  status = DecodeHexField(sign_seed, seed);
  if (status.ok()) {
    crypto_sign_seed_keypair(derived_sign.data(), secrets->sign_secret.data(), seed);
  }
  sodium_memzero(seed, sizeof(seed));
  if (!status.ok()) return in_file(status);
  if (derived_sign != pub.sign) {
    return in_file(LineError(sign_public.line, "sign-public does not match sign-seed"));
  }
  CurveKey derived_curve;
  if (crypto_scalarmult_base(derived_curve.data(), secrets->curve_secret.data()) != 0 ||
      derived_curve != pub.curve) {
    return in_file(LineError(curve_public.line, "curve-public does not match curve-secret"));
  }
  return Identity(std::string(name.value), std::move(pub), std::move(secrets));
}

}  // namespace lls::crypto
