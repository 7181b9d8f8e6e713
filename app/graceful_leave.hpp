#pragma once

// How a node leaves on SIGTERM (and SIGINT), within a bound:
//
// 1. Draining: node_state.draining is set. From then on the HTTP server refuses commands with
//    503 NODE_DRAINING and Retry-After (the client sends them to another node), and
//    GET /health answers 503 with status "draining". Reads are still served.
// 2. announce_leave(): leaving the cluster. A clustered node (--cluster) stops its membership
//    actor, which deletes this node's key from the membership bucket, so the survivors own
//    its accounts while this node finishes what it accepted. Empty: a single node.
// 3. The commands in flight (handed to the ledger, not answered yet) finish: their events
//    commit and their replies go out.
// 4. The outbox is flushed: this node's relay publishes what is committed (flush_atom).
// 5. The roles are released: the relay stops (its claims end) and the projection stops (its
//    lock session closes), so another node's projection takes over within its standby poll.
//
// Each step waits at most until `timeout` after the signal. When the bound is hit, the node
// stops anyway and says what it left: a command still in flight either committed (its client
// sees no reply and retries with its Idempotency-Key, getting the stored response) or did not
// (the retry runs it); events still in the outbox are published by another node's relay
// within its sweep interval. leave_gracefully() answers whether it finished within the bound.

#include <caf/fwd.hpp>
#include <chrono>
#include <functional>
#include <memory>

#include "http/node_state.hpp"
#include "messaging/outbox_relay_actor.hpp"
#include "projections/projection_actor.hpp"

namespace chronicle::app {

struct leave_parts {
  std::shared_ptr<http::node_state> node;
  messaging::outbox_relay relay;            // may be null (no NATS)
  projections::projection_actor projection;  // may be null (no NATS)
  std::function<void()> announce_leave;     // the membership hook; may be empty
};

constexpr std::chrono::milliseconds shutdown_timeout_default{10'000};

bool leave_gracefully(caf::actor_system& system, const leave_parts& parts,
                      std::chrono::milliseconds timeout);

}  // namespace chronicle::app
