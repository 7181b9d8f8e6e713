#pragma once

// The projector: turns a batch of bus messages into read-model updates.
//
// Promises: the bus may deliver late, twice, out of order or not at all; the
// read models still converge to the fold of the event store. For each account
// in the batch, the events after its checkpoint are applied in version order,
// in ONE read-model transaction for the whole batch; versions the bus skipped
// are read from the event store (at most gap_fill_events_max per account and
// batch). A message may be acknowledged once its event is covered by the new
// checkpoint; the others are left unacknowledged, so the bus redelivers them
// and the projector catches up. Undecodable messages are acknowledged and
// counted: their events, if real, are recovered from the event store.

#include <cstdint>
#include <vector>

#include "messaging/bus.hpp"
#include "persistence/event_store.hpp"
#include "persistence/read_models.hpp"

namespace chronicle::projections {

constexpr std::int64_t gap_fill_events_max = 10'000;

struct batch_outcome {
  std::vector<std::uint64_t> ack_tokens;  // messages now covered by the read models
  std::size_t applied = 0;                // events new to the read models
  std::size_t duplicates = 0;             // messages at or below a checkpoint
  std::size_t gap_filled = 0;             // events read from the event store
  std::size_t malformed = 0;
};

persistence::result<batch_outcome, persistence::store_error> project_batch(
    const std::vector<messaging::incoming_message>& batch, persistence::read_model_writer& views,
    persistence::event_store& events);

// The reconcile pass: the bus may lose an account's last messages for good (the stream
// discards old messages, or NATS restarts empty), and then no later message would ever
// trigger the gap fill above. So the projection also pages through every account of the
// event store, comparing each account's latest version with its checkpoint, and applies
// what is missing from the event store. One page reads `accounts_max` account heads and
// their checkpoints (index probes: the cost of a page does not grow with history) and
// applies at most `events_max` events.
struct reconcile_limits {
  std::size_t accounts_max = 1000;  // accounts compared per page
  std::size_t events_max = 10'000;  // events applied per page
  // An account whose latest event is younger than this is left to the bus: its messages
  // may still be on their way.
  domain::micros settle_us = 2'000'000;
};

struct reconcile_outcome {
  std::string next_after;    // where the next page starts; "": from the first account again
  std::size_t accounts = 0;  // accounts compared
  std::size_t lagging = 0;   // accounts behind the event store (and settled)
  std::size_t applied = 0;   // events new to the read models
};

// One page of the pass: the accounts after `after_account_id` ("" for the first page).
persistence::result<reconcile_outcome, persistence::store_error> reconcile_page(
    persistence::read_model_writer& views, persistence::event_store& events,
    const std::string& after_account_id, domain::micros now, const reconcile_limits& limits);

}  // namespace chronicle::projections
