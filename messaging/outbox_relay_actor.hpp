#pragma once

// The outbox relay as an actor: moves committed events from the outbox to the
// bus, batch by batch (relay_once), on its own thread.
//
// Promises:
// - It sweeps at start, when woken by an account actor after a commit, and
//   every `sweep_interval` (so events committed by other nodes, or whose wake
//   was lost, are relayed too). A sweep relays batches while they come back
//   full, at most `batches_per_sweep_max` before other messages get a turn.
// - Wakes are coalesced: a wake sent before the latest sweep began needs no
//   sweep of its own, since that sweep already saw its events.
// - While the store or the bus fails, it retries with jittered exponential
//   backoff (`backoff_min` to `backoff_max`), and prepares the bus again
//   (e.g. ensures the stream) before the next try after a bus failure.
// - It logs sparingly: the first failure, then at most one line per
//   `failure_log_interval` while failing, recovery, and progress at most once
//   per `progress_log_interval`.
//
// - flush_atom (a node leaving, app/chronicled.cpp) relays batch after batch until a claim
//   comes back short, then answers true; false when the store or the bus failed, or after
//   `flush_batches_max` full batches. The caller bounds its wait.
// - Several nodes' relays share one outbox: each publishes only the rows its claim holds
//   (persistence/outbox.hpp), so two never publish one row at once.
//
// Spawn it with caf::detached: a sweep blocks on the database and on NATS.

#include <caf/stateful_actor.hpp>
#include <caf/typed_actor.hpp>
#include <chrono>
#include <functional>
#include <memory>

#include "actors/messages.hpp"
#include "messaging/outbox_relay.hpp"

namespace chronicle::messaging {

using sweep_atom = caf::atom_constant<caf::atom("sweep")>;
using tick_atom = caf::atom_constant<caf::atom("tick")>;
using mark_atom = caf::atom_constant<caf::atom("mark")>;
using flush_atom = caf::atom_constant<caf::atom("flush")>;

// wake_atom comes from account actors; the others the relay sends itself.
using outbox_relay =
    caf::typed_actor<caf::reacts_to<actors::wake_atom>, caf::reacts_to<sweep_atom>,
                     caf::reacts_to<tick_atom>, caf::reacts_to<mark_atom>,
                     caf::replies_to<flush_atom>::with<bool>>;

struct relay_limits {
  std::size_t batch_max = 500;  // events per publish (clamped to outbox_batch_max)
  int publish_timeout_ms = 5'000;
  std::chrono::milliseconds sweep_interval{1'000};
  std::chrono::milliseconds backoff_min{100};
  std::chrono::milliseconds backoff_max{5'000};
  std::size_t batches_per_sweep_max = 64;
  std::size_t flush_batches_max = 1000;
  std::chrono::milliseconds progress_log_interval{10'000};
  std::chrono::milliseconds failure_log_interval{30'000};
};

// What the relay works with. Made by the factory on the relay's own thread.
struct relay_io {
  std::unique_ptr<persistence::outbox_store> outbox;
  std::shared_ptr<publisher> bus;
  // Run before the first sweep and again after a bus failure, until it
  // succeeds (nats_bus::ensure_stream); may be empty.
  std::function<domain::result<std::monostate, bus_error>()> prepare;
};
using relay_io_factory = std::function<relay_io()>;

struct outbox_relay_state {
  using clock = std::chrono::steady_clock;

  relay_io io;
  bool prepared = false;
  bool sweep_queued = false;   // a sweep_atom is in the mailbox, or delayed
  bool marker_queued = false;  // wakes ahead of the marker predate the latest sweep
  int failures = 0;            // failed sweeps in a row
  std::uint64_t relayed_total = 0;
  std::uint64_t relayed_since_log = 0;
  clock::time_point last_progress_log = clock::now();
  clock::time_point last_failure_log;

  static inline const char* name = "outbox_relay";
};

outbox_relay::behavior_type outbox_relay_impl(
    outbox_relay::stateful_pointer<outbox_relay_state> self, relay_io_factory make_io,
    relay_limits limits);

}  // namespace chronicle::messaging
