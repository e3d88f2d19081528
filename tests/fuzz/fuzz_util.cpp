#include "tests/fuzz/fuzz_util.h"

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <system_error>

namespace lls::fuzz {
namespace {

// Made with `lls keygen`; fuzz-only, never secret (see fuzz_util.h).
struct KeyFile {
  const char* name;
  const char* text;
};
constexpr KeyFile kKeys[] = {
    {"fuzz-trust",
     "name = \"fuzz-trust\"\n"
     "sign-public = \"525ebde06ab40667ea77a484c9c8b599398094ce3ef944d8107b19877c017dcc\"\n"
     "sign-seed = \"7b75a59eaf4a03d2e9ca88669e18e7ffa59047f7aca2eb6a23c829c5d5bc2ed3\"\n"
     "curve-public = \")d(+$(KjL+OtZBHgBiU+]ekVa5/F9<1qLg&Zm*&-\"\n"
     "curve-secret = \">leA}Jyuf{9ttC>{GwK:P#}Fg=j75L9i%@%i*]Zb\"\n"
     "pseudonym-key = \"c928635e3cb6db723c7d6d7637578de9f23279dc70db52f3cf8da930c2d0e89a\"\n"},
    {"fuzz-facilitator",
     "name = \"fuzz-facilitator\"\n"
     "sign-public = \"d371a146b745b11934bdcaa14656f3999777f8c88fa63b6718cda6b33884b086\"\n"
     "sign-seed = \"05e087dfac888844f443a8f4b25e898f6b400d1ada06cccdd2bee60401a7274a\"\n"
     "curve-public = \"C(c-FDQ-=/Gm@9X]M(9-Zd?K?N.7fw?a.P^>Bq==\"\n"
     "curve-secret = \"GRdS#GI8p7C+JnP5lp3rl#*mr]{{k!L%AoD1vfK%\"\n"
     "pseudonym-key = \"1794af6c48f61926311cbae702d7e5c7e1e4e9dd5ff785f649db54805c33229a\"\n"},
    {"fuzz-other",
     "name = \"fuzz-other\"\n"
     "sign-public = \"d03b8768622b3d5371a6dcf6f1fb1978fb3fa938578b0728134b0f8bc609b5ab\"\n"
     "sign-seed = \"20c0beb3b70ddc24bd9237bb8323dd7e23f48570060453870146d8d052a4d9e0\"\n"
     "curve-public = \"5/935g/oLiE%>9ZZgEB)-vAV:<WrNIq^P5Ea4&.N\"\n"
     "curve-secret = \"5Bfs!s@//dZtK$NqkP=udbiJ]hp27dgk5E!k%0=k\"\n"
     "pseudonym-key = \"da99393c10c8d486239969e5569fb745308cb7dd8d8b5c7ca68cf7ce6e756770\"\n"},
    {"fuzz-hub",
     "name = \"fuzz-hub\"\n"
     "sign-public = \"ec6ee3edebeaa3337e3f2fb0c38883b9000a5829e412a2b6dd04e01400200701\"\n"
     "sign-seed = \"d272c674f7a1a2582d51e4cf34a27def21ddb7bb502449c349ef45b82e398f87\"\n"
     "curve-public = \"t!WE39Z:Vu>-HbhAs0+cz#OKbH^lwgT@daWtsmWm\"\n"
     "curve-secret = \"+G+U4mloeiXm^34u3AC0W.E:#Xp5w=!X&cEp?<fk\"\n"
     "pseudonym-key = \"022c1a4e720a1ee896da97bc5ef892d68544448403d038c70c37ad1715778164\"\n"},
};

std::filesystem::path* g_temp = nullptr;

void RemoveTemp() {
  if (g_temp == nullptr) return;
  std::error_code ec;
  std::filesystem::remove_all(*g_temp, ec);
}

}  // namespace

void InitCrypto() {
  static const bool ok = crypto::Init().ok();
  if (!ok) Fail("crypto::Init failed");
}

const std::filesystem::path& TempDir() {
  if (g_temp == nullptr) {
    const char* base = getenv("TMPDIR");
    std::string pattern = std::string(base != nullptr && *base != '\0' ? base : "/tmp") +
                          "/lls-fuzz-XXXXXX";
    if (mkdtemp(pattern.data()) == nullptr) Fail("cannot make a temp folder");
    g_temp = new std::filesystem::path(pattern);  // lives until exit, like the process
    atexit(RemoveTemp);
  }
  return *g_temp;
}

crypto::Identity LoadIdentity(FuzzKey key) {
  InitCrypto();
  const KeyFile& file = kKeys[static_cast<int>(key)];
  const std::filesystem::path path = TempDir() / (std::string(file.name) + ".secret");
  if (!std::filesystem::exists(path)) {
    int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd < 0) Fail("cannot write a key file");
    const std::string text = file.text;
    if (write(fd, text.data(), text.size()) != static_cast<ssize_t>(text.size())) {
      Fail("cannot write a key file");
    }
    close(fd);
  }
  auto identity = crypto::LoadSecretKeyFile(path);
  if (!identity.ok()) Fail("cannot load a fuzz key: " + identity.status().ToString());
  return std::move(identity).value();
}

void Fail(std::string_view what) {
  fprintf(stderr, "property broken: %.*s\n", static_cast<int>(what.size()), what.data());
  fflush(stderr);
  abort();
}

}  // namespace lls::fuzz
