// Helpers shared by the libFuzzer harnesses (docs/fuzzing.md): fixed fuzz-only identities, a
// private temp folder, and a way to stop loudly when a property is broken.
//
// The identities are fixed (their secret files are in fuzz_util.cpp) so that a seed or a crash
// input signed with one of them verifies in every later run: a harness that made fresh keys
// each run could neither reuse its corpus nor reproduce a finding. They are test keys published
// in this repository; nothing may ever enrol them on a real hub.
//
// Single-threaded, like libFuzzer's loop. Everything lives until the process exits.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string_view>

#include "crypto/crypto.h"

namespace lls::fuzz {

enum class FuzzKey { kTrust, kFacilitator, kOther, kHub };

// crypto::Init() once; aborts if it fails (no harness can run without it).
void InitCrypto();

// A folder under $TMPDIR (or /tmp) made on first use and removed at exit.
const std::filesystem::path& TempDir();

// The fixed identity `key`, loaded from its secret file (written 0600 into TempDir()).
crypto::Identity LoadIdentity(FuzzKey key);

// Prints "property broken: <what>" and aborts, so libFuzzer saves the input as a crash.
[[noreturn]] void Fail(std::string_view what);

}  // namespace lls::fuzz
