// The scenarios of `lls bench`, one file each. Each returns its figures (value and, where it
// has a twin, mosquitto), or an error when it could not run; RunBench (bench.cpp) calls them
// in this order and carries on past a failure, listing it.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "schema/status.h"
#include "tools/bench/bench.h"

namespace lls::bench {

// ingest_bench.cpp: Ed25519 verify rate (one core, all cores), durable ingest msg/s of signed
// 2 KiB summaries; then publish->ack p50/p99/p99.9 at half that rate ("ingest", "latency").
Result<std::vector<Figure>> RunIngest(const BenchContext& ctx);
// fanout_bench.cpp: 100 subscribers following the log while one node publishes ("fanout").
Result<std::vector<Figure>> RunFanout(const BenchContext& ctx);
// replay_bench.cpp: a late joiner reads 1,000,000 stored messages from the start ("replay").
Result<std::vector<Figure>> RunReplay(const BenchContext& ctx);
// connections_bench.cpp: 5,000 concurrent node connections, hub RSS per connection
// ("connections").
Result<std::vector<Figure>> RunConnections(const BenchContext& ctx);
// stored_bench.cpp: ingest with 10,000,000 messages already stored vs an empty hub ("stored").
Result<std::vector<Figure>> RunStored(const BenchContext& ctx);
// dashboard_bench.cpp: dashboard API p99 for one measure, 10 years x 150 trusts ("dashboard").
Result<std::vector<Figure>> RunDashboard(const BenchContext& ctx);
// mosquitto_bench.cpp: the twins of ingest, latency, fanout, replay and connections against
// Mosquitto 2 with TLS, QoS 1 and persistence, with the same payload size, publishers,
// window and subscribers (load.h). Returns Mosquitto's value by figure key; RunBench puts
// each into Figure::mosquitto of the LLS figure with that key ("mosquitto").
Result<std::map<std::string, double>> RunMosquitto(const BenchContext& ctx);

}  // namespace lls::bench
