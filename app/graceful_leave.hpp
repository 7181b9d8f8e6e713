#pragma once

// How a node leaves on SIGTERM (and SIGINT), within a bound:
//
// 1. Draining: node_state.draining is set. From then on the HTTP server refuses commands with
//    503 NODE_DRAINING and Retry-After (the client sends them to another node), and
//    GET /health answers 503 with status "draining". Reads are still served. A clustered
//    node's router refuses commands forwarded to it the same way (node_draining): the
//    forwarding node sends them to the account's next owner at once and stops choosing this
//    node (cluster/router.hpp), so the survivors own its accounts from the first refusal on.
// 2. The commands in flight (taken, not answered yet) finish: their events commit and their
//    replies go out, those forwarded to this node by others included.
// 3. Leaving the cluster (a clustered node, --cluster; `membership` is null on a single
//    node): the membership actor stops, which deletes this node's key from the bucket, and
//    the node waits `leave_seen_ms` (the others' membership tick and then some) while it
//    still answers, so that every other node has seen the leave before this one goes: none
//    sends it a command that would find it gone. This comes after step 2 because a node drops
//    what it forwarded to a member that left as lost (503 OWNER_LOST without a key).
// 4. The outbox is flushed: this node's relay publishes what is committed (flush_atom).
// 5. The roles are released: the relay stops (its claims end) and the projection stops (its
//    lock session closes), so another node's projection takes over within its standby poll.
//
// Each step waits at most until `timeout` after the signal. When the bound is hit, the node
// stops anyway and says what it left: a command still in flight either committed (its client
// sees no reply and retries with its Idempotency-Key, getting the stored response) or did not
// (the retry runs it); events still in the outbox are published by another node's relay
// within its sweep interval. leave_gracefully() answers whether it finished within the bound.

#include <caf/actor.hpp>
#include <chrono>
#include <memory>

#include "http/node_state.hpp"
#include "messaging/outbox_relay_actor.hpp"
#include "projections/projection_actor.hpp"

namespace chronicle::app {

struct leave_parts {
  std::shared_ptr<http::node_state> node;
  messaging::outbox_relay relay;               // may be null (no NATS)
  projections::projection_actor projection;    // may be null (no NATS)
  caf::actor membership;                       // may be null (not clustered)
  std::chrono::milliseconds leave_seen_ms{0};  // how long the others take to see the leave
};

constexpr std::chrono::milliseconds shutdown_timeout_default{10'000};

bool leave_gracefully(caf::actor_system& system, const leave_parts& parts,
                      std::chrono::milliseconds timeout);

}  // namespace chronicle::app
