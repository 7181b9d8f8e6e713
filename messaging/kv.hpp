#pragma once

// A key-value bucket whose entries expire: what the cluster keeps its membership in
// (cluster/membership_actor.hpp). nats_bus::key_value() opens one on NATS JetStream KV.
//
// Promises: put() and remove() wait at most the bus's API timeout and fail with
// bus_error::unavailable while the server cannot be reached. next_change() waits at most
// `wait_ms` for the next change of any key: first the current value of every key (then a
// marker entry with `initial_done`), then each put or delete as it happens. After a failure
// it starts over with the current values (a watch that broke may have missed changes).
// The server forgets an entry `ttl_ms` after it was written, so a new watcher never sees a
// value older than that; an expiry is not reported as a change.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <variant>

#include "domain/result.hpp"
#include "messaging/bus.hpp"

namespace chronicle::messaging {

constexpr std::int64_t kv_ttl_ms_min = 1'000;
constexpr std::int64_t kv_ttl_ms_max = 600'000;
constexpr std::int32_t kv_value_bytes_max = 4'096;

struct kv_settings {
  std::string bucket;  // 1 to 64 of [A-Za-z0-9_-]
  std::int64_t ttl_ms = 3'000;
  int replicas = 1;  // 3 on a JetStream cluster
};

struct kv_change {
  std::string key;
  std::string value;            // empty for a delete
  bool deleted = false;         // the key was deleted or purged
  bool initial_done = false;    // no key: the current values have all been delivered
  std::int64_t written_ms = 0;  // when the server stored it (its wall clock)
};

class kv_bucket {
 public:
  virtual ~kv_bucket() = default;
  virtual domain::result<std::monostate, bus_error> put(const std::string& key,
                                                        const std::string& value) = 0;
  virtual domain::result<std::monostate, bus_error> remove(const std::string& key) = 0;
  // nullopt when nothing changed within `wait_ms`.
  virtual domain::result<std::optional<kv_change>, bus_error> next_change(int wait_ms) = 0;
};

// Whether `name` can name a bucket: 1 to 64 of [A-Za-z0-9_-].
bool valid_bucket_name(const std::string& name);

}  // namespace chronicle::messaging
