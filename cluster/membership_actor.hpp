#pragma once

// The membership actor (detached: it blocks on NATS for at most a tick): keeps this node's
// key in the cluster's key-value bucket fresh and tells the router who is live.
//
// Every `tick_ms` it takes the bucket's changes into a membership_view, expires members
// not heard of for `ttl_ms`, and sends the live members to the router. Every
// `heartbeat_ms` it writes this node's record (addresses, start, heartbeat, live account
// actors, whether the event store answered). When it stops it deletes its key, so that the
// others see it leave at once instead of after the TTL.
//
// Failure detection: a node that dies stops writing; every other node drops it at the
// first tick more than `ttl_ms` after it last heard of it. The bound is
// ttl_ms + tick_ms (+ the bucket's delivery delay, milliseconds on a healthy NATS). A lost
// CAF connection is noticed sooner (router.hpp). If this node cannot reach NATS, the
// others drop it after the TTL while it goes on seeing itself, and soon only itself, as
// live: both sides then own some accounts twice, which invariant 10 makes harmless.

#include <caf/fwd.hpp>
#include <chrono>
#include <functional>
#include <memory>

#include "actors/account_registry.hpp"
#include "actors/query_worker.hpp"
#include "cluster/membership.hpp"
#include "cluster/router.hpp"
#include "messaging/kv.hpp"

namespace chronicle::cluster {

constexpr std::int64_t heartbeat_ms_min = 100;
constexpr std::int64_t heartbeat_ms_max = 10'000;
// The TTL must let a few heartbeats go missing before a member is dropped.
constexpr std::int64_t ttl_heartbeats_min = 2;

struct membership_settings {
  member self;
  std::int64_t heartbeat_ms = 1'000;
  std::int64_t ttl_ms = 3'000;
  std::int64_t tick_ms = 250;
  std::size_t changes_per_tick_max = 1'024;
};

struct membership_deps {
  // Opens the bucket; called again after a failure (the server may have lost it).
  std::function<domain::result<std::unique_ptr<messaging::kv_bucket>, messaging::bus_error>()>
      open_bucket;
  router target;                      // also asked for the live accounts this node owns
  actors::account_registry registry;  // asked for its live account actors
  actors::query_worker probe;         // asked whether the event store answers
};

caf::actor spawn_membership(caf::actor_system& system, membership_settings settings,
                            membership_deps deps);

}  // namespace chronicle::cluster
