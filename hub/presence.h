// Presence: what `lls-hub status` (another process) can tell about the running hub's
// connections, kept in hub.db (component "presence"; docs/cli.md "lls-hub status").
//
// The hub thread notes every member it hears from (each ingest or subscribe frame, and each
// ZAP admission) in memory, and Flush() writes:
//   - member_presence(member_id, last_seen): at most once per minute per member, so the cost
//     stays flat however busy a member is (last_seen may lag the truth by up to a minute);
//   - hub_runtime(subscribers, updated_at, running): the number of parked long-poll requests
//     when it changed, at most once per second, and at least once a minute as a heartbeat;
//     running = 0 once the hub stops cleanly.
// "connected" is derived when read (ReadPresence): the hub is running (heartbeat within two
// minutes) and the member was seen within the last two minutes. Best effort: ZeroMQ does not
// tell the hub when a peer goes away, so a member that keeps its connection open but sends
// nothing for two minutes shows as not connected.
//
// Not thread-safe: the hub thread only.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>

#include "exchange/sqlite.h"
#include "hub/hub_store.h"
#include "schema/status.h"

namespace lls::hub {

inline constexpr int64_t kPresenceEveryMs = 60'000;        // last_seen writes per member
inline constexpr int64_t kSubscribersEveryMs = 1'000;      // subscriber count writes
inline constexpr int64_t kConnectedWindowMs = 120'000;     // "connected": seen this recently

class Presence {
 public:
  static Result<std::unique_ptr<Presence>> Open(HubStore& store);

  void Seen(int64_t member_id, int64_t now_ms);
  void SetSubscribers(int64_t parked) { subscribers_ = parked; }
  // Writes what is due (see the file comment); cheap when nothing is.
  Status Flush(int64_t now_ms);
  // The hub is stopping: last_seen of everyone pending, subscribers 0, running 0.
  Status Stop(int64_t now_ms);

 private:
  explicit Presence(HubStore& store) : store_(store) {}
  Status Write(int64_t now_ms, bool all, bool running);

  HubStore& store_;
  std::map<int64_t, int64_t> seen_;     // member -> last frame (in memory)
  std::map<int64_t, int64_t> written_;  // member -> when its row was last written
  int64_t subscribers_ = 0;
  std::optional<int64_t> subscribers_written_;
  int64_t runtime_written_at_ = 0;
};

struct PresenceView {
  std::map<int64_t, int64_t> last_seen;  // member id -> ms
  bool hub_running = false;
  std::optional<int64_t> subscribers;  // null: never written (no hub ran with presence)
  bool Connected(int64_t member_id, int64_t now_ms) const;
};

// For status: empty when the tables do not exist yet.
Result<PresenceView> ReadPresence(db::Database& db, int64_t now_ms);

}  // namespace lls::hub
