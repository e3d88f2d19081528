// TEMPORARY placeholder while `lls export` is written (replaced in this change).
#include "tools/export_cli.h"
#include <cstdio>
namespace lls::tools {
int Export(const ExportArgs&) { std::fprintf(stderr, "lls export: not built yet\n"); return 2; }
}  // namespace lls::tools
