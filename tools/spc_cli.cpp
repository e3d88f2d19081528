// TEMPORARY placeholder while `lls spc` is written (replaced in this change).
#include "tools/spc_cli.h"
#include <cstdio>
namespace lls::tools {
int Spc(const SpcArgs&) { std::fprintf(stderr, "lls spc: not built yet\n"); return 2; }
}  // namespace lls::tools
